#include "server/value_convert.h"

#include <string>
#include <unordered_set>

namespace strata::server {
namespace {

using storage::Result;
using storage::Status;
using storage::Value;

// `depth` counts the containers (arrays, objects) enclosing `in`; a container
// may sit at most kMaxNestingDepth deep, as the Python client counts it.
Status Convert(const v1::Value& in, size_t depth, Value* out) {
  bool container = in.kind_case() == v1::Value::kArrayValue || in.kind_case() == v1::Value::kObjectValue;
  if (container && depth + 1 > storage::kMaxNestingDepth) {
    return Status::InvalidArgument("value nesting is deeper than the limit of " +
                                   std::to_string(storage::kMaxNestingDepth) + " levels");
  }
  switch (in.kind_case()) {
    case v1::Value::KIND_NOT_SET:
    case v1::Value::kNullValue:
      *out = nullptr;
      return Status::Ok();
    case v1::Value::kBoolValue:
      *out = in.bool_value();
      return Status::Ok();
    case v1::Value::kIntValue:
      *out = static_cast<int64_t>(in.int_value());
      return Status::Ok();
    case v1::Value::kFloatValue:
      *out = in.float_value();
      return Status::Ok();
    case v1::Value::kStringValue:
      if (in.string_value().size() > storage::kMaxStringBytes) {
        return Status::InvalidArgument("string value is " + std::to_string(in.string_value().size()) +
                                       " bytes; the limit is 16 MiB");
      }
      *out = in.string_value();
      return Status::Ok();
    case v1::Value::kBytesValue: {
      const std::string& b = in.bytes_value();
      if (b.size() > storage::kMaxStringBytes) {
        return Status::InvalidArgument("bytes value is " + std::to_string(b.size()) + " bytes; the limit is 16 MiB");
      }
      *out = Value::binary(std::vector<uint8_t>(b.begin(), b.end()));
      return Status::Ok();
    }
    case v1::Value::kArrayValue: {
      *out = Value::array();
      auto& arr = out->get_ref<Value::array_t&>();
      arr.reserve(in.array_value().items_size());
      for (const auto& item : in.array_value().items()) {
        arr.emplace_back();
        STRATA_RETURN_IF_ERROR(Convert(item, depth + 1, &arr.back()));
      }
      return Status::Ok();
    }
    case v1::Value::kObjectValue: {
      *out = Value::object();
      std::unordered_set<std::string_view> seen;
      for (const auto& entry : in.object_value().entries()) {
        if (!seen.insert(entry.key()).second) {
          return Status::InvalidArgument("object has the key \"" + entry.key() + "\" twice");
        }
        Value child;
        STRATA_RETURN_IF_ERROR(Convert(entry.value(), depth + 1, &child));
        (*out)[entry.key()] = std::move(child);
      }
      return Status::Ok();
    }
  }
  return Status::InvalidArgument("value has an unknown kind");
}

}  // namespace

Result<Value> FromProto(const v1::Value& in) {
  Value out;
  STRATA_RETURN_IF_ERROR(Convert(in, 0, &out));
  return out;
}

void ToProto(const Value& in, v1::Value* out) {
  switch (in.type()) {
    case Value::value_t::null:
    case Value::value_t::discarded:
      out->set_null_value(v1::NULL_VALUE);
      return;
    case Value::value_t::boolean:
      out->set_bool_value(in.get<bool>());
      return;
    case Value::value_t::number_integer:
      out->set_int_value(in.get<int64_t>());
      return;
    case Value::value_t::number_unsigned: {
      // CBOR stores non-negative ints as unsigned; all of ours fit in int64.
      out->set_int_value(static_cast<int64_t>(in.get<uint64_t>()));
      return;
    }
    case Value::value_t::number_float:
      out->set_float_value(in.get<double>());
      return;
    case Value::value_t::string:
      out->set_string_value(in.get_ref<const std::string&>());
      return;
    case Value::value_t::binary: {
      const auto& bin = in.get_binary();
      out->set_bytes_value(std::string(bin.begin(), bin.end()));
      return;
    }
    case Value::value_t::array: {
      auto* arr = out->mutable_array_value();
      for (const auto& item : in) ToProto(item, arr->add_items());
      return;
    }
    case Value::value_t::object: {
      auto* obj = out->mutable_object_value();
      for (const auto& [key, value] : in.items()) {
        auto* entry = obj->add_entries();
        entry->set_key(key);
        ToProto(value, entry->mutable_value());
      }
      return;
    }
  }
}

}  // namespace strata::server

#include "storage/text_extract.h"

#include "storage/event_hash.h"
#include "storage/vector_types.h"

namespace strata::storage {
namespace {

// The event record header: [version][timestamp][prev_hash][hash][type length u16].
constexpr size_t kEventHeaderBytes = 8 + 8 + kHashBytes + kHashBytes + 2;

void StringLeaves(const Value& v, std::vector<std::string>& out) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (!s.empty()) out.push_back(s);
  } else if (v.is_array() || v.is_object()) {
    for (const auto& child : v) StringLeaves(child, out);
  }
}

}  // namespace

bool IsIndexedRecordPrimitive(Primitive primitive) {
  return primitive == Primitive::kKv || primitive == Primitive::kState || primitive == Primitive::kJson ||
         primitive == Primitive::kVector;
}

std::vector<std::string> RecordText(Primitive primitive, std::string_view payload) {
  std::vector<std::string> out;
  if (primitive == Primitive::kVector) {
    // [dimension u32 BE][dimension x f32][metadata CBOR or nothing]
    if (payload.size() < 4) return out;
    uint64_t vector_bytes = 4 + 4ull * ReadU32(payload);
    if (payload.size() <= vector_bytes) return out;
    payload = payload.substr(vector_bytes);
  } else if (!IsIndexedRecordPrimitive(primitive)) {
    return out;
  }
  auto value = DecodeValue(payload);
  if (value.ok()) StringLeaves(*value, out);
  return out;
}

std::vector<std::string> EventText(std::string_view type, const Value& payload) {
  std::vector<std::string> out;
  out.emplace_back(type);
  StringLeaves(payload, out);
  return out;
}

std::optional<uint64_t> EventRecordVersion(std::string_view value) {
  if (value.size() < 8) return std::nullopt;
  return ReadU64(value);
}

std::optional<StoredEvent> ParseEventRecord(std::string_view value) {
  if (value.size() < kEventHeaderBytes) return std::nullopt;
  size_t type_len = (static_cast<uint8_t>(value[kEventHeaderBytes - 2]) << 8) |
                    static_cast<uint8_t>(value[kEventHeaderBytes - 1]);
  if (value.size() < kEventHeaderBytes + type_len) return std::nullopt;
  StoredEvent e;
  e.version = ReadU64(value);
  auto payload = DecodeValue(value.substr(kEventHeaderBytes + type_len));
  e.fields = EventText(value.substr(kEventHeaderBytes, type_len), payload.ok() ? *payload : Value());
  return e;
}

std::string EntityDisplayName(Primitive primitive, std::string_view record_name) {
  if (primitive != Primitive::kVector) return std::string(record_name);
  auto parts = ParseVectorRecordName(record_name);
  if (!parts) return std::string(record_name);
  return parts->collection + "/" + parts->key;
}

}  // namespace strata::storage

#include "storage/value_equality.h"

#include <cmath>

namespace strata::storage {
namespace {

bool IsInt(const Value& v) { return v.is_number_integer(); }  // signed or unsigned

}  // namespace

bool StrictlyEqual(const Value& a, const Value& b, NanRule nan) {
  if (IsInt(a) || IsInt(b)) {
    if (!IsInt(a) || !IsInt(b)) return false;
    if (a.is_number_unsigned() && b.is_number_unsigned()) return a.get<uint64_t>() == b.get<uint64_t>();
    if (a.is_number_unsigned() || b.is_number_unsigned()) {
      const Value& u = a.is_number_unsigned() ? a : b;
      const Value& s = a.is_number_unsigned() ? b : a;
      return s.get<int64_t>() >= 0 && static_cast<uint64_t>(s.get<int64_t>()) == u.get<uint64_t>();
    }
    return a.get<int64_t>() == b.get<int64_t>();
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Value::value_t::null:
      return true;
    case Value::value_t::boolean:
      return a.get<bool>() == b.get<bool>();
    case Value::value_t::number_float:
      return a.get<double>() == b.get<double>() ||
             (nan == NanRule::kEqualsNan && std::isnan(a.get<double>()) && std::isnan(b.get<double>()));
    case Value::value_t::string:
      return a.get_ref<const std::string&>() == b.get_ref<const std::string&>();
    case Value::value_t::binary:
      return a.get_binary() == b.get_binary();
    case Value::value_t::array: {
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i) {
        if (!StrictlyEqual(a[i], b[i], nan)) return false;
      }
      return true;
    }
    case Value::value_t::object: {
      if (a.size() != b.size()) return false;
      for (const auto& [key, value] : a.items()) {
        auto it = b.find(key);
        if (it == b.end() || !StrictlyEqual(value, *it, nan)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

}  // namespace strata::storage

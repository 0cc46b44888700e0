#include "storage/vector_filter.h"

#include <cmath>

namespace strata::storage {
namespace {

Result<FilterOp> ParseOp(std::string_view op) {
  if (op == "eq") return FilterOp::kEq;
  if (op == "ne") return FilterOp::kNe;
  if (op == "gt") return FilterOp::kGt;
  if (op == "gte") return FilterOp::kGte;
  if (op == "lt") return FilterOp::kLt;
  if (op == "lte") return FilterOp::kLte;
  if (op == "in") return FilterOp::kIn;
  if (op == "contains") return FilterOp::kContains;
  return Status::InvalidArgument("unknown op \"" + std::string(op) + "\"; use one of eq ne gt gte lt lte in contains");
}

// Numbers compare by value whatever their JSON type (int, unsigned, float).
bool BothNumbers(const Value& a, const Value& b) { return a.is_number() && b.is_number(); }

int CompareNumbers(const Value& a, const Value& b) {
  // Exact for integers of either sign; doubles otherwise.
  if (a.is_number_integer() && b.is_number_integer()) {
    bool a_neg = a.is_number_unsigned() ? false : a.get<int64_t>() < 0;
    bool b_neg = b.is_number_unsigned() ? false : b.get<int64_t>() < 0;
    if (a_neg != b_neg) return a_neg ? -1 : 1;
    if (a_neg) {
      int64_t x = a.get<int64_t>(), y = b.get<int64_t>();
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    uint64_t x = a.get<uint64_t>(), y = b.get<uint64_t>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  double x = a.get<double>(), y = b.get<double>();
  return x < y ? -1 : (x > y ? 1 : 0);
}

bool LooseEqual(const Value& a, const Value& b) {
  if (BothNumbers(a, b)) {
    if (a.is_number_float() && std::isnan(a.get<double>())) return false;
    if (b.is_number_float() && std::isnan(b.get<double>())) return false;
    return CompareNumbers(a, b) == 0;
  }
  if (a.type() != b.type()) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!LooseEqual(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto other = b.find(it.key());
      if (other == b.end() || !LooseEqual(it.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

// <0, 0, >0, or nullopt when the two cannot be ordered.
std::optional<int> Order(const Value& a, const Value& b) {
  if (BothNumbers(a, b)) {
    if ((a.is_number_float() && std::isnan(a.get<double>())) || (b.is_number_float() && std::isnan(b.get<double>()))) {
      return std::nullopt;
    }
    return CompareNumbers(a, b);
  }
  if (a.is_string() && b.is_string()) {
    int c = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return std::nullopt;
}

const Value* Lookup(const Value& metadata, const std::vector<std::string>& path) {
  const Value* cur = &metadata;
  for (const auto& part : path) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(part);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

bool Holds(const Filter& f, const Value& metadata) {
  const Value* field = Lookup(metadata, f.path);
  if (field == nullptr) return f.op == FilterOp::kNe;
  switch (f.op) {
    case FilterOp::kEq: return LooseEqual(*field, f.value);
    case FilterOp::kNe: return !LooseEqual(*field, f.value);
    case FilterOp::kGt: {
      auto o = Order(*field, f.value);
      return o && *o > 0;
    }
    case FilterOp::kGte: {
      auto o = Order(*field, f.value);
      return o && *o >= 0;
    }
    case FilterOp::kLt: {
      auto o = Order(*field, f.value);
      return o && *o < 0;
    }
    case FilterOp::kLte: {
      auto o = Order(*field, f.value);
      return o && *o <= 0;
    }
    case FilterOp::kIn:
      for (const auto& candidate : f.value) {
        if (LooseEqual(*field, candidate)) return true;
      }
      return false;
    case FilterOp::kContains:
      if (field->is_string()) {
        return f.value.is_string() &&
               field->get_ref<const std::string&>().find(f.value.get_ref<const std::string&>()) != std::string::npos;
      }
      if (field->is_array()) {
        for (const auto& element : *field) {
          if (LooseEqual(element, f.value)) return true;
        }
      }
      return false;
  }
  return false;
}

}  // namespace

Result<Filter> ParseFilter(std::string_view field, std::string_view op, Value value, size_t index) {
  std::string where = "filter " + std::to_string(index);
  if (field.empty()) return Status::InvalidArgument(where + ": field must not be empty");
  Filter f;
  size_t start = 0;
  while (true) {
    size_t dot = field.find('.', start);
    std::string_view part = field.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (part.empty()) {
      return Status::InvalidArgument(where + ": field \"" + std::string(field) +
                                     "\" has an empty path segment (use names separated by single dots)");
    }
    f.path.emplace_back(part);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  auto parsed = ParseOp(op);
  if (!parsed.ok()) return Status::InvalidArgument(where + ": " + parsed.status().message());
  f.op = *parsed;
  switch (f.op) {
    case FilterOp::kIn:
      if (!value.is_array()) return Status::InvalidArgument(where + ": op \"in\" needs a list value");
      break;
    case FilterOp::kGt:
    case FilterOp::kGte:
    case FilterOp::kLt:
    case FilterOp::kLte:
      if (!value.is_number() && !value.is_string()) {
        return Status::InvalidArgument(where + ": op \"" + std::string(op) + "\" needs a number or a string value");
      }
      if (value.is_number_float() && std::isnan(value.get<double>())) {
        return Status::InvalidArgument(where + ": op \"" + std::string(op) + "\" cannot compare with NaN");
      }
      break;
    default:
      break;
  }
  f.value = std::move(value);
  return f;
}

bool MatchesAll(const std::vector<Filter>& filters, const Value& metadata) {
  for (const auto& f : filters) {
    if (!Holds(f, metadata)) return false;
  }
  return true;
}

}  // namespace strata::storage

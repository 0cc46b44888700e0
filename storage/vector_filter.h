// Metadata filters of vector search (spec/api.md §8): conditions
// {field, op, value}, all of which must hold. `field` is a dotted path into
// nested metadata objects. Ops:
//   eq / ne       equal / not equal (numbers compare by value: 1 == 1.0; a
//                 missing field is "not equal")
//   gt gte lt lte numbers with numbers, strings with strings (bytewise);
//                 anything else does not match
//   in            the field equals one element of the value (a list)
//   contains      the field is a string holding the value as a substring, or
//                 a list holding an element equal to the value
// Thread safety: immutable after parsing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "storage/status.h"
#include "storage/value.h"

namespace strata::storage {

enum class FilterOp { kEq, kNe, kGt, kGte, kLt, kLte, kIn, kContains };

struct Filter {
  std::vector<std::string> path;  // the field split at "."
  FilterOp op = FilterOp::kEq;
  Value value;
};

// kInvalidArgument naming the bad field, op or value (`index` is the
// condition's position, for the message).
Result<Filter> ParseFilter(std::string_view field, std::string_view op, Value value, size_t index);

// True when every condition holds for `metadata` (null when the vector has none).
bool MatchesAll(const std::vector<Filter>& filters, const Value& metadata);

}  // namespace strata::storage

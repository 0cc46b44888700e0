// Deep, type-strict equality of stored values, as compare-and-swap needs it:
// 1, 1.0 and true all differ (nlohmann's operator== would call 1 == 1.0).
#pragma once

#include "storage/value.h"

namespace strata::storage {

// How a NaN compares with a NaN: never equal (IEEE, as compare-and-swap
// sees it), or equal (the same stored value, as branch diff and merge see it:
// a NaN left alone since the fork point is unchanged).
enum class NanRule { kNeverEqual, kEqualsNan };

// Objects compare as maps (key order does not matter, as with Python dicts);
// arrays element by element; ints by value whether stored signed or unsigned;
// floats by IEEE equality, NaN as `nan` says.
bool StrictlyEqual(const Value& a, const Value& b, NanRule nan = NanRule::kNeverEqual);

}  // namespace strata::storage

// Deep, type-strict equality of stored values, as compare-and-swap needs it:
// 1, 1.0 and true all differ (nlohmann's operator== would call 1 == 1.0).
#pragma once

#include "storage/value.h"

namespace strata::storage {

// Objects compare as maps (key order does not matter, as with Python dicts);
// arrays element by element; ints by value whether stored signed or unsigned;
// floats by IEEE equality (so NaN never equals NaN).
bool StrictlyEqual(const Value& a, const Value& b);

}  // namespace strata::storage

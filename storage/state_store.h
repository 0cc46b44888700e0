// State cells: named values changed by set, init and compare-and-swap
// (spec/api.md §5). CAS is evaluated inside the writer, so it is atomic with
// respect to every other write.
// Thread safety: all methods may be called from any thread.
#pragma once

#include <optional>

#include "storage/value_store.h"

namespace strata::storage {

// What a compare-and-swap compares against. With neither field set, the swap
// happens only if the cell does not exist.
struct CasExpectation {
  std::optional<Value> value;       // deep, type-strict equality with the current value
  std::optional<uint64_t> version;  // equality with the current version
};

class StateStore : public ValueStore {
 public:
  explicit StateStore(EngineCore& core) : ValueStore(core, Primitive::kState, "cell") {}

  // Creates the cell with `value` unless it exists; returns the version of the
  // cell afterwards (its existing version when it was left unchanged).
  Result<uint64_t> Init(const Scope& scope, std::string_view cell, const Value& value);

  // Swaps in `value` when `expected` holds; kConflict (changing nothing) otherwise.
  Result<uint64_t> Cas(const Scope& scope, std::string_view cell, const Value& value, const CasExpectation& expected);
};

}  // namespace strata::storage

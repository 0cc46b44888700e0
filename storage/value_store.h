// ValueStore: a primitive whose data is named, versioned values (KV pairs,
// state cells). KvStore is spec/api.md §4; StateStore (state_store.h) adds
// init and compare-and-swap.
// Thread safety: all methods may be called from any thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/engine_core.h"
#include "storage/value.h"
#include "storage/versioned_names.h"

namespace strata::storage {

class ValueStore {
 public:
  // `what` names one item in error messages ("key", "cell").
  ValueStore(EngineCore& core, Primitive primitive, std::string what)
      : core_(core), primitive_(primitive), what_(std::move(what)) {}

  // Stores `value` under `key`; returns the commit version.
  // Errors: kInvalidArgument (bad key or space), kNotFound (branch), kResourceExhausted (full).
  Result<uint64_t> Put(const Scope& scope, std::string_view key, const Value& value);

  // The live value of `key` (as of a timestamp when given); nullopt when absent or deleted.
  Result<std::optional<VersionedValue>> Get(const Scope& scope, std::string_view key,
                                            std::optional<int64_t> as_of);

  // Writes a tombstone when the key is live.
  Result<DeleteResult> Delete(const Scope& scope, std::string_view key);

  // Live keys with `prefix`, after `after`, at most `limit` (1..10000).
  Result<NamePage> List(const Scope& scope, std::string_view prefix, const std::optional<std::string>& after,
                        size_t limit, std::optional<int64_t> as_of);

  // The versions in `range` (all by default), newest first, tombstones
  // included; nullopt when the key never existed.
  Result<std::optional<std::vector<VersionedValue>>> History(const Scope& scope, std::string_view key,
                                                             const HistoryRange& range = {});

 protected:
  // Runs `body` in the writer with the scope resolved for writing.
  Status RunWrite(const Scope& scope, const std::function<Status(WriteContext&, const WriteTarget&)>& body);

  EngineCore& core_;
  Primitive primitive_;
  std::string what_;
};

// Versioned key-value pairs (spec/api.md §4).
class KvStore : public ValueStore {
 public:
  explicit KvStore(EngineCore& core) : ValueStore(core, Primitive::kKv, "key") {}
};

}  // namespace strata::storage

// Versioned records of any primitive, read through branch layers.
//
// A record is one version of one name: a value or a tombstone, with the commit
// timestamp. Record value layout (on disk: never change, docs/format.md):
//   [flags u8][timestamp i64 BE][if flags & kFullName: name length u16 BE, name][payload]
// All functions are stateless over a caller's transaction; thread safety is the
// transaction's.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/key_codec.h"
#include "storage/lmdb_env.h"
#include "storage/status.h"

namespace strata::storage {

// One layer of a branch: its own records, visible up to max_version.
struct Layer {
  uint32_t branch_id = 0;
  uint64_t max_version = UINT64_MAX;
};
// The branch's own layer first, then its ancestors (each capped at the fork version).
using LayerChain = std::vector<Layer>;

struct Record {
  std::string name;
  uint64_t version = 0;
  int64_t timestamp = 0;
  bool tombstone = false;
  std::string payload;
};

struct NamePage {
  std::vector<std::string> names;
  bool has_more = false;  // when true, continue after names.back()
};

// Where a primitive's records live: the layers, the space id and the primitive.
struct RecordScope {
  const LayerChain* layers = nullptr;
  uint32_t space_id = 0;
  Primitive primitive = Primitive::kKv;
};

class RecordStore {
 public:
  // The newest record of `name` at or below `at_version`, tombstones included;
  // nullopt when the name has no record there in any layer.
  static Result<std::optional<Record>> Read(const Txn& txn, MDB_dbi dbi, const RecordScope& scope,
                                            std::string_view name, uint64_t at_version);

  // The records of `name` visible through the layers at or below
  // `max_version`, newest first, at most `limit` of them: one page of a long
  // history costs that page, not the whole history.
  static Result<std::vector<Record>> History(const Txn& txn, MDB_dbi dbi, const RecordScope& scope,
                                             std::string_view name, uint64_t max_version = UINT64_MAX,
                                             size_t limit = SIZE_MAX);

  // Live names starting with `prefix`, greater than `after` when given, in bytewise
  // order, at most `limit` of them, as of `at_version`.
  static Result<NamePage> List(const Txn& txn, MDB_dbi dbi, const RecordScope& scope,
                               std::string_view prefix, const std::optional<std::string>& after,
                               size_t limit, uint64_t at_version);

  // Calls `visit` with every live record whose name starts with `prefix`, as of
  // `at_version`, in encoded-name order (bytewise except inside groups of long
  // names). `visit` returns a non-ok status to stop with it.
  static Status ScanLive(const Txn& txn, MDB_dbi dbi, const RecordScope& scope, std::string_view prefix,
                         uint64_t at_version, const std::function<Status(const Record&)>& visit);

  // Writes one record of `name` into `branch_id`'s own layer, and its entry in
  // the branch's change index (storage/change_index.h).
  static Status Write(Txn& txn, MDB_dbi dbi, uint32_t branch_id, uint32_t space_id, Primitive primitive,
                      std::string_view name, uint64_t version, int64_t timestamp, bool tombstone,
                      std::string_view payload);

  // Decodes a record stored under `record_key` (exposed for tests and tools).
  static Result<Record> Decode(std::string_view record_key, std::string_view value);
};

}  // namespace strata::storage

// The catalog: which branches and spaces exist, and how a branch reads through
// its ancestors. Branch records (on disk: never change, docs/format.md):
//   [id u32][parent id u32 (0: none)][fork version u64][created_at i64][deleted u8]
// Thread safety: stateless; callers pass their transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "storage/lmdb_env.h"
#include "storage/record_store.h"
#include "storage/status.h"

namespace strata::storage {

struct BranchRecord {
  uint32_t id = 0;
  uint32_t parent_id = 0;
  uint64_t fork_version = 0;
  int64_t created_at = 0;
};

class Catalog {
 public:
  // Makes a new data directory's catalog: the format version, the "default"
  // branch and the "default" space. A no-op when already initialized; refuses a
  // newer format.
  static Status Initialize(Txn& txn, const Databases& dbs, int64_t now);

  // The branch named `name`; kNotFound when it does not exist.
  static Result<BranchRecord> FindBranch(const Txn& txn, const Databases& dbs, std::string_view name);

  // The layers a read on `branch` goes through: its own, then each ancestor's
  // records up to the fork version.
  static Result<LayerChain> Layers(const Txn& txn, const Databases& dbs, const BranchRecord& branch);

  // The global id of a space name, if any branch ever used it.
  static Result<std::optional<uint32_t>> FindSpace(const Txn& txn, const Databases& dbs, std::string_view name);

  // The id of a space, registering the name and its existence on the branch
  // when this is its first write there.
  static Result<uint32_t> EnsureSpace(Txn& txn, const Databases& dbs, uint32_t branch_id, std::string_view name);

  // Number of branches, and of spaces existing on a branch (with "default").
  static Result<uint64_t> CountBranches(const Txn& txn, const Databases& dbs);
  static Result<uint64_t> CountSpaces(const Txn& txn, const Databases& dbs, uint32_t branch_id);
};

}  // namespace strata::storage

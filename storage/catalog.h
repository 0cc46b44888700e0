// The catalog: which branches and spaces exist, and how a branch reads through
// its ancestors. Branch records (on disk: never change, docs/format.md):
//   [id u32][parent id u32 (0: none)][fork version u64][created_at i64][flags u8]
//   [name length u16][name]           (flags bit 0: deleted; the name part is
//                                      absent in records written before branches)
// Space memberships "branch_space/" + branch id + name (docs/format.md):
//   empty: the space exists on the branch and reads through the ancestors;
//   otherwise [flags u8][detached_at u64] (flags bit 0: deleted on the branch,
//   bit 1: detached: reads at or after detached_at stop at this branch's layer).
// Thread safety: stateless; callers pass their transaction.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/lmdb_env.h"
#include "storage/record_store.h"
#include "storage/status.h"

namespace strata::storage {

struct BranchRecord {
  uint32_t id = 0;
  uint32_t parent_id = 0;
  uint64_t fork_version = 0;
  int64_t created_at = 0;
  bool deleted = false;  // the name is free; children still read through the records
  std::string name;
};

// A space's state on one branch.
struct SpaceMembership {
  bool deleted = false;                 // deleted on the branch: absent until created or written again
  std::optional<uint64_t> detached_at;  // reads at or after this version do not look at ancestors
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

  // The branch record with `id` (deleted ones too); nullopt when there is none.
  static Result<std::optional<BranchRecord>> BranchById(const Txn& txn, const Databases& dbs, uint32_t id);

  // Every branch record ever made, deleted ones included, by id.
  static Result<std::vector<BranchRecord>> AllBranches(const Txn& txn, const Databases& dbs);

  // Names of the live branches, bytewise.
  static Result<std::vector<std::string>> BranchNames(const Txn& txn, const Databases& dbs);

  // Takes the next unused branch id.
  static Result<uint32_t> AllocateBranchId(Txn& txn, const Databases& dbs);

  // Writes the record under its id and, unless deleted, under its name.
  static Status PutBranch(Txn& txn, const Databases& dbs, const BranchRecord& branch);

  // Marks the branch deleted: its name goes, its id record stays for its children.
  static Status MarkBranchDeleted(Txn& txn, const Databases& dbs, BranchRecord branch);

  // The highest version at which some live branch reads `branch_id`'s own
  // records (a child at its fork version, or a live descendant of a deleted
  // child at the smallest fork version on its way up); nullopt when none does.
  static Result<std::optional<uint64_t>> MaxReaderVersion(const Txn& txn, const Databases& dbs, uint32_t branch_id);

  // `chain` (from Layers) cut for one space read at `read_version`: a layer
  // whose branch detached the space at or before the version it is read at
  // is the last one looked at.
  static Result<LayerChain> SpaceLayers(const Txn& txn, const Databases& dbs, LayerChain chain,
                                        std::string_view space, uint64_t read_version);

  // A space's membership on a branch; nullopt when it never existed there.
  static Result<std::optional<SpaceMembership>> GetMembership(const Txn& txn, const Databases& dbs,
                                                              uint32_t branch_id, std::string_view space);
  static Status PutMembership(Txn& txn, const Databases& dbs, uint32_t branch_id, std::string_view space,
                              const SpaceMembership& membership);

  // Every membership record of a branch (deleted ones too), by name.
  static Result<std::vector<std::pair<std::string, SpaceMembership>>> Memberships(const Txn& txn,
                                                                                  const Databases& dbs,
                                                                                  uint32_t branch_id);

  // The global id of a space name, if any branch ever used it.
  static Result<std::optional<uint32_t>> FindSpace(const Txn& txn, const Databases& dbs, std::string_view name);
  // Space id -> name, for every space the database has.
  static Result<std::map<uint32_t, std::string>> SpaceNames(const Txn& txn, const Databases& dbs);

  // The id of a space, registering the name and its existence on the branch
  // when this is its first write there (or the first since it was deleted there).
  static Result<uint32_t> EnsureSpace(Txn& txn, const Databases& dbs, uint32_t branch_id, std::string_view name);

  // Number of branches, and of spaces existing on a branch (with "default").
  static Result<uint64_t> CountBranches(const Txn& txn, const Databases& dbs);
  static Result<uint64_t> CountSpaces(const Txn& txn, const Databases& dbs, uint32_t branch_id);
};

}  // namespace strata::storage

// Branches (spec/api.md §9): the catalog operations. A branch is a layer over
// its ancestors (design.md §2), so a fork writes catalog records only: one
// branch record under its name and its id, plus, per space of the source, its
// membership and its event-log head (so the child's log continues the
// parent's sequence and hash chain), plus the live-name counter. Nothing it
// writes depends on how much data the source holds.
//
// Thread safety: all methods may be called from any thread; changes run in the writer.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/engine_core.h"
#include "storage/status.h"
#include "storage/value.h"

namespace strata::storage {

struct BranchInfo {
  std::string name;
  std::string parent;  // empty for a root branch; a deleted parent keeps its name here
  uint64_t fork_version = 0;
  int64_t created_at = 0;  // microseconds since the epoch
};

struct ForkResult {
  std::string source;
  std::string destination;
  uint64_t version = 0;  // the commit version of the fork (the child sees the source below it)
};

// One (space, primitive, key) that differs between two branches.
struct BranchDiffEntry {
  std::string space;
  std::string primitive;  // "kv", "state", "json", "event"
  std::string key;        // for events: the decimal sequence
  std::string change;     // "added" (in b only), "removed" (in a only), "modified"
  Value value_a;          // null when absent; events: {"event_type", "value"}
  Value value_b;
};

struct BranchDiff {
  std::string branch_a;
  std::string branch_b;
  uint64_t added = 0;
  uint64_t removed = 0;
  uint64_t modified = 0;
  std::vector<BranchDiffEntry> entries;
  bool unrelated = false;  // no common ancestor: a two-way comparison
};

struct BranchMergeConflict {
  std::string space;
  std::string primitive;
  std::string key;
  Value source_value;  // null when absent (deleted)
  Value target_value;
  std::string resolution;  // "source" or "target": the side kept
};

struct BranchMergeResult {
  std::string source;
  std::string target;
  std::string strategy;
  uint64_t keys_applied = 0;  // records written on the target plus events appended
  std::vector<BranchMergeConflict> conflicts;
  uint64_t version = 0;  // the merge's commit (the latest version when nothing was written)
  bool unrelated = false;
};

struct BranchExportResult {
  std::string branch;
  uint64_t entry_count = 0;
  uint64_t bundle_size = 0;
  std::string checksum;  // SHA-256 of the bundle before its trailer, 32 raw bytes
};

struct BranchImportResult {
  std::string branch;
  uint64_t entry_count = 0;
  uint64_t keys_written = 0;  // records plus events written
};

class BranchStore {
 public:
  explicit BranchStore(EngineCore& core) : core_(core) {}

  // A new empty branch. kAlreadyExists for a taken name; kInvalidArgument for a bad one.
  Result<BranchInfo> Create(std::string_view name);

  // `destination` starts with everything `source` has now. kNotFound for a
  // missing source, kAlreadyExists for a taken destination.
  Result<ForkResult> Fork(std::string_view source, std::string_view destination);

  // kNotFound when the branch does not exist.
  Result<BranchInfo> Get(std::string_view name);

  // Names of the live branches, bytewise ("default" is always there).
  Result<std::vector<std::string>> List();

  Result<bool> Exists(std::string_view name);

  // Hides the branch and frees its name; branches forked from it keep reading
  // its records. kConstraint for "default", kNotFound when missing. Returns
  // the commit version of the deletion.
  Result<uint64_t> Delete(std::string_view name);

  // What differs between `a` and `b` (storage/branch_merge.cc). Related
  // branches compare only the names either side changed since their common
  // ancestor (read from the change index), so the cost follows the change.
  // kNotFound for a missing branch.
  Result<BranchDiff> Diff(std::string_view a, std::string_view b);

  // Three-way merge of `source` into `target` against the common ancestor (the
  // fork point, or the most recent merge between the two in either direction),
  // as one commit.
  // Strategies: "last_writer_wins" (default, also for ""), "source_wins",
  // "target_wins", "strict" (kConflict naming the keys, nothing written).
  // kInvalidArgument for an unknown strategy or source == target; kNotFound
  // for a missing branch.
  Result<BranchMergeResult> Merge(std::string_view source, std::string_view target, std::string_view strategy);

  // Streams a bundle (storage/bundle.h) of everything visible on `name`, from
  // one read snapshot, to `sink` in pieces of about 1 MiB. kNotFound when missing.
  Result<BranchExportResult> Export(std::string_view name, const std::function<Status(std::string_view)>& sink);

  // Validates the whole bundle, then writes it into a new branch (`name`, or
  // the bundle's branch name when empty) in one writer operation: nothing is
  // written unless everything validated. kInvalidArgument for a bad bundle,
  // kAlreadyExists for a taken name.
  Result<BranchImportResult> Import(std::string_view bundle, std::string_view name);

 private:
  EngineCore& core_;
};

}  // namespace strata::storage

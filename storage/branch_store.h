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
#include <string>
#include <string_view>
#include <vector>

#include "storage/engine_core.h"
#include "storage/status.h"

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

 private:
  EngineCore& core_;
};

}  // namespace strata::storage

// Spaces (spec/api.md §10): namespaces inside a branch. A space exists on a
// branch from its first write (or create); a fork inherits the source's
// spaces. Deleting a space detaches it from the branch's ancestors (reads stop
// at the branch's own layer from then on) and removes the branch's own
// records in it; other branches never change.
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

class SpaceStore {
 public:
  explicit SpaceStore(EngineCore& core) : core_(core) {}

  // Creates the space on the branch; idempotent (an existing space writes
  // nothing and returns the latest version). Errors: kInvalidArgument (name
  // rules), kNotFound (branch).
  Result<uint64_t> Create(std::string_view branch, std::string_view name);

  // The branch's spaces, bytewise; always with "default".
  Result<std::vector<std::string>> List(std::string_view branch);

  Result<bool> Exists(std::string_view branch, std::string_view name);

  // Deletes the space on the branch. kConstraint for "default", for a space
  // holding live data without `force`, and for a forced delete of a space in
  // which this branch has its own events while branches forked from it still
  // read them. kNotFound for a missing branch or space. With `force`, every
  // primitive's data in the space on this branch goes: the branch's own
  // records are physically removed (or, when children still read them,
  // covered by tombstones) and inherited data is hidden by detaching the space
  // from the ancestors. Returns the commit version of the deletion.
  Result<uint64_t> Delete(std::string_view branch, std::string_view name, bool force);

 private:
  EngineCore& core_;
};

}  // namespace strata::storage

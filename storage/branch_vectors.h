// Vector collections in branch diff and merge (spec/api.md §9; internal to
// storage/branch_merge.cc).
//
// A vector belongs to one collection incarnation (vector_types.h): its record
// name carries the incarnation, so vectors are compared and merged per
// (space, collection, key) under the incarnation each side has live, never
// across incarnations:
// - the collection is merged three-way as a whole: a side changed it when
//   its collection record differs from the base's (compared byte for byte, so
//   a collection deleted and created again is a change even with the same
//   settings) or, still holding the base's collection, it changed one of its
//   vectors; when both sides hold different collections and both changed
//   them, that is one conflict, of primitive "collection";
// - when the target keeps the collection and the source has the same one,
//   each vector named by the change ranges is merged three-way, with
//   conflicts reported per vector;
// - when the merge gives the target the source's collection (new, or in place
//   of another incarnation), the target's old vectors are deleted and every
//   live vector of the source's collection is copied: a collection is
//   replaced whole, never mixed with vectors of another dimension or metric;
// - when the target keeps a collection the source does not share, the
//   source's vector changes do not apply (they belong to another collection;
//   if the source changed them, that was the conflict above).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "storage/branch_sides.h"
#include "storage/branch_store.h"

namespace strata::storage {

// Per (space id, collection name): the vector keys the change ranges name.
using VectorGroups = std::map<std::pair<uint32_t, std::string>, std::set<std::string>>;

// Moves the collection and vector names out of `names` into groups.
VectorGroups TakeVectorCandidates(std::set<NameKey>& names);

// Adds the collection and vector differences between sides `a` and `b`.
Status DiffVectors(SideReader& a, SideReader& b, const VectorGroups& groups,
                   const std::map<uint32_t, std::string>& space_names, BranchDiff& out);

// One record the merge writes on the target.
struct PlannedWrite {
  uint32_t space_id = 0;
  Primitive primitive = Primitive::kVector;
  std::string name;
  bool tombstone = false;
  std::string payload;
  int live_delta = 0;  // +1: a vector appears on the target; -1: one goes
};

// The writes that merge the vectors of `groups` from `source` into `target`
// (`base`: the common ancestor's side, nullptr when there is none). Conflicts
// are appended to `conflicts` with the side `rule` chose.
Status PlanVectorMerge(SideReader& source, SideReader& target, SideReader* base, const VectorGroups& groups,
                       const std::map<uint32_t, std::string>& space_names, const ConflictRule& rule,
                       std::vector<BranchMergeConflict>& conflicts, std::vector<PlannedWrite>& writes);

}  // namespace strata::storage

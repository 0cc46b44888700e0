// History retention: which old record versions compaction may drop, the drop
// itself (run through the writer in bounded chunks), and the record of where
// the retained history now starts, which as_of reads are checked against.
//
// What is kept (docs/operations.md "History retention", docs/guarantees.md):
//   - with keep_versions = N: the N newest records of each name on a live
//     branch (a deletion counts as a version);
//   - with keep_seconds = T: every record a read at or after (now - T) can see,
//     i.e. the records newer than the cutoff and the one current at it;
//   - always: the record a read at the latest version sees (the current
//     version of every name), and what any reader can still see: a branch
//     forked from a layer at its fork version (and the window above, capped
//     at it), the base of the next merge of every merged pair (the source as
//     it was merged), and open transactions at their snapshot (`floor`);
//   - a name deleted on a branch without a parent, whose older records nothing
//     reads any more, goes entirely (tombstone too): reading no record there is
//     the same as reading the deletion, and nothing older is left to shadow.
// A record is dropped only when no rule keeps it (the rules add up). Records
// of a deleted branch that no live branch reads through are dropped whole.
// Events are an append-only hash chain and are never pruned. Only the kv,
// state, json, vector and collection records are looked at.
//
// The change index (storage/change_index.h) loses the entry of each dropped
// record: every range a diff, merge or index catch-up scans ends at a version
// some reader reads at, so the kept record of each name it must find is still
// there. The entry of a whole-dropped vector's tombstone stays: an index
// snapshot older than the deletion replays it to remove the vector.
//
// Thread safety: stateless; Apply may run alongside any reads and writes (each
// chunk is one writer request). Run one Apply at a time per engine.
#pragma once

#include <cstdint>
#include <functional>

#include "storage/engine_core.h"
#include "storage/lmdb_env.h"
#include "storage/status.h"

namespace strata::storage {

struct RetentionPolicy {
  uint64_t keep_versions = 0;  // 0: no count rule
  uint64_t keep_seconds = 0;   // 0: no time rule
  // With neither rule, all history is kept and Apply drops nothing.
  bool enabled() const { return keep_versions > 0 || keep_seconds > 0; }
};

// Where the retained history starts: reads at or after `version` (as_of at or
// after `timestamp`) see exactly what they saw before any compaction. Both 0
// while nothing has been dropped.
struct RetainedFrom {
  uint64_t version = 0;
  int64_t timestamp = 0;
};

struct PruneResult {
  uint64_t versions_removed = 0;        // records dropped (tombstones included)
  uint64_t names_removed = 0;           // deleted names dropped with all their records
  uint64_t change_entries_removed = 0;
  uint64_t postings_versions_removed = 0;  // dropped versions whose search postings went with them
  uint64_t clock_entries_removed = 0;   // as_of lookup entries below the retained history
  uint64_t records_examined = 0;
  uint64_t commits = 0;                 // writer requests the run took
  uint64_t window_start = 0;            // reads at or after this version were protected
  RetainedFrom retained;                // after the run
};

// How much one writer request may do; tests make it small to cross chunk
// boundaries.
struct PruneLimits {
  size_t records_per_chunk = 4096;
};

class Retention {
 public:
  // The stored start of retained history (zeros when nothing was dropped).
  static Result<RetainedFrom> Read(const Txn& txn, const Databases& dbs);

  // kInvalidArgument when `as_of` (microseconds) is before the retained history.
  static Status CheckAsOf(const Txn& txn, const Databases& dbs, int64_t as_of);

  // Drops what `policy` does not keep. `floor` is called once, after the run
  // fixes its start version, and returns the oldest version an open
  // transaction reads at (UINT64_MAX: none); nothing a read at or after it can
  // see is dropped. A no-op when the policy keeps everything.
  static Result<PruneResult> Apply(EngineCore& core, const RetentionPolicy& policy,
                                   const std::function<uint64_t()>& floor, PruneLimits limits = {});
};

}  // namespace strata::storage

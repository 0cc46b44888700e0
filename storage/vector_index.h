// VectorIndex: the in-memory HNSW index (hnswlib 0.6.2) of one collection
// incarnation on one branch and space, derived from the vector records in LMDB.
//
// LMDB is the truth. The index remembers the commit version it reflects
// (applied_version) and catches up by reading the branch's change index, so a
// write never has to touch the index inside the writer, and a restart loads a
// snapshot and replays only what is newer (vector_snapshot.cc).
//
// Labels: every upsert takes a fresh hnswlib label; the previous label of the
// key is marked deleted. Compact() rebuilds an index whose deleted labels
// exceed a fraction of all.
//
// Thread safety: hnswlib 0.6.2 does not allow adds alongside searches, so a
// shared_mutex guards each index: Search and SaveSnapshot take it shared;
// CatchUp and LoadSnapshot exclusive. CompactIfWorn builds the new graph with
// no lock held and takes the exclusive lock only to swap it in.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "storage/engine_core.h"
#include "storage/hnsw_graph.h"
#include "storage/value.h"
#include "storage/vector_filter.h"
#include "storage/vector_types.h"

namespace strata::storage {

// Which collection incarnation an index belongs to.
struct IndexIdentity {
  uint32_t branch_id = 0;
  uint32_t space_id = 0;
  std::string collection;
  CollectionConfig config;
  // The collection record as the branch sees it: a snapshot written for
  // another database (or another history) does not match it.
  uint64_t record_version = 0;
  int64_t record_timestamp = 0;
};

struct VectorMatch {
  std::string key;
  double score = 0;
  double distance = 0;
  Value metadata;  // null when the vector has none
};

struct IndexFigures {
  uint64_t live = 0;
  uint64_t deleted = 0;  // labels marked deleted, reclaimed by Compact
  uint64_t memory_bytes = 0;
  uint64_t applied_version = 0;
};

// How a search was answered (for tests and metrics).
enum class SearchPlan { kHnsw, kHnswFiltered, kExactFiltered, kExactUnreached };

class VectorIndex {
 public:
  explicit VectorIndex(IndexIdentity identity);
  ~VectorIndex();
  VectorIndex(const VectorIndex&) = delete;
  VectorIndex& operator=(const VectorIndex&) = delete;

  const IndexIdentity& identity() const { return identity_; }
  uint64_t applied_version() const { return applied_version_.load(std::memory_order_acquire); }

  // Brings the index to `view`'s version (a no-op when it is already there or
  // beyond): builds it from the records when it has never been built or the
  // branch's layers changed, else applies the changes since applied_version.
  // `view` must be a read of this index's branch and space.
  Status CatchUp(const ReadView& view);

  // Top-k by the collection's metric. `query` has the collection's dimension.
  // With filters, returns min(k, matches) results (exact scan of the matching
  // set when it is small, else HNSW with growing over-fetch). `plan` reports
  // which way was taken. `include_metadata` false leaves every match's
  // metadata null (no copy of it is made).
  Result<std::vector<VectorMatch>> Search(const std::vector<float>& query, size_t k, size_t ef,
                                          const std::vector<Filter>& filters, bool include_metadata = true,
                                          SearchPlan* plan = nullptr) const;

  IndexFigures figures() const;

  // Rebuilds the graph from its live vectors when the deleted labels exceed
  // `threshold` of all labels. Returns whether it rebuilt. The new graph is
  // built beside the live one (memory for both meanwhile) while searches and
  // catch-ups go on; what changed during the build is applied to it under the
  // exclusive lock, which is then held only for that and the swap.
  Result<bool> CompactIfWorn(double threshold);

  // Tests only: called by CompactIfWorn once the new graph is built and
  // before it is swapped in, with no lock of this index held.
  static void SetCompactionHookForTesting(std::function<void()> hook);

  // Writes `<path_base>.hnsw` and `<path_base>.meta` atomically (temp files,
  // fsync, rename), unless the index is already saved at its version or is
  // ahead of `durable_version` (what a crash could lose must not be in a snapshot).
  // Returns whether it wrote.
  Result<bool> SaveSnapshot(const std::string& path_base, uint64_t durable_version);

  // Loads a snapshot written by SaveSnapshot for this identity. Returns false
  // (and leaves the index unbuilt) when the files are missing, corrupt, for
  // another identity, or newer than `current_version`.
  bool LoadSnapshot(const std::string& path_base, uint64_t current_version, const LayerChain& layers);

 private:
  struct Slot {
    std::string key;  // empty: the label is dead
    uint64_t version = 0;
    Value metadata;
    uint32_t internal_id = 0;
  };
  struct Pending {
    std::string key;
    uint64_t version = 0;
    std::vector<float> values;
    Value metadata;
  };

  Status ResetGraph(size_t capacity);
  std::vector<Pending> LiveItems(const std::vector<std::string>* only = nullptr) const;
  void StopRecordingChanges();
  Status Build(const ReadView& view);
  Status ApplyChanges(const ReadView& view);
  Status AddAll(std::vector<Pending>& items);
  void Remove(const std::string& key);
  // Marks the element of `label` deleted and clears its slot (its key maps
  // elsewhere or nowhere already).
  void Retire(uint64_t label);
  Status EnsureCapacity(size_t additional);
  std::vector<float> Prepared(const std::vector<float>& v) const;
  double RawToDistance(float raw) const;
  std::vector<VectorMatch> ExactScan(const float* query, size_t k, const std::vector<Filter>& filters,
                                     bool include_metadata) const;
  VectorMatch MatchOf(uint64_t label, float raw, bool include_metadata) const;
  static uint64_t SlotBytesOf(const Slot& slot);

  const IndexIdentity identity_;
  mutable std::shared_mutex mu_;
  std::unique_ptr<HnswGraph> graph_;
  std::vector<Slot> slots_;                            // by hnswlib label
  std::unordered_map<std::string, uint64_t> by_key_;  // live key -> label
  uint64_t deleted_ = 0;
  uint64_t slot_bytes_ = 0;  // sum of SlotBytesOf(slots_), kept as slots change
  std::atomic<bool> built_{false};
  LayerChain layers_;
  std::atomic<uint64_t> applied_version_{0};
  std::atomic<uint64_t> saved_version_{0};
  // Bumped (under mu_) whenever the whole graph is replaced; a compaction
  // whose source graph was replaced meanwhile drops its result.
  uint64_t generation_ = 0;
  // While a compaction builds (under mu_): the keys added or removed since it
  // copied the live vectors, to apply to its new graph before the swap.
  bool recording_changes_ = false;
  std::unordered_set<std::string> changed_keys_;
  std::mutex compact_mu_;  // one compaction of this index at a time
  std::mutex save_mu_;  // one snapshot write at a time (they share temp files)
};

}  // namespace strata::storage

// Vector collections with metadata filters (spec/api.md §8, design.md §2
// "Vectors"). Records in LMDB are the truth (vector_types.h); each collection
// incarnation on each branch and space has a VectorIndex derived from them,
// made on first use (loaded from its snapshot, else built from the records),
// then kept current by catching up after writes and before searches.
//
// Searches at the latest version with the collection's metric use the index;
// `as_of` searches and searches with another metric are answered exactly from
// the records.
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "storage/engine_core.h"
#include "storage/vector_filter.h"
#include "storage/vector_index.h"
#include "storage/vector_search_targets.h"
#include "storage/vector_types.h"
#include "storage/versioned_names.h"

namespace strata::storage {

struct CollectionInfo {
  std::string name;
  CollectionConfig config;
  uint64_t count = 0;
  uint64_t memory_bytes = 0;
};

struct VectorInput {
  std::string key;
  std::vector<float> values;
  std::optional<Value> metadata;  // must be an object when present
};

struct VectorRecord {
  std::string key;
  std::vector<float> values;
  Value metadata;  // null when none
  uint64_t version = 0;
  int64_t timestamp = 0;
};

struct VectorSearchOptions {
  size_t k = 10;
  std::optional<Metric> metric;  // nullopt: the collection's
  std::vector<Filter> filters;
  std::optional<int64_t> as_of;
  uint32_t ef = 0;  // 0: kDefaultEf
  // False: matches carry no metadata (VectorMatch::metadata stays null), on
  // every path (index, exact, as_of, filtered); filters still see it.
  bool include_metadata = true;
};

inline constexpr size_t kMaxSearchK = 10000;
inline constexpr uint32_t kDefaultEf = 100;
inline constexpr uint32_t kMaxEf = 100000;
inline constexpr size_t kMaxBatchQueries = 10000;
// The most matches one batch search may ask for (queries x k): each is built
// in memory before the answer is sent, so this bounds what one small request
// can make the server hold (~150 MB here).
inline constexpr size_t kMaxBatchMatches = 100000;

// Counters since the process started (tests and metrics read them).
struct VectorCounters {
  uint64_t indexes_loaded = 0;    // indexes made from a snapshot
  uint64_t indexes_built = 0;     // indexes built from LMDB records
  uint64_t snapshots_written = 0;
  uint64_t compactions = 0;
  uint64_t exact_searches = 0;    // as_of, metric override or a selective filter
  uint64_t index_count = 0;       // indexes in memory now
  uint64_t index_vectors = 0;     // live vectors in them
  uint64_t index_memory_bytes = 0;
};

class VectorStore {
 public:
  // `snapshot_dir` is where index snapshots go; empty: none (ephemeral).
  VectorStore(EngineCore& core, std::string snapshot_dir);
  ~VectorStore();

  // Errors: kInvalidArgument (name, dimension, m, ef_construction), kAlreadyExists.
  Result<uint64_t> CreateCollection(const Scope& scope, std::string_view name, CollectionConfig config);
  // Deletes the collection and tombstones its vectors.
  Result<DeleteResult> DeleteCollection(const Scope& scope, std::string_view name);
  // Every collection with its live count. Loads no index: memory_bytes is
  // what a collection's index holds in memory now, 0 while it is not loaded.
  Result<std::vector<CollectionInfo>> ListCollections(const Scope& scope);
  // One collection's figures; loads (or builds) its index (in a transaction,
  // counts its records with the transaction's own writes instead).
  Result<CollectionInfo> CollectionStats(const Scope& scope, std::string_view name);

  // Errors: kNotFound (collection), kConstraint (dimension), kInvalidArgument
  // (key, NaN/inf, metadata not an object, zero vector in a cosine collection).
  Result<uint64_t> Upsert(const Scope& scope, std::string_view collection, const VectorInput& input);
  // All in one commit, all or nothing; one version per entry, in order.
  Result<std::vector<uint64_t>> BatchUpsert(const Scope& scope, std::string_view collection,
                                            const std::vector<VectorInput>& inputs);
  Result<std::optional<VectorRecord>> Get(const Scope& scope, std::string_view collection, std::string_view key,
                                          std::optional<int64_t> as_of);
  Result<DeleteResult> Delete(const Scope& scope, std::string_view collection, std::string_view key);

  Result<std::vector<VectorMatch>> Search(const Scope& scope, std::string_view collection,
                                          const std::vector<float>& query, const VectorSearchOptions& options);
  Result<std::vector<std::vector<VectorMatch>>> BatchSearch(const Scope& scope, std::string_view collection,
                                                            const std::vector<std::vector<float>>& queries,
                                                            const VectorSearchOptions& options);

  // Rebuilds in-memory indexes whose deleted labels exceed `threshold` of all,
  // after dropping unused ones (DropUnusedIndexes).
  Result<uint64_t> CompactIndexes(double threshold);
  // Drops the indexes (and snapshot files) of collections no longer live where
  // they were made: deleted, replaced by a merge, on a deleted space or
  // branch. Returns how many. A dropped index still in use by a search stays
  // valid until that search ends; a later search builds what it needs.
  Result<uint64_t> DropUnusedIndexes();
  // Writes a snapshot of every index changed since its last one and not ahead
  // of `durable_version`. Returns how many it wrote.
  Result<uint64_t> SaveSnapshots(uint64_t durable_version);
  // Live collections on a branch, every space.
  Result<uint64_t> CountCollections(std::string_view branch) const;
  VectorCounters counters() const;

 private:
  using IndexKey = std::tuple<uint32_t, uint32_t, uint64_t>;  // branch, space, incarnation
  struct Resolved {
    CollectionConfig config;
    Record record;
  };

  Result<Resolved> FindCollection(const ReadView& view, std::string_view name) const;
  // Pins `view` to its snapshot's version (see PinVersion).
  Result<std::shared_ptr<VectorIndex>> IndexFor(ReadView& view, std::string_view name, const Resolved& c);
  // The collection's index when it is in memory (nullptr when not), as it is.
  std::shared_ptr<VectorIndex> ResidentIndex(const ReadView& view, const Resolved& c);
  // Count and memory without loading the index (ListCollections; stats in a
  // transaction): a resident index's figures, else the records' count.
  Result<CollectionInfo> InfoWithoutLoading(ReadView& view, const std::string& name, const Resolved& c);
  // Brings the collection's index up to date after a write (errors are left
  // for the next search to report: the write itself is committed).
  void CatchUpAfterWrite(const Scope& scope, std::string_view collection);
  Result<std::vector<uint64_t>> Write(const Scope& scope, std::string_view collection,
                                      const std::vector<VectorInput>& inputs);
  Result<std::vector<std::vector<VectorMatch>>> SearchMany(const Scope& scope, std::string_view collection,
                                                           const std::vector<std::vector<float>>& queries,
                                                           const VectorSearchOptions& options);
  std::string SnapshotBase(const IndexKey& key) const;
  void DropIndex(const IndexKey& key);

  EngineCore& core_;
  std::string snapshot_dir_;
  mutable std::mutex mu_;
  std::map<IndexKey, std::shared_ptr<VectorIndex>> indexes_;
  RecentSearchTargets recent_targets_;
  std::atomic<uint64_t> loaded_{0}, built_{0}, snapshots_{0}, compactions_{0}, exact_{0};
};

}  // namespace strata::storage

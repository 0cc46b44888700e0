// Engine: one open data directory. Owns the LMDB environment, the writer, the
// durability policy and every primitive's store.
//
// Thread safety: all methods may be called from any thread. Destroying the
// engine waits for queued writes, syncs and closes LMDB.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "storage/branch_store.h"
#include "storage/engine_core.h"
#include "storage/event_log.h"
#include "storage/json_store.h"
#include "storage/retention.h"
#include "storage/space_store.h"
#include "storage/state_store.h"
#include "storage/text_search.h"
#include "storage/transaction.h"
#include "storage/value_store.h"
#include "storage/vector_store.h"
#include "storage/status.h"

namespace strata::storage {

enum class Durability {
  kAlways,     // every acknowledged write is on disk (fsync per group commit)
  kRelaxed,    // synced every sync_interval_ms: a crash may lose that much, never corrupts
  kEphemeral,  // in memory (a temporary directory removed at close)
};

std::string_view DurabilityName(Durability d);

// The vector index upkeep interval stratad uses (EngineOptions below).
inline constexpr uint32_t kServerIndexMaintenanceMs = 5000;

struct EngineOptions {
  std::string data_dir;  // ignored for kEphemeral
  Durability durability = Durability::kAlways;
  uint64_t map_size = 64ull << 30;
  uint32_t sync_interval_ms = 100;
  // History retention applied by Compact() (storage/retention.h); keeps
  // everything by default.
  RetentionPolicy retention;
  // Open transactions: idle ones are ended after this long (spec/api.md §11).
  uint32_t txn_idle_timeout_ms = 60000;
  // Every upsert of an existing key leaves a dead label in its collection's
  // in-memory index (vector_index.h); a background check this often rebuilds
  // the indexes where dead labels outnumber live ones, so that memory follows
  // the live vectors, not the count of writes ever made. 0 (the default, so
  // that tests decide when indexes are rebuilt): only Compact(). stratad runs
  // it every kServerIndexMaintenanceMs.
  uint32_t index_maintenance_interval_ms = 0;
  // Asked about every JSON document a write would store (json_store.h);
  // stratad refuses documents too large for one answer. Unset: none refused.
  JsonDocumentCheck json_document_check;
};

struct TimeRange {
  int64_t oldest_ts = 0;  // 0 when there is no history
  int64_t latest_ts = 0;
};

struct DatabaseStats {
  uint64_t branch_count = 0;
  uint64_t space_count = 0;
  uint64_t total_keys = 0;
  uint64_t collection_count = 0;
  uint64_t disk_bytes = 0;
  uint64_t current_version = 0;
  uint64_t map_size = 0;
  uint64_t map_used_bytes = 0;
  // The latest version known to be on disk: current_version in `always`
  // durability, the version of the last sync in `relaxed`, 0 for ephemeral.
  uint64_t durable_version = 0;
};

// What Compact() did.
struct CompactResult {
  PruneResult retention;
  uint64_t indexes_rebuilt = 0;  // vector indexes rebuilt because deletes wore them
};

class Engine {
 public:
  // Opens or creates the database. Errors: kInternal with the path and the
  // reason when the directory cannot be created or opened, is locked by another
  // stratad, or holds a newer format.
  static Result<std::unique_ptr<Engine>> Open(const EngineOptions& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  KvStore& kv() { return kv_; }
  StateStore& state() { return state_; }
  JsonStore& json() { return json_; }
  EventLog& events() { return events_; }
  BranchStore& branches() { return branches_; }
  SpaceStore& spaces() { return spaces_; }
  VectorStore& vectors() { return vectors_; }
  TextSearch& search() { return search_; }
  EngineCore& core() { return *core_; }
  TxnManager& transactions() { return core_->transactions(); }

  // Returns once everything acknowledged is on disk (a no-op for ephemeral),
  // then snapshots the vector indexes changed since their last snapshot.
  Status Flush();
  // Applies options().retention (never dropping what an open transaction
  // reads), then rebuilds the vector indexes worn by deletes. One compaction
  // runs at a time; writers interleave with its chunks.
  Result<CompactResult> Compact();
  // Oldest and latest commit timestamps of the retained history.
  Result<TimeRange> GetTimeRange() const;
  // Figures for one branch (and database-wide ones).
  Result<DatabaseStats> Stats(std::string_view branch) const;
  const EngineOptions& options() const { return options_; }
  // The directory LMDB lives in (the temporary one for ephemeral).
  const std::string& directory() const { return directory_; }

 private:
  class Periodic;
  Engine(EngineOptions options, std::string directory, int lock_fd, std::unique_ptr<EngineCore> core);
  // Syncs the environment and advances durable_version_ to what it covers.
  Status SyncNow();

  EngineOptions options_;
  std::string directory_;
  int lock_fd_;
  std::unique_ptr<EngineCore> core_;
  KvStore kv_;
  StateStore state_;
  JsonStore json_;
  EventLog events_;
  BranchStore branches_;
  SpaceStore spaces_;
  VectorStore vectors_;
  TextSearch search_;
  std::unique_ptr<Periodic> syncer_;      // relaxed durability: SyncNow every sync_interval_ms
  std::unique_ptr<Periodic> maintainer_;  // worn vector indexes, every index_maintenance_interval_ms
  std::atomic<uint64_t> durable_version_{0};  // relaxed durability: as of the last sync
  std::mutex compact_mu_;
};

}  // namespace strata::storage

// Transactions (spec/api.md §11): server-side sessions with optimistic
// concurrency control.
//
// A session pins the version committed when it began (its snapshot). Reads in
// it see that snapshot plus the session's own staged writes; writes are staged
// in the session, nothing reaches LMDB before commit. Commit runs in the writer:
// it checks every name the session read or wrote (and every event log it read
// or appended to) against commits made since the snapshot — any newer commit is
// a conflict (first committer wins) and nothing is applied — then writes all
// staged records and events as one commit with one version.
//
// No LMDB transaction outlives a request: each read or staged write opens its
// own read transaction at the snapshot version (records are never rewritten,
// so an old version stays readable while history retention keeps it; retention
// honours OldestSnapshot()).
//
// Thread safety: all TxnManager methods may be called from any thread. Calls on
// one session are serialized by its mutex.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "storage/key_codec.h"
#include "storage/status.h"
#include "storage/value.h"

namespace strata::storage {

class EngineCore;
class Txn;
struct Databases;
struct Record;

// A name of one primitive in one space of the transaction's branch.
struct StagedKey {
  std::string space;
  Primitive primitive = Primitive::kKv;
  std::string name;
  bool operator<(const StagedKey& o) const {
    return std::tie(space, primitive, name) < std::tie(o.space, o.primitive, o.name);
  }
};

struct StagedRecord {
  bool tombstone = false;
  std::string payload;
};

struct StagedEvent {
  std::string space;
  uint64_t sequence = 0;  // the sequence it gets at commit (the log cannot move meanwhile)
  std::string type;
  Value payload;
  int64_t timestamp = 0;  // kept at commit
  // Its place in the chain, final already: the log cannot move before commit
  // (a concurrent append is a conflict), so the previous hash is known.
  std::string prev_hash;
  std::string hash;
};

struct TxnInfo {
  std::string id;
  std::string branch;
  uint64_t snapshot_version = 0;
  int64_t started_at = 0;  // microseconds since the epoch
  size_t staged_writes = 0;
};

struct TxnLimits {
  std::chrono::milliseconds idle_timeout{60000};
  size_t max_sessions = 10000;
  size_t max_staged_bytes = 64u << 20;  // per session: keys + payloads
};

class TxnSession {
 public:
  TxnSession(std::string id, std::string branch, uint32_t branch_id, uint64_t snapshot, int64_t started_at)
      : id_(std::move(id)),
        branch_(std::move(branch)),
        branch_id_(branch_id),
        snapshot_(snapshot),
        started_at_(started_at) {}

  const std::string& id() const { return id_; }
  const std::string& branch() const { return branch_; }
  uint32_t branch_id() const { return branch_id_; }
  uint64_t snapshot_version() const { return snapshot_; }
  int64_t started_at() const { return started_at_; }

  // Guards everything below. Held for the whole of one read or staged write.
  std::mutex& mu() { return mu_; }
  bool closed() const { return closed_; }

  // The staged record of a name, or nullptr when the session did not write it.
  const StagedRecord* FindWrite(const StagedKey& key) const;
  // Stages a record; kResourceExhausted past the session's byte budget.
  Status StageWrite(const StagedKey& key, StagedRecord record);
  void NoteRead(const StagedKey& key) { reads_.insert(key); }
  // Staged writes of one primitive in one space whose names start with
  // `prefix`, in name order.
  std::vector<std::pair<std::string, const StagedRecord*>> WritesWithPrefix(const std::string& space, Primitive p,
                                                                           std::string_view prefix) const;

  // The event log of a space: its next sequence at the snapshot (remembered on
  // first use, and validated at commit) and the events staged for it.
  std::optional<uint64_t> EventHead(const std::string& space) const;
  void NoteEventHead(const std::string& space, uint64_t next_sequence) { event_heads_[space] = next_sequence; }
  Status StageEvent(StagedEvent event);
  std::vector<const StagedEvent*> StagedEvents(const std::string& space) const;

  // Undo of one staged write request: Mark() before, Undo() on failure.
  struct Mark {
    size_t undo_size;
    size_t events;
    size_t bytes;
  };
  Mark BeginStep();
  void UndoStep(const Mark& mark);
  void EndStep() { undo_.clear(); }

  TxnInfo Info() const;

 private:
  friend class TxnManager;
  const std::string id_;
  const std::string branch_;
  const uint32_t branch_id_;
  const uint64_t snapshot_;
  const int64_t started_at_;
  std::mutex mu_;
  bool closed_ = false;
  size_t max_bytes_ = 0;
  size_t bytes_ = 0;
  std::map<StagedKey, StagedRecord> writes_;
  std::set<StagedKey> reads_;
  std::map<std::string, uint64_t> event_heads_;
  std::vector<StagedEvent> events_;
  std::vector<std::pair<StagedKey, std::optional<StagedRecord>>> undo_;
  std::chrono::steady_clock::time_point last_used_;
};

// kConflict when `space` on the session's branch was deleted (or deleted and
// made again) after the session's snapshot: a forced delete removes records
// physically, so what the transaction read there may be gone. Commit checks
// every space the transaction touched; reads and writes inside it check the
// space they go to, so none answers from a space emptied under it.
Status CheckSpaceKeptSinceSnapshot(const Txn& txn, const Databases& dbs, const TxnSession& s, std::string_view space);

class TxnManager {
 public:
  TxnManager(EngineCore& core, TxnLimits limits);
  ~TxnManager();  // stops the expiry thread; open sessions are discarded
  TxnManager(const TxnManager&) = delete;
  TxnManager& operator=(const TxnManager&) = delete;

  void set_limits(TxnLimits limits);

  // Opens a session on `branch` ("" means "default") at the latest committed
  // version. kNotFound for a missing branch; kResourceExhausted when too many
  // sessions are open.
  Result<TxnInfo> Begin(const std::string& branch);

  // Validates and applies the session's staged writes as one commit; returns
  // its version (the snapshot version when nothing was written). The session
  // ends either way. kConflict when a name it read or wrote changed after its
  // snapshot (nothing is applied); kNotFound for an unknown or expired id.
  Result<uint64_t> Commit(const std::string& id);

  // Discards the session. kNotFound for an unknown or expired id.
  Status Rollback(const std::string& id);

  Result<TxnInfo> Info(const std::string& id);

  // The open session `id` (its idle clock restarted). kNotFound names whether
  // the id expired or never existed.
  Result<std::shared_ptr<TxnSession>> Find(const std::string& id);

  // The oldest snapshot version an open session reads at; UINT64_MAX when none.
  uint64_t OldestSnapshot() const;
  size_t open_count() const;
  uint64_t expired_count() const;

  // Ends sessions idle longer than the timeout (also done every second by a
  // background thread).
  void ExpireIdle();

 private:
  Status NotFoundStatus(const std::string& id) const;
  // Removes the open session `id` from the table and returns it.
  Result<std::shared_ptr<TxnSession>> Take(const std::string& id);
  Result<uint64_t> Apply(TxnSession& session);
  // kConflict (or kNotFound for a deleted branch) when a name, event log or
  // space the session read or wrote changed after its snapshot, as `txn` sees.
  Status Validate(const Txn& txn, const TxnSession& session) const;
  void ExpiryLoop();

  EngineCore& core_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  TxnLimits limits_;
  std::unordered_map<std::string, std::shared_ptr<TxnSession>> sessions_;
  std::deque<std::string> recently_expired_;  // bounded, for precise NotFound messages
  uint64_t expired_ = 0;
  bool stopping_ = false;
  std::thread expiry_thread_;
};

}  // namespace strata::storage

// The single writer: every write of the database goes through it. It takes
// whatever requests are queued, applies them in order in one LMDB write
// transaction (each in a nested transaction, so one failing request undoes only
// itself), commits once (one fsync in `always` durability), then answers each
// request with its own result: group commit.
//
// Thread safety: Run() may be called from any number of threads at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "storage/lmdb_env.h"
#include "storage/status.h"

namespace strata::storage {

class TxnSession;

// What a write request sees while it runs inside the writer.
class WriteContext {
 public:
  WriteContext(const Env& env, Txn& txn, uint64_t* version, int64_t timestamp)
      : env_(env), txn_(txn), version_(version), timestamp_(timestamp) {}

  Txn& txn() { return txn_; }
  const Databases& dbs() const { return env_.dbs(); }
  // The latest committed version, including this batch's earlier requests.
  uint64_t current_version() const { return *version_; }
  // Takes the next commit version and records its timestamp for as_of lookups.
  Result<uint64_t> NextVersion();
  // Server time of this batch, microseconds since the epoch; never decreasing.
  int64_t timestamp() const { return timestamp_; }

  // Makes every NextVersion() of this request return the same version, so
  // that all a transaction commit writes carries one version.
  void UseOneVersion() { one_version_ = true; }

  // Non-null while a transaction's write runs against its snapshot: txn() is
  // then a read transaction, and VersionedNames stages records in the session
  // instead of writing them (its mutex is held by the caller).
  TxnSession* staging() const { return staging_; }
  void set_staging(TxnSession* session) { staging_ = session; }

 private:
  const Env& env_;
  Txn& txn_;
  uint64_t* version_;
  int64_t timestamp_;
  bool one_version_ = false;
  bool version_taken_ = false;
  TxnSession* staging_ = nullptr;
};

using WriteOp = std::function<Status(WriteContext&)>;

struct WriterStats {
  uint64_t batches = 0;
  uint64_t requests = 0;
  uint64_t largest_batch = 0;
};

// One group commit, as told to a CommitObserver.
struct CommitRecord {
  size_t batch_size = 0;              // requests in the batch
  std::chrono::nanoseconds duration;  // from opening the transaction to its durable commit
  bool committed = false;             // false: the whole batch failed to commit
};
// Called on the writer thread after every group commit (e.g. to feed
// metrics); it delays the next batch, so it must be quick.
using CommitObserver = std::function<void(const CommitRecord&)>;

class Writer {
 public:
  // `version` and `last_timestamp` are the latest committed ones, read at open.
  Writer(const Env& env, uint64_t version, int64_t last_timestamp);
  ~Writer();  // drains the queue, then stops
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Runs `op` inside the writer and returns once its batch is committed (or it
  // failed). Anything `op` wrote is undone when it returns an error.
  Status Run(WriteOp op);

  uint64_t committed_version() const;
  int64_t last_timestamp() const;
  WriterStats stats() const;
  // Replaces the observer (an empty function removes it). Thread-safe.
  void SetCommitObserver(CommitObserver observer);

 private:
  struct Request {
    WriteOp op;
    std::promise<Status> done;
  };
  void Loop();
  void CommitBatch(std::deque<Request>& batch);

  const Env& env_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Request> queue_;
  bool stopping_ = false;
  uint64_t version_;
  int64_t last_timestamp_;
  WriterStats stats_;
  std::shared_ptr<const CommitObserver> observer_;  // guarded by mu_; copied out to call
  std::thread thread_;
};

// Microseconds since the Unix epoch, from the system clock.
int64_t NowMicros();

}  // namespace strata::storage

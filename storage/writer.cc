#include "storage/writer.h"

#include <chrono>

#include "storage/key_codec.h"

namespace strata::storage {
namespace {
// Bounds one LMDB transaction so a flood of writers cannot make one huge commit.
constexpr size_t kMaxBatch = 1024;
}  // namespace

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<uint64_t> WriteContext::NextVersion() {
  if (staging_ != nullptr) return Status::Internal("a staged transaction write cannot take a commit version");
  if (one_version_ && version_taken_) return *version_;
  version_taken_ = true;
  uint64_t version = *version_ + 1;
  std::string clock_key;
  AppendU64(clock_key, static_cast<uint64_t>(timestamp_));
  AppendU64(clock_key, version);
  STRATA_RETURN_IF_ERROR(txn_.Put(env_.dbs().clock, clock_key, {}));
  *version_ = version;
  return version;
}

Writer::Writer(const Env& env, uint64_t version, int64_t last_timestamp)
    : env_(env), version_(version), last_timestamp_(last_timestamp), thread_([this] { Loop(); }) {}

Writer::~Writer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

Status Writer::Run(WriteOp op) {
  std::future<Status> done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return Status::Internal("the database is shutting down");
    queue_.push_back(Request{std::move(op), {}});
    done = queue_.back().done.get_future();
  }
  cv_.notify_one();
  return done.get();
}

uint64_t Writer::committed_version() const {
  std::lock_guard<std::mutex> lock(mu_);
  return version_;
}

int64_t Writer::last_timestamp() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_timestamp_;
}

WriterStats Writer::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void Writer::SetCommitObserver(CommitObserver observer) {
  std::lock_guard<std::mutex> lock(mu_);
  observer_ = observer ? std::make_shared<const CommitObserver>(std::move(observer)) : nullptr;
}

void Writer::Loop() {
  while (true) {
    std::deque<Request> batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    CommitBatch(batch);
  }
}

void Writer::CommitBatch(std::deque<Request>& batch) {
  uint64_t start_version;
  int64_t timestamp;
  auto started = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    start_version = version_;
    timestamp = std::max(NowMicros(), last_timestamp_);
  }
  std::vector<Status> results(batch.size());
  auto fail_all = [&](const Status& st) {
    for (auto& req : batch) req.done.set_value(st);
  };
  auto parent = Txn::BeginWrite(env_);
  if (!parent.ok()) return fail_all(parent.status());

  uint64_t version = start_version;
  for (size_t i = 0; i < batch.size(); ++i) {
    uint64_t before = version;
    auto child = Txn::BeginNested(env_, *parent);
    if (!child.ok()) {
      results[i] = child.status();
      continue;
    }
    WriteContext ctx(env_, *child, &version, timestamp);
    Status st;
    try {
      st = batch[i].op(ctx);
    } catch (const std::exception& e) {
      st = Status::Internal(std::string("write failed: ") + e.what());
    }
    if (st.ok()) st = child->Commit();
    if (!st.ok()) {
      child->Abort();
      version = before;
    }
    results[i] = st;
  }
  // The latest version needs no record of its own: NextVersion wrote it into
  // the clock, whose last key Engine::Open reads back.
  Status commit = parent->Commit();
  std::shared_ptr<const CommitObserver> observer;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (commit.ok()) {
      version_ = version;
      last_timestamp_ = timestamp;
    }
    stats_.batches++;
    stats_.requests += batch.size();
    stats_.largest_batch = std::max<uint64_t>(stats_.largest_batch, batch.size());
    observer = observer_;
  }
  if (observer != nullptr) {
    (*observer)(CommitRecord{batch.size(), std::chrono::steady_clock::now() - started, commit.ok()});
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    batch[i].done.set_value(commit.ok() ? results[i] : commit);
  }
}

}  // namespace strata::storage

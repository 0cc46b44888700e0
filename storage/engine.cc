#include "storage/engine.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "storage/catalog.h"
#include "storage/key_codec.h"
#include "storage/meta_keys.h"
#include "storage/text_index.h"

namespace strata::storage {
namespace fs = std::filesystem;

std::string_view DurabilityName(Durability d) {
  switch (d) {
    case Durability::kAlways: return "always";
    case Durability::kRelaxed: return "relaxed";
    case Durability::kEphemeral: return "ephemeral";
  }
  return "unknown";
}

// Runs a task every interval on its own thread (relaxed durability's sync, so
// a crash loses at most that much; the upkeep of worn vector indexes).
class Engine::Periodic {
 public:
  Periodic(std::function<Status()> task, uint32_t interval_ms)
      : task_(std::move(task)), interval_(interval_ms), thread_([this] { Loop(); }) {}
  ~Periodic() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, interval_, [this] { return stop_; })) {
      // A failed background run is retried next interval (Flush and Compact
      // report errors to their callers).
      lock.unlock();
      (void)task_().ok();
      lock.lock();
    }
  }
  std::function<Status()> task_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

namespace {

Result<std::string> PrepareDirectory(const EngineOptions& options) {
  if (options.durability == Durability::kEphemeral) {
    // Prefer tmpfs so ephemeral data never touches a disk.
    std::string base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : fs::temp_directory_path().string();
    std::string tmpl = base + "/stratad-ephemeral-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) {
      return Status::Internal("cannot create a temporary directory in " + base + ": " + std::strerror(errno));
    }
    return tmpl;
  }
  if (options.data_dir.empty()) return Status::InvalidArgument("a data directory is required (--data-dir)");
  std::error_code ec;
  fs::create_directories(options.data_dir, ec);
  if (ec) return Status::Internal("cannot create data directory \"" + options.data_dir + "\": " + ec.message());
  if (!fs::is_directory(options.data_dir)) {
    return Status::Internal("data directory \"" + options.data_dir + "\" is not a directory");
  }
  if (access(options.data_dir.c_str(), W_OK) != 0) {
    return Status::Internal("data directory \"" + options.data_dir + "\" is not writable: " + std::strerror(errno));
  }
  return options.data_dir;
}

// One stratad per directory: the writer owns the version counter.
Result<int> LockDirectory(const std::string& dir) {
  std::string path = dir + "/stratad.lock";
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return Status::Internal("cannot open \"" + path + "\": " + std::strerror(errno));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    close(fd);
    return Status::Internal("data directory \"" + dir + "\" is in use by another stratad");
  }
  return fd;
}

// Compact rebuilds a vector index once this fraction of its labels is deleted.
constexpr double kWornIndexFraction = 0.2;
// The background upkeep waits for half: a rebuild then re-inserts at most as
// many vectors as upserts wore the index since the last one (amortized: one
// extra insert per upsert), and the index holds at most twice its live labels
// plus what one interval adds.
constexpr double kBackgroundWornFraction = 0.5;

// Bytes the files under `dir` take on disk (LMDB's sparse map counts only
// what is allocated), vector index snapshots included.
uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    struct stat st;
    if (::lstat(it->path().c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      total += static_cast<uint64_t>(st.st_blocks) * 512;
    }
  }
  return total;
}

}  // namespace

Result<std::unique_ptr<Engine>> Engine::Open(const EngineOptions& options) {
  auto dir = PrepareDirectory(options);
  if (!dir.ok()) return dir.status();
  auto lock = LockDirectory(*dir);
  if (!lock.ok()) return lock.status();
  auto release = [&](const Status& st) -> Status {
    close(*lock);
    if (options.durability == Durability::kEphemeral) fs::remove_all(*dir);
    return st;
  };

  EnvOptions env_options;
  env_options.path = *dir;
  env_options.map_size = options.map_size;
  env_options.no_sync = options.durability != Durability::kAlways;
  auto env = Env::Open(env_options);
  if (!env.ok()) return release(env.status());

  uint64_t version = 0;
  int64_t last_ts = 0;
  {
    auto txn = Txn::BeginWrite(**env);
    if (!txn.ok()) return release(txn.status());
    Status st = Catalog::Initialize(*txn, (*env)->dbs(), NowMicros());
    if (!st.ok()) return release(st);
    // A data directory written before keyword search existed is indexed once.
    st = TextIndex::BuildIfMissing(*txn, (*env)->dbs());
    if (!st.ok()) return release(st);
    // And one written before the event time index existed (format version 1).
    st = EventLog::BuildTimeIndexIfMissing(*txn, (*env)->dbs());
    if (!st.ok()) return release(st);
    // Every version has a clock entry [timestamp][version], and timestamps never
    // decrease with versions: the last entry holds the latest of both.
    {
      // Closed before the commit: LMDB frees a write transaction's cursors at
      // commit, and closing one afterwards is a double free (found by ASan).
      Cursor clock(*txn, (*env)->dbs().clock);
      if (clock.Last() && clock.key().size() == 16) {
        last_ts = static_cast<int64_t>(ReadU64(clock.key()));
        version = ReadU64(clock.key().substr(8));
      }
      if (!clock.status().ok()) return release(clock.status());
    }
    st = txn->Commit();
    if (!st.ok()) return release(st);
  }
  auto core = std::make_unique<EngineCore>(std::move(env).value(), version, last_ts);
  TxnLimits txn_limits;
  txn_limits.idle_timeout = std::chrono::milliseconds(options.txn_idle_timeout_ms);
  core->transactions().set_limits(txn_limits);
  return std::unique_ptr<Engine>(new Engine(options, *dir, *lock, std::move(core)));
}

Engine::Engine(EngineOptions options, std::string directory, int lock_fd, std::unique_ptr<EngineCore> core)
    : options_(std::move(options)), directory_(std::move(directory)), lock_fd_(lock_fd), core_(std::move(core)),
      kv_(*core_),
      state_(*core_),
      json_(*core_, options_.json_document_check),
      events_(*core_),
      branches_(*core_),
      spaces_(*core_),
      vectors_(*core_, options_.durability == Durability::kEphemeral ? std::string() : directory_ + "/vectors"),
      search_(*core_) {
  durable_version_ = core_->writer().committed_version();  // what Open found is on disk
  if (options_.durability == Durability::kRelaxed) {
    syncer_ = std::make_unique<Periodic>([this] { return SyncNow(); }, options_.sync_interval_ms);
  }
  if (options_.index_maintenance_interval_ms > 0) {
    maintainer_ = std::make_unique<Periodic>(
        [this] {
          auto rebuilt = vectors_.CompactIndexes(kBackgroundWornFraction);
          return rebuilt.ok() ? Status::Ok() : rebuilt.status();
        },
        options_.index_maintenance_interval_ms);
  }
}

Engine::~Engine() {
  // The threads use the stores: stopped before anything else goes.
  maintainer_.reset();
  syncer_.reset();
  // Snapshots make the next start fast; a failure only costs a rebuild then.
  (void)Flush().ok();
  core_.reset();
  close(lock_fd_);
  if (options_.durability == Durability::kEphemeral) {
    std::error_code ec;
    fs::remove_all(directory_, ec);
  }
}

Status Engine::Flush() {
  if (options_.durability == Durability::kEphemeral) return Status::Ok();
  // Everything committed up to `durable` is on disk once the sync returns; a
  // vector snapshot must not cover more than that.
  uint64_t durable = core_->writer().committed_version();
  // Forced even in relaxed durability, where commits do not sync.
  STRATA_RETURN_IF_ERROR(SyncNow());
  auto saved = vectors_.SaveSnapshots(durable);
  return saved.ok() ? Status::Ok() : saved.status();
}

Result<TimeRange> Engine::GetTimeRange() const {
  auto txn = Txn::BeginRead(core_->env());
  if (!txn.ok()) return txn.status();
  TimeRange range;
  Cursor c(*txn, core_->dbs().clock);
  if (c.First() && c.key().size() == 16) range.oldest_ts = static_cast<int64_t>(ReadU64(c.key()));
  if (c.Last() && c.key().size() == 16) range.latest_ts = static_cast<int64_t>(ReadU64(c.key()));
  STRATA_RETURN_IF_ERROR(c.status());
  // Mid-compaction the clock may still reach below where history now starts.
  auto retained = Retention::Read(*txn, core_->dbs());
  if (!retained.ok()) return retained.status();
  range.oldest_ts = std::max(range.oldest_ts, retained->timestamp);
  return range;
}

Status Engine::SyncNow() {
  uint64_t covered = core_->writer().committed_version();
  STRATA_RETURN_IF_ERROR(core_->env().Sync(true));
  uint64_t seen = durable_version_.load();
  while (seen < covered && !durable_version_.compare_exchange_weak(seen, covered)) {
  }
  return Status::Ok();
}

Result<CompactResult> Engine::Compact() {
  std::lock_guard<std::mutex> lock(compact_mu_);
  CompactResult out;
  TxnManager& txns = core_->transactions();
  auto pruned = Retention::Apply(*core_, options_.retention, [&txns] { return txns.OldestSnapshot(); });
  if (!pruned.ok()) return pruned.status();
  out.retention = *pruned;
  auto rebuilt = vectors_.CompactIndexes(kWornIndexFraction);
  if (!rebuilt.ok()) return rebuilt.status();
  out.indexes_rebuilt = *rebuilt;
  return out;
}

Result<DatabaseStats> Engine::Stats(std::string_view branch_name) const {
  auto txn = Txn::BeginRead(core_->env());
  if (!txn.ok()) return txn.status();
  const Databases& dbs = core_->dbs();
  auto branch = Catalog::FindBranch(*txn, dbs, branch_name.empty() ? "default" : branch_name);
  if (!branch.ok()) return branch.status();
  DatabaseStats stats;
  auto branches = Catalog::CountBranches(*txn, dbs);
  if (!branches.ok()) return branches.status();
  stats.branch_count = *branches;
  auto spaces = Catalog::CountSpaces(*txn, dbs, branch->id);
  if (!spaces.ok()) return spaces.status();
  stats.space_count = *spaces;
  auto keys = core_->LiveKeys(*txn, branch->id);
  if (!keys.ok()) return keys.status();
  stats.total_keys = *keys;
  auto collections = vectors_.CountCollections(branch->name);
  if (!collections.ok()) return collections.status();
  stats.collection_count = *collections;
  stats.disk_bytes = DirectoryBytes(directory_);
  stats.current_version = core_->writer().committed_version();
  switch (options_.durability) {
    case Durability::kAlways: stats.durable_version = stats.current_version; break;
    case Durability::kRelaxed: stats.durable_version = durable_version_.load(); break;
    case Durability::kEphemeral: stats.durable_version = 0; break;
  }
  stats.map_size = core_->env().MapSize();
  stats.map_used_bytes = core_->env().MapUsedBytes();
  return stats;
}

}  // namespace strata::storage

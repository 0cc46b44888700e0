#include "storage/transaction.h"

#include <openssl/rand.h>

#include <algorithm>
#include <set>

#include "storage/catalog.h"
#include "storage/engine_core.h"
#include "storage/event_log.h"
#include "storage/lmdb_env.h"
#include "storage/names.h"
#include "storage/record_store.h"
#include "storage/vector_types.h"
#include "storage/versioned_names.h"
#include "storage/writer.h"

namespace strata::storage {
namespace {

constexpr size_t kRecentlyExpiredKept = 4096;
constexpr auto kExpiryTick = std::chrono::milliseconds(1000);

std::string NewTxnId() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    // Never fall back to a guessable id: an id is what lets a call join a session.
    throw std::runtime_error("no randomness for a transaction id");
  }
  static const char* kHex = "0123456789abcdef";
  std::string id = "txn-";
  for (unsigned char b : bytes) {
    id.push_back(kHex[b >> 4]);
    id.push_back(kHex[b & 15]);
  }
  return id;
}

const char* PrimitiveNoun(Primitive p) {
  switch (p) {
    case Primitive::kKv: return "key";
    case Primitive::kState: return "cell";
    case Primitive::kJson: return "document";
    case Primitive::kVector: return "vector";
    case Primitive::kCollection: return "collection";
    default: return "name";
  }
}

// Names a staged key for a conflict message; vector record names carry a
// binary incarnation prefix, so only their printable tail is shown.
std::string Describe(const StagedKey& key) {
  std::string name = key.name;
  if (key.primitive == Primitive::kVector) {
    // "collection/<incarnation>/key" on disk; users know it as "collection/key".
    if (auto parts = ParseVectorRecordName(name)) name = parts->collection + "/" + parts->key;
  }
  return std::string(PrimitiveNoun(key.primitive)) + " " + QuoteName(name) + " in space " + QuoteName(key.space);
}

size_t StagedBytes(const StagedKey& key, const StagedRecord& record) {
  return key.space.size() + key.name.size() + record.payload.size() + 32;
}

}  // namespace

const StagedRecord* TxnSession::FindWrite(const StagedKey& key) const {
  auto it = writes_.find(key);
  return it == writes_.end() ? nullptr : &it->second;
}

Status TxnSession::StageWrite(const StagedKey& key, StagedRecord record) {
  size_t added = StagedBytes(key, record);
  auto it = writes_.find(key);
  // An overwrite replaces what the key had staged: only the difference counts.
  size_t replaced = it == writes_.end() ? 0 : StagedBytes(key, it->second);
  if (bytes_ - replaced + added > max_bytes_) {
    return Status::ResourceExhausted("transaction " + id_ + " would stage more than " + std::to_string(max_bytes_) +
                                     " bytes of writes; commit it and continue in a new transaction");
  }
  if (it == writes_.end()) {
    undo_.emplace_back(key, std::nullopt);
    writes_.emplace(key, std::move(record));
  } else {
    undo_.emplace_back(key, it->second);
    it->second = std::move(record);
  }
  bytes_ = bytes_ - replaced + added;
  return Status::Ok();
}

std::vector<std::pair<std::string, const StagedRecord*>> TxnSession::WritesWithPrefix(const std::string& space,
                                                                                     Primitive p,
                                                                                     std::string_view prefix) const {
  std::vector<std::pair<std::string, const StagedRecord*>> out;
  for (auto it = writes_.lower_bound(StagedKey{space, p, std::string(prefix)}); it != writes_.end(); ++it) {
    const StagedKey& k = it->first;
    if (k.space != space || k.primitive != p || k.name.compare(0, prefix.size(), prefix) != 0) break;
    out.emplace_back(k.name, &it->second);
  }
  return out;
}

std::optional<uint64_t> TxnSession::EventHead(const std::string& space) const {
  auto it = event_heads_.find(space);
  if (it == event_heads_.end()) return std::nullopt;
  return it->second;
}

Status TxnSession::StageEvent(StagedEvent event) {
  size_t added = event.space.size() + event.type.size() + EncodeValue(event.payload).size() + 64;
  if (bytes_ + added > max_bytes_) {
    return Status::ResourceExhausted("transaction " + id_ + " would stage more than " + std::to_string(max_bytes_) +
                                     " bytes of writes; commit it and continue in a new transaction");
  }
  bytes_ += added;
  events_.push_back(std::move(event));
  return Status::Ok();
}

std::vector<const StagedEvent*> TxnSession::StagedEvents(const std::string& space) const {
  std::vector<const StagedEvent*> out;
  for (const StagedEvent& e : events_) {
    if (e.space == space) out.push_back(&e);
  }
  return out;
}

TxnSession::Mark TxnSession::BeginStep() {
  undo_.clear();
  return Mark{0, events_.size(), bytes_};
}

void TxnSession::UndoStep(const Mark& mark) {
  for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
    if (it->second.has_value()) {
      writes_[it->first] = *it->second;
    } else {
      writes_.erase(it->first);
    }
  }
  undo_.clear();
  events_.resize(mark.events);
  bytes_ = mark.bytes;
}

TxnInfo TxnSession::Info() const {
  return TxnInfo{id_, branch_, snapshot_, started_at_, writes_.size() + events_.size()};
}

TxnManager::TxnManager(EngineCore& core, TxnLimits limits)
    : core_(core), limits_(limits), expiry_thread_([this] { ExpiryLoop(); }) {}

TxnManager::~TxnManager() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  expiry_thread_.join();
}

void TxnManager::set_limits(TxnLimits limits) {
  std::lock_guard<std::mutex> lock(mu_);
  limits_ = limits;
}

Result<TxnInfo> TxnManager::Begin(const std::string& branch) {
  std::string name = branch.empty() ? "default" : branch;
  // Taken and registered under the lock, so that OldestSnapshot() (history
  // retention's floor) never misses a snapshot being taken.
  std::lock_guard<std::mutex> lock(mu_);
  auto txn = Txn::BeginRead(core_.env());
  if (!txn.ok()) return txn.status();
  auto record = Catalog::FindBranch(*txn, core_.dbs(), name);
  if (!record.ok()) return record.status();
  // The snapshot is the version committed in this read transaction: every
  // commit up to it is visible, none after it.
  auto snapshot = core_.LatestVersion(*txn);
  if (!snapshot.ok()) return snapshot.status();
  if (sessions_.size() >= limits_.max_sessions) {
    return Status::ResourceExhausted("too many open transactions (" + std::to_string(limits_.max_sessions) +
                                     "); commit or roll back some, or wait for idle ones to expire");
  }
  auto session = std::make_shared<TxnSession>(NewTxnId(), name, record->id, *snapshot, NowMicros());
  session->max_bytes_ = limits_.max_staged_bytes;
  session->last_used_ = std::chrono::steady_clock::now();
  sessions_.emplace(session->id(), session);
  return session->Info();
}

Status TxnManager::NotFoundStatus(const std::string& id) const {
  bool expired = std::find(recently_expired_.begin(), recently_expired_.end(), id) != recently_expired_.end();
  if (expired) {
    // In whole seconds when it is some, else in ms (--txn-idle-timeout-ms 500 said "0 s").
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(limits_.idle_timeout).count();
    std::string idle = ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
    return Status::NotFound("transaction \"" + id + "\" expired after " + idle +
                            " idle; nothing it staged was applied");
  }
  return Status::NotFound("transaction \"" + id + "\" not found: it never existed, or was committed or rolled back");
}

Result<std::shared_ptr<TxnSession>> TxnManager::Find(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return NotFoundStatus(id);
  it->second->last_used_ = std::chrono::steady_clock::now();
  return it->second;
}

Result<TxnInfo> TxnManager::Info(const std::string& id) {
  auto session = Find(id);
  if (!session.ok()) return session.status();
  std::lock_guard<std::mutex> lock((*session)->mu());
  return (*session)->Info();
}

Result<std::shared_ptr<TxnSession>> TxnManager::Take(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return NotFoundStatus(id);
  std::shared_ptr<TxnSession> session = std::move(it->second);
  sessions_.erase(it);
  return session;
}

Status TxnManager::Rollback(const std::string& id) {
  auto session = Take(id);
  if (!session.ok()) return session.status();
  std::lock_guard<std::mutex> lock((*session)->mu());
  (*session)->closed_ = true;
  return Status::Ok();
}

Result<uint64_t> TxnManager::Commit(const std::string& id) {
  auto taken = Take(id);
  if (!taken.ok()) return taken.status();
  std::shared_ptr<TxnSession> session = std::move(taken).value();
  // Waits for a call still running in the session; later calls find it closed.
  std::lock_guard<std::mutex> lock(session->mu());
  session->closed_ = true;
  if (session->writes_.empty() && session->events_.empty()) {
    // Nothing to write, but spec §11 still has commit fail when a name the
    // transaction read changed after begin().
    auto txn = Txn::BeginRead(core_.env());
    if (!txn.ok()) return txn.status();
    STRATA_RETURN_IF_ERROR(Validate(*txn, *session));
    return session->snapshot_version();
  }
  return Apply(*session);
}

Status CheckSpaceKeptSinceSnapshot(const Txn& txn, const Databases& dbs, const TxnSession& s, std::string_view space) {
  auto membership = Catalog::GetMembership(txn, dbs, s.branch_id(), space);
  if (!membership.ok()) return membership.status();
  if (membership->has_value() && (*membership)->detached_at.value_or(0) > s.snapshot_version()) {
    return Status::Conflict("transaction conflict: space " + QuoteName(space) + " was deleted at version " +
                            std::to_string(*(*membership)->detached_at) + ", after the transaction's snapshot " +
                            "(version " + std::to_string(s.snapshot_version()) + ")");
  }
  return Status::Ok();
}

Status TxnManager::Validate(const Txn& txn, const TxnSession& s) const {
  const Databases& dbs = core_.dbs();
  auto branch = Catalog::FindBranch(txn, dbs, s.branch());
  if (!branch.ok() || branch->id != s.branch_id()) {
    return Status::NotFound("branch " + QuoteName(s.branch()) + " was deleted after transaction " + s.id() +
                            " began; nothing was applied");
  }
  // Validation: branch layers below the branch's own are capped at its fork
  // version, which precedes the snapshot, so only its own layer can hold
  // newer commits.
  LayerChain own{Layer{s.branch_id(), UINT64_MAX}};
  std::map<std::string, std::optional<uint32_t>> space_ids;
  auto space_id = [&](const std::string& space) -> Result<std::optional<uint32_t>> {
    auto it = space_ids.find(space);
    if (it != space_ids.end()) return it->second;
    auto id = Catalog::FindSpace(txn, dbs, space);
    if (!id.ok()) return id.status();
    space_ids.emplace(space, *id);
    return *id;
  };
  auto check = [&](const StagedKey& key) -> Status {
    auto sid = space_id(key.space);
    if (!sid.ok()) return sid.status();
    if (!sid->has_value()) return Status::Ok();
    RecordScope scope{&own, **sid, key.primitive};
    auto rec = RecordStore::Read(txn, dbs.records, scope, key.name, UINT64_MAX);
    if (!rec.ok()) return rec.status();
    if (rec->has_value() && (*rec)->version > s.snapshot_version()) {
      return Status::Conflict("transaction conflict: " + Describe(key) + " was changed at version " +
                              std::to_string((*rec)->version) + ", after the transaction's snapshot (version " +
                              std::to_string(s.snapshot_version()) + "); nothing was applied");
    }
    return Status::Ok();
  };
  // A space deleted (or deleted and made again) after the snapshot lost the
  // records the transaction read: they no longer tell what changed.
  std::set<std::string> spaces;
  for (const StagedKey& key : s.reads_) spaces.insert(key.space);
  for (const auto& [key, record] : s.writes_) spaces.insert(key.space);
  for (const auto& [space, head] : s.event_heads_) spaces.insert(space);
  for (const StagedEvent& e : s.events_) spaces.insert(e.space);
  for (const std::string& space : spaces) {
    Status kept = CheckSpaceKeptSinceSnapshot(txn, dbs, s, space);
    if (!kept.ok()) return Status(kept.code(), kept.message() + "; nothing was applied");
  }
  for (const StagedKey& key : s.reads_) STRATA_RETURN_IF_ERROR(check(key));
  for (const auto& [key, record] : s.writes_) {
    if (s.reads_.count(key) == 0) STRATA_RETURN_IF_ERROR(check(key));
  }
  for (const auto& [space, head] : s.event_heads_) {
    auto sid = space_id(space);
    if (!sid.ok()) return sid.status();
    uint64_t now = 0;
    if (sid->has_value()) {
      auto len = EventLog::NextSequence(txn, dbs, s.branch_id(), **sid);
      if (!len.ok()) return len.status();
      now = *len;
    }
    if (now != head) {
      return Status::Conflict("transaction conflict: the event log of space " + QuoteName(space) + " grew from " +
                              std::to_string(head) + " to " + std::to_string(now) +
                              " events after the transaction's snapshot; nothing was applied");
    }
  }
  return Status::Ok();
}

Result<uint64_t> TxnManager::Apply(TxnSession& s) {
  uint64_t version = 0;
  Status st = core_.writer().Run([&](WriteContext& ctx) -> Status {
    ctx.UseOneVersion();
    STRATA_RETURN_IF_ERROR(Validate(ctx.txn(), s));
    // Apply, space by space, all at one version.
    std::map<std::string, WriteTarget> targets;
    auto target_for = [&](const std::string& space) -> Result<const WriteTarget*> {
      auto it = targets.find(space);
      if (it == targets.end()) {
        auto t = core_.ResolveWrite(ctx, Scope{s.branch(), space, ""});
        if (!t.ok()) return t.status();
        it = targets.emplace(space, std::move(t).value()).first;
      }
      return &it->second;
    };
    for (const auto& [key, record] : s.writes_) {
      auto target = target_for(key.space);
      if (!target.ok()) return target.status();
      if (record.tombstone) {
        auto r = VersionedNames::Delete(core_, ctx, **target, key.primitive, key.name);
        if (!r.ok()) return r.status();
      } else {
        auto r = VersionedNames::Put(core_, ctx, **target, key.primitive, key.name, record.payload);
        if (!r.ok()) return r.status();
      }
    }
    for (const StagedEvent& e : s.events_) {
      auto target = target_for(e.space);
      if (!target.ok()) return target.status();
      auto v = ctx.NextVersion();
      if (!v.ok()) return v.status();
      // At the time it was staged: the hash the transaction showed holds.
      auto r = EventLog::AppendInWriterAt(ctx, (*target)->branch_id, (*target)->space_id, e.type, e.payload, *v,
                                          e.timestamp);
      if (!r.ok()) return r.status();
      if (r->sequence != e.sequence) {
        return Status::Internal("transaction " + s.id() + ": event staged as sequence " + std::to_string(e.sequence) +
                                " would commit as " + std::to_string(r->sequence));
      }
    }
    version = ctx.current_version();
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return version;
}

uint64_t TxnManager::OldestSnapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t oldest = UINT64_MAX;
  for (const auto& [id, session] : sessions_) oldest = std::min(oldest, session->snapshot_version());
  return oldest;
}

size_t TxnManager::open_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.size();
}

uint64_t TxnManager::expired_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return expired_;
}

void TxnManager::ExpireIdle() {
  std::vector<std::shared_ptr<TxnSession>> ended;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto now = std::chrono::steady_clock::now();
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if (now - it->second->last_used_ > limits_.idle_timeout) {
        recently_expired_.push_back(it->first);
        if (recently_expired_.size() > kRecentlyExpiredKept) recently_expired_.pop_front();
        ++expired_;
        ended.push_back(std::move(it->second));
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
  }
  // Outside the manager's lock: a call may still hold a session's mutex.
  for (auto& session : ended) {
    std::lock_guard<std::mutex> lock(session->mu());
    session->closed_ = true;
  }
}

void TxnManager::ExpiryLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    auto tick = std::min<std::chrono::milliseconds>(kExpiryTick, limits_.idle_timeout);
    cv_.wait_for(lock, tick, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    ExpireIdle();
    lock.lock();
  }
}

}  // namespace strata::storage

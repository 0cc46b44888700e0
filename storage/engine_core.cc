#include "storage/engine_core.h"

#include "storage/catalog.h"
#include "storage/key_codec.h"
#include "storage/meta_keys.h"
#include "storage/names.h"
#include "storage/retention.h"
#include "storage/transaction.h"

namespace strata::storage {
namespace {

std::string LiveKeysKey(uint32_t branch_id) {
  std::string key(kMetaLiveKeysPrefix);
  AppendU32(key, branch_id);
  return key;
}

}  // namespace

EngineCore::EngineCore(std::unique_ptr<Env> env, uint64_t version, int64_t last_timestamp)
    : env_(std::move(env)),
      writer_(std::make_unique<Writer>(*env_, version, last_timestamp)),
      txns_(std::make_unique<TxnManager>(*this, TxnLimits{})) {}

EngineCore::~EngineCore() {
  txns_.reset();
  writer_.reset();  // drain pending writes before the environment closes
}

Result<ReadView> EngineCore::BeginRead(const Scope& scope, std::optional<int64_t> as_of) const {
  if (!scope.txn_id.empty()) return BeginTxnRead(scope, as_of);
  return ReadAt(BranchName(scope), SpaceName(scope), as_of, UINT64_MAX);
}

Result<ReadView> EngineCore::ReadAt(const std::string& branch, const std::string& space,
                                    std::optional<int64_t> as_of, uint64_t version) const {
  STRATA_RETURN_IF_ERROR(ValidateSpaceName(space));
  if (as_of.has_value() && *as_of < 0) {
    return Status::InvalidArgument("as_of must be a non-negative timestamp in microseconds, got " +
                                   std::to_string(*as_of));
  }
  auto txn = Txn::BeginRead(*env_);
  if (!txn.ok()) return txn.status();
  ReadView view{std::move(txn).value(), dbs().records, {}, 0, std::nullopt, version};
  auto record = Catalog::FindBranch(view.txn, dbs(), branch);
  if (!record.ok()) return record.status();
  view.branch_id = record->id;
  auto space_id = Catalog::FindSpace(view.txn, dbs(), space);
  if (!space_id.ok()) return space_id.status();
  view.space_id = *space_id;
  if (as_of.has_value()) {
    // Older than compaction kept: refuse rather than answer from partial history.
    STRATA_RETURN_IF_ERROR(Retention::CheckAsOf(view.txn, dbs(), *as_of));
    auto v = VersionAt(view.txn, *as_of);
    if (!v.ok()) return v.status();
    view.version = *v;
  }
  auto layers = Catalog::Layers(view.txn, dbs(), *record);
  if (!layers.ok()) return layers.status();
  auto space_layers = Catalog::SpaceLayers(view.txn, dbs(), std::move(layers).value(), space, view.version);
  if (!space_layers.ok()) return space_layers.status();
  view.layers = std::move(space_layers).value();
  view.space_name = space;
  return view;
}

namespace {
// A request inside a transaction may name the transaction's branch or none.
Status CheckTxnBranch(const Scope& scope, const TxnSession& session) {
  if (!scope.branch.empty() && scope.branch != session.branch()) {
    return Status::InvalidArgument("transaction " + session.id() + " works on branch " + QuoteName(session.branch()) +
                                   ", but the request names branch " + QuoteName(scope.branch));
  }
  return Status::Ok();
}

// A read or write inside a transaction in a space deleted under it.
Status SpaceKeptFor(const Txn& txn, const Databases& dbs, const TxnSession& session, const std::string& space) {
  Status kept = CheckSpaceKeptSinceSnapshot(txn, dbs, session, space);
  if (kept.ok()) return kept;
  return Status(kept.code(), kept.message() + "; transaction " + session.id() +
                                 " cannot commit: roll it back and begin again");
}
}  // namespace

Result<ReadView> EngineCore::BeginTxnRead(const Scope& scope, std::optional<int64_t> as_of) const {
  auto session = txns_->Find(scope.txn_id);
  if (!session.ok()) return session.status();
  STRATA_RETURN_IF_ERROR(CheckTxnBranch(scope, **session));
  // A read of the past inside a transaction is a plain as_of read: history is
  // not part of the session.
  if (as_of.has_value()) return ReadAt((*session)->branch(), SpaceName(scope), as_of, UINT64_MAX);
  auto view = ReadAt((*session)->branch(), SpaceName(scope), std::nullopt, (*session)->snapshot_version());
  if (!view.ok()) return view.status();
  if (view->branch_id != (*session)->branch_id()) {
    return Status::NotFound("branch " + QuoteName((*session)->branch()) + " was deleted after transaction " +
                            (*session)->id() + " began");
  }
  STRATA_RETURN_IF_ERROR(SpaceKeptFor(view->txn, dbs(), **session, view->space_name));
  view->session = std::move(session).value();
  return view;
}

Status EngineCore::RunWrite(const Scope& scope, const WriteBody& body) {
  if (scope.txn_id.empty()) {
    return writer_->Run([&](WriteContext& ctx) -> Status {
      auto target = ResolveWrite(ctx, scope);
      if (!target.ok()) return target.status();
      return body(ctx, *target);
    });
  }
  auto session = txns_->Find(scope.txn_id);
  if (!session.ok()) return session.status();
  TxnSession& s = **session;
  STRATA_RETURN_IF_ERROR(CheckTxnBranch(scope, s));
  std::lock_guard<std::mutex> lock(s.mu());
  if (s.closed()) return Status::NotFound("transaction \"" + s.id() + "\" has ended");
  auto view = ReadAt(s.branch(), SpaceName(scope), std::nullopt, s.snapshot_version());
  if (!view.ok()) return view.status();
  if (view->branch_id != s.branch_id()) {
    return Status::NotFound("branch " + QuoteName(s.branch()) + " was deleted after transaction " + s.id() + " began");
  }
  STRATA_RETURN_IF_ERROR(SpaceKeptFor(view->txn, dbs(), s, view->space_name));
  uint64_t version = s.snapshot_version();
  WriteContext ctx(*env_, view->txn, &version, NowMicros());
  ctx.set_staging(&s);
  WriteTarget target{view->branch_id, view->space_id.value_or(0), view->layers, view->space_name};
  auto mark = s.BeginStep();
  Status st;
  try {
    st = body(ctx, target);
  } catch (const std::exception& e) {
    st = Status::Internal(std::string("write failed: ") + e.what());
  }
  if (!st.ok()) {
    s.UndoStep(mark);
  } else {
    s.EndStep();
  }
  return st;
}

Result<WriteTarget> EngineCore::ResolveWrite(WriteContext& ctx, const Scope& scope) const {
  std::string space = SpaceName(scope);
  STRATA_RETURN_IF_ERROR(ValidateSpaceName(space));
  auto branch = Catalog::FindBranch(ctx.txn(), dbs(), BranchName(scope));
  if (!branch.ok()) return branch.status();
  auto layers = Catalog::Layers(ctx.txn(), dbs(), *branch);
  if (!layers.ok()) return layers.status();
  auto space_layers = Catalog::SpaceLayers(ctx.txn(), dbs(), std::move(layers).value(), space, UINT64_MAX);
  if (!space_layers.ok()) return space_layers.status();
  auto space_id = Catalog::EnsureSpace(ctx.txn(), dbs(), branch->id, space);
  if (!space_id.ok()) return space_id.status();
  return WriteTarget{branch->id, *space_id, std::move(space_layers).value(), space};
}

Result<uint64_t> EngineCore::LatestVersion(const Txn& txn) const {
  // Clock keys are [timestamp][version] with both never decreasing.
  Cursor c(txn, dbs().clock);
  bool positioned = c.Last();
  STRATA_RETURN_IF_ERROR(c.status());
  if (!positioned || c.key().size() != 16) return uint64_t{0};
  return ReadU64(c.key().substr(8));
}

Result<uint64_t> EngineCore::VersionAt(const Txn& txn, int64_t timestamp) const {
  // Clock keys are [timestamp][version]: the last key below (timestamp + 1, 0).
  std::string bound;
  AppendU64(bound, static_cast<uint64_t>(timestamp) + 1);
  AppendU64(bound, 0);
  Cursor c(txn, dbs().clock);
  bool positioned = c.Seek(bound) ? c.Prev() : c.Last();
  STRATA_RETURN_IF_ERROR(c.status());
  if (!positioned || c.key().size() != 16) return uint64_t{0};
  return ReadU64(c.key().substr(8));
}

Status EngineCore::AdjustLiveKeys(WriteContext& ctx, uint32_t branch_id, int64_t delta) const {
  auto current = LiveKeys(ctx.txn(), branch_id);
  if (!current.ok()) return current.status();
  int64_t next = static_cast<int64_t>(*current) + delta;
  std::string v;
  AppendU64(v, static_cast<uint64_t>(next < 0 ? 0 : next));
  return ctx.txn().Put(dbs().meta, LiveKeysKey(branch_id), v);
}

Result<uint64_t> EngineCore::LiveKeys(const Txn& txn, uint32_t branch_id) const {
  auto v = txn.Get(dbs().meta, LiveKeysKey(branch_id));
  if (!v.ok()) return v.status();
  if (!v->has_value() || (*v)->size() != 8) return uint64_t{0};
  return ReadU64(**v);
}

}  // namespace strata::storage

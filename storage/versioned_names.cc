#include "storage/versioned_names.h"

#include "storage/key_codec.h"
#include "storage/names.h"
#include "storage/transaction.h"

namespace strata::storage {

Result<VersionedValue> ToVersionedValue(const Record& record) {
  VersionedValue out;
  out.version = record.version;
  out.timestamp = record.timestamp;
  out.deleted = record.tombstone;
  if (!record.tombstone) {
    auto value = DecodeValue(record.payload);
    if (!value.ok()) return value.status();
    out.value = std::move(value).value();
  }
  return out;
}

Status ValidateListLimit(size_t limit) {
  if (limit == 0 || limit > kMaxListLimit) {
    return Status::InvalidArgument("limit must be between 1 and " + std::to_string(kMaxListLimit) + ", got " +
                                   std::to_string(limit));
  }
  return Status::Ok();
}

namespace {

// A staged write seen as the record it will become (its version is not known
// before commit: 0).
std::optional<Record> FromStaged(std::string_view name, const StagedRecord& staged) {
  if (staged.tombstone) return std::nullopt;
  Record r;
  r.name = std::string(name);
  r.payload = staged.payload;
  return r;
}

// Inside a transaction (the session's mutex held): the staged record of the
// name, else the one at the snapshot; the name joins the read set.
Result<std::optional<Record>> ReadInTxn(TxnSession& session, const Txn& txn, MDB_dbi dbi, const RecordScope& scope,
                                        const std::string& space, Primitive p, std::string_view name) {
  if (session.closed()) return Status::NotFound("transaction \"" + session.id() + "\" has ended");
  StagedKey key{space, p, std::string(name)};
  session.NoteRead(key);
  if (const StagedRecord* staged = session.FindWrite(key)) return FromStaged(name, *staged);
  if (scope.space_id == 0) return std::optional<Record>();
  auto rec = RecordStore::Read(txn, dbi, scope, name, session.snapshot_version());
  if (!rec.ok()) return rec.status();
  if (!rec->has_value() || (*rec)->tombstone) return std::optional<Record>();
  return rec;
}

// Names of one page: the snapshot's live names merged with the session's
// staged puts, without its staged deletes.
Result<NamePage> ListInTxn(const ReadView& view, Primitive p, std::string_view prefix,
                           const std::optional<std::string>& after, size_t limit) {
  std::lock_guard<std::mutex> lock(view.session->mu());
  if (view.session->closed()) return Status::NotFound("transaction \"" + view.session->id() + "\" has ended");
  auto staged = view.session->WritesWithPrefix(view.space_name, p, prefix);
  auto staged_it = staged.begin();
  if (after.has_value()) {
    while (staged_it != staged.end() && staged_it->first <= *after) ++staged_it;
  }
  NamePage out;
  std::optional<std::string> cursor = after;
  bool snapshot_done = !view.space_id.has_value();
  std::vector<std::string> page;
  size_t page_pos = 0;
  while (out.names.size() < limit) {
    if (page_pos == page.size() && !snapshot_done) {
      auto next = RecordStore::List(view.txn, view.records_dbi, view.records(p), prefix, cursor, limit, view.version);
      if (!next.ok()) return next.status();
      page = std::move(next->names);
      page_pos = 0;
      snapshot_done = !next->has_more;
      if (!page.empty()) cursor = page.back();
    }
    const std::string* from_snapshot = page_pos < page.size() ? &page[page_pos] : nullptr;
    bool staged_left = staged_it != staged.end();
    if (from_snapshot == nullptr && !staged_left) return out;
    if (staged_left && (from_snapshot == nullptr || staged_it->first <= *from_snapshot)) {
      if (from_snapshot != nullptr && staged_it->first == *from_snapshot) ++page_pos;
      if (!staged_it->second->tombstone) out.names.push_back(staged_it->first);
      ++staged_it;
    } else {
      out.names.push_back(*from_snapshot);
      ++page_pos;
    }
  }
  out.has_more = page_pos < page.size() || !snapshot_done || staged_it != staged.end();
  return out;
}

}  // namespace

Result<std::optional<Record>> VersionedNames::GetLive(const ReadView& view, Primitive p, std::string_view name) {
  if (view.session != nullptr) {
    std::lock_guard<std::mutex> lock(view.session->mu());
    RecordScope scope = view.records(p);
    return ReadInTxn(*view.session, view.txn, view.records_dbi, scope, view.space_name, p, name);
  }
  if (!view.space_id.has_value()) return std::optional<Record>();
  auto rec = RecordStore::Read(view.txn, view.records_dbi, view.records(p), name, view.version);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value() || (*rec)->tombstone) return std::optional<Record>();
  return rec;
}

Result<std::optional<std::vector<Record>>> VersionedNames::History(const ReadView& view, Primitive p,
                                                                  std::string_view name, const HistoryRange& range) {
  using Out = std::optional<std::vector<Record>>;
  if (!view.space_id.has_value()) return Out();
  // A transaction's view stops at its snapshot.
  uint64_t max_version = view.version;
  if (range.before_version != 0) max_version = std::min(max_version, range.before_version - 1);
  auto history = RecordStore::History(view.txn, view.records_dbi, view.records(p), name, max_version, range.limit);
  if (!history.ok()) return history.status();
  if (history->empty()) {
    if (range.before_version == 0 && range.limit > 0) return Out();
    // An empty page: whether the name exists at all is a question of its newest record.
    auto newest = RecordStore::Read(view.txn, view.records_dbi, view.records(p), name, view.version);
    if (!newest.ok()) return newest.status();
    if (!newest->has_value()) return Out();
  }
  return Out(std::move(history).value());
}

Result<std::optional<std::vector<VersionedValue>>> VersionedNames::DecodedHistory(const ReadView& view, Primitive p,
                                                                                 std::string_view name,
                                                                                 const HistoryRange& range) {
  using Out = std::optional<std::vector<VersionedValue>>;
  auto records = History(view, p, name, range);
  if (!records.ok()) return records.status();
  if (!records->has_value()) return Out();
  std::vector<VersionedValue> out;
  out.reserve((*records)->size());
  for (const Record& rec : **records) {
    auto v = ToVersionedValue(rec);
    if (!v.ok()) return v.status();
    out.push_back(std::move(v).value());
  }
  return Out(std::move(out));
}

Result<NamePage> VersionedNames::List(const ReadView& view, Primitive p, std::string_view prefix,
                                      const std::optional<std::string>& after, size_t limit) {
  STRATA_RETURN_IF_ERROR(ValidateListLimit(limit));
  if (prefix.size() > kMaxNameBytes || !IsValidUtf8(prefix)) {
    return Status::InvalidArgument("prefix must be valid utf-8 of at most 1024 bytes");
  }
  if (view.session != nullptr) return ListInTxn(view, p, prefix, after, limit);
  if (!view.space_id.has_value()) return NamePage{};
  return RecordStore::List(view.txn, view.records_dbi, view.records(p), prefix, after, limit, view.version);
}

Result<std::optional<Record>> VersionedNames::GetLiveForWrite(WriteContext& ctx, const WriteTarget& target,
                                                             Primitive p, std::string_view name) {
  if (TxnSession* session = ctx.staging()) {
    return ReadInTxn(*session, ctx.txn(), ctx.dbs().records, target.records(p), target.space_name, p, name);
  }
  auto rec = RecordStore::Read(ctx.txn(), ctx.dbs().records, target.records(p), name, UINT64_MAX);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value() || (*rec)->tombstone) return std::optional<Record>();
  return rec;
}

Result<uint64_t> VersionedNames::Put(const EngineCore& core, WriteContext& ctx, const WriteTarget& target,
                                     Primitive p, std::string_view name, std::string_view payload) {
  if (TxnSession* session = ctx.staging()) {
    STRATA_RETURN_IF_ERROR(session->StageWrite(StagedKey{target.space_name, p, std::string(name)},
                                               StagedRecord{false, std::string(payload)}));
    return uint64_t{0};  // the version is the commit's
  }
  auto live = GetLiveForWrite(ctx, target, p, name);
  if (!live.ok()) return live.status();
  auto version = ctx.NextVersion();
  if (!version.ok()) return version.status();
  STRATA_RETURN_IF_ERROR(RecordStore::Write(ctx.txn(), ctx.dbs().records, target.branch_id, target.space_id, p,
                                            name, *version, ctx.timestamp(), /*tombstone=*/false, payload));
  if (!live->has_value()) STRATA_RETURN_IF_ERROR(core.AdjustLiveKeys(ctx, target.branch_id, +1));
  return version;
}

Result<DeleteResult> VersionedNames::Delete(const EngineCore& core, WriteContext& ctx, const WriteTarget& target,
                                            Primitive p, std::string_view name) {
  auto live = GetLiveForWrite(ctx, target, p, name);
  if (!live.ok()) return live.status();
  if (!live->has_value()) return DeleteResult{};
  if (TxnSession* session = ctx.staging()) {
    STRATA_RETURN_IF_ERROR(
        session->StageWrite(StagedKey{target.space_name, p, std::string(name)}, StagedRecord{true, {}}));
    return DeleteResult{true, 0};
  }
  auto version = ctx.NextVersion();
  if (!version.ok()) return version.status();
  STRATA_RETURN_IF_ERROR(RecordStore::Write(ctx.txn(), ctx.dbs().records, target.branch_id, target.space_id, p,
                                            name, *version, ctx.timestamp(), /*tombstone=*/true, {}));
  STRATA_RETURN_IF_ERROR(core.AdjustLiveKeys(ctx, target.branch_id, -1));
  return DeleteResult{true, *version};
}

}  // namespace strata::storage

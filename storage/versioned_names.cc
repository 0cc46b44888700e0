#include "storage/versioned_names.h"

#include "storage/key_codec.h"
#include "storage/names.h"

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

Result<std::optional<Record>> VersionedNames::GetLive(const ReadView& view, Primitive p, std::string_view name) {
  if (!view.space_id.has_value()) return std::optional<Record>();
  auto rec = RecordStore::Read(view.txn, view.records_dbi, view.records(p), name, view.version);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value() || (*rec)->tombstone) return std::optional<Record>();
  return rec;
}

Result<std::optional<std::vector<Record>>> VersionedNames::History(const ReadView& view, Primitive p,
                                                                  std::string_view name) {
  using Out = std::optional<std::vector<Record>>;
  if (!view.space_id.has_value()) return Out();
  auto history = RecordStore::History(view.txn, view.records_dbi, view.records(p), name);
  if (!history.ok()) return history.status();
  if (history->empty()) return Out();
  return Out(std::move(history).value());
}

Result<std::optional<std::vector<VersionedValue>>> VersionedNames::DecodedHistory(const ReadView& view, Primitive p,
                                                                                 std::string_view name) {
  using Out = std::optional<std::vector<VersionedValue>>;
  auto records = History(view, p, name);
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
  if (!view.space_id.has_value()) return NamePage{};
  return RecordStore::List(view.txn, view.records_dbi, view.records(p), prefix, after, limit, view.version);
}

Result<std::optional<Record>> VersionedNames::GetLiveForWrite(WriteContext& ctx, const WriteTarget& target,
                                                             Primitive p, std::string_view name) {
  auto rec = RecordStore::Read(ctx.txn(), ctx.dbs().records, target.records(p), name, UINT64_MAX);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value() || (*rec)->tombstone) return std::optional<Record>();
  return rec;
}

Result<uint64_t> VersionedNames::Put(const EngineCore& core, WriteContext& ctx, const WriteTarget& target,
                                     Primitive p, std::string_view name, std::string_view payload) {
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
  auto version = ctx.NextVersion();
  if (!version.ok()) return version.status();
  STRATA_RETURN_IF_ERROR(RecordStore::Write(ctx.txn(), ctx.dbs().records, target.branch_id, target.space_id, p,
                                            name, *version, ctx.timestamp(), /*tombstone=*/true, {}));
  STRATA_RETURN_IF_ERROR(core.AdjustLiveKeys(ctx, target.branch_id, -1));
  return DeleteResult{true, *version};
}

}  // namespace strata::storage

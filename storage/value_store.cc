#include "storage/value_store.h"

#include "storage/names.h"

namespace strata::storage {

Status ValueStore::RunWrite(const Scope& scope,
                            const std::function<Status(WriteContext&, const WriteTarget&)>& body) {
  return core_.RunWrite(scope, body);
}

Result<uint64_t> ValueStore::Put(const Scope& scope, std::string_view key, const Value& value) {
  STRATA_RETURN_IF_ERROR(ValidateKey(key, what_));
  // Encode outside the writer: the writer's time is the database's bottleneck.
  std::string payload = EncodeValue(value);
  uint64_t version = 0;
  Status st = RunWrite(scope, [&](WriteContext& ctx, const WriteTarget& target) -> Status {
    auto v = VersionedNames::Put(core_, ctx, target, primitive_, key, payload);
    if (!v.ok()) return v.status();
    version = *v;
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return version;
}

Result<std::optional<VersionedValue>> ValueStore::Get(const Scope& scope, std::string_view key,
                                                   std::optional<int64_t> as_of) {
  using Out = std::optional<VersionedValue>;
  STRATA_RETURN_IF_ERROR(ValidateKey(key, what_));
  auto view = core_.BeginRead(scope, as_of);
  if (!view.ok()) return view.status();
  auto rec = VersionedNames::GetLive(*view, primitive_, key);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value()) return Out();
  auto value = ToVersionedValue(**rec);
  if (!value.ok()) return value.status();
  return Out(std::move(value).value());
}

Result<DeleteResult> ValueStore::Delete(const Scope& scope, std::string_view key) {
  STRATA_RETURN_IF_ERROR(ValidateKey(key, what_));
  DeleteResult result;
  Status st = RunWrite(scope, [&](WriteContext& ctx, const WriteTarget& target) -> Status {
    auto r = VersionedNames::Delete(core_, ctx, target, primitive_, key);
    if (!r.ok()) return r.status();
    result = *r;
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return result;
}

Result<NamePage> ValueStore::List(const Scope& scope, std::string_view prefix, const std::optional<std::string>& after,
                               size_t limit, std::optional<int64_t> as_of) {
  auto view = core_.BeginRead(scope, as_of);
  if (!view.ok()) return view.status();
  return VersionedNames::List(*view, primitive_, prefix, after, limit);
}

Result<std::optional<std::vector<VersionedValue>>> ValueStore::History(const Scope& scope, std::string_view key,
                                                                    const HistoryRange& range) {
  STRATA_RETURN_IF_ERROR(ValidateKey(key, what_));
  auto view = core_.BeginRead(scope, std::nullopt);
  if (!view.ok()) return view.status();
  return VersionedNames::DecodedHistory(*view, primitive_, key, range);
}

}  // namespace strata::storage

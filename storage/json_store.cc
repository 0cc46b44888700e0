#include "storage/json_store.h"

#include <algorithm>

#include "storage/json_path.h"
#include "storage/names.h"

namespace strata::storage {
namespace {
constexpr const char* kWhat = "document key";

// Containers (arrays, objects) nested in `v`, counting `v` itself.
size_t ContainerDepth(const Value& v) {
  if (!v.is_array() && !v.is_object()) return 0;
  size_t deepest = 0;
  for (const auto& child : v) deepest = std::max(deepest, ContainerDepth(child));
  return deepest + 1;
}
}  // namespace

Result<uint64_t> JsonStore::Set(const Scope& scope, std::string_view key, std::string_view path_text,
                                const Value& value) {
  STRATA_RETURN_IF_ERROR(ValidateKey(key, kWhat));
  auto path = ParseJsonPath(path_text);
  if (!path.ok()) return path.status();
  STRATA_RETURN_IF_ERROR(RequireFiniteNumbers(value, "a json document"));
  // Each path segment is one enclosing container: a value within the limit set
  // deep inside a document must not make the document deeper than the limit.
  size_t depth = path->segments.size() + ContainerDepth(value);
  if (depth > kMaxNestingDepth) {
    return Status::InvalidArgument("json path \"" + std::string(path_text) + "\" with this value would nest the document " +
                                   std::to_string(depth) + " levels deep; the limit is " +
                                   std::to_string(kMaxNestingDepth) + " levels");
  }
  uint64_t version = 0;
  Status st = core_.RunWrite(scope, [&](WriteContext& ctx, const WriteTarget& target) -> Status {
    auto live = VersionedNames::GetLiveForWrite(ctx, target, Primitive::kJson, key);
    if (!live.ok()) return live.status();
    Value doc;
    if (live->has_value()) {
      auto decoded = DecodeValue((*live)->payload);
      if (!decoded.ok()) return decoded.status();
      doc = std::move(decoded).value();
    } else if (!path->is_root()) {
      doc = path->segments.front().is_index ? Value::array() : Value::object();
    }
    STRATA_RETURN_IF_ERROR(SetAtPath(doc, *path, value));
    std::string encoded = EncodeValue(doc);
    if (check_) STRATA_RETURN_IF_ERROR(check_(key, doc, encoded.size()));
    auto v = VersionedNames::Put(core_, ctx, target, Primitive::kJson, key, std::move(encoded));
    if (!v.ok()) return v.status();
    version = *v;
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return version;
}

Result<std::optional<VersionedValue>> JsonStore::Get(const Scope& scope, std::string_view key,
                                                     std::string_view path_text, std::optional<int64_t> as_of) {
  using Out = std::optional<VersionedValue>;
  STRATA_RETURN_IF_ERROR(ValidateKey(key, kWhat));
  auto path = ParseJsonPath(path_text.empty() ? "$" : path_text);
  if (!path.ok()) return path.status();
  auto view = core_.BeginRead(scope, as_of);
  if (!view.ok()) return view.status();
  auto rec = VersionedNames::GetLive(*view, Primitive::kJson, key);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value()) return Out();
  auto doc = ToVersionedValue(**rec);
  if (!doc.ok()) return doc.status();
  const Value* found = FindAtPath(doc->value, *path);
  if (found == nullptr) return Out();
  return Out(VersionedValue{*found, doc->version, doc->timestamp, false});
}

Result<JsonDeleteResult> JsonStore::Delete(const Scope& scope, std::string_view key, std::string_view path_text) {
  STRATA_RETURN_IF_ERROR(ValidateKey(key, kWhat));
  auto path = ParseJsonPath(path_text);
  if (!path.ok()) return path.status();
  JsonDeleteResult result;
  Status st = core_.RunWrite(scope, [&](WriteContext& ctx, const WriteTarget& target) -> Status {
    if (path->is_root()) {
      auto r = VersionedNames::Delete(core_, ctx, target, Primitive::kJson, key);
      if (!r.ok()) return r.status();
      result = {r->existed ? 1u : 0u, r->version};
      return Status::Ok();
    }
    auto live = VersionedNames::GetLiveForWrite(ctx, target, Primitive::kJson, key);
    if (!live.ok()) return live.status();
    if (!live->has_value()) return Status::Ok();
    auto doc = DecodeValue((*live)->payload);
    if (!doc.ok()) return doc.status();
    if (!EraseAtPath(*doc, *path)) return Status::Ok();
    auto v = VersionedNames::Put(core_, ctx, target, Primitive::kJson, key, EncodeValue(*doc));
    if (!v.ok()) return v.status();
    result = {1, *v};
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return result;
}

Result<NamePage> JsonStore::List(const Scope& scope, std::string_view prefix, const std::optional<std::string>& after,
                                 size_t limit, std::optional<int64_t> as_of) {
  auto view = core_.BeginRead(scope, as_of);
  if (!view.ok()) return view.status();
  return VersionedNames::List(*view, Primitive::kJson, prefix, after, limit);
}

Result<std::optional<std::vector<VersionedValue>>> JsonStore::History(const Scope& scope, std::string_view key,
                                                                    const HistoryRange& range) {
  STRATA_RETURN_IF_ERROR(ValidateKey(key, kWhat));
  auto view = core_.BeginRead(scope, std::nullopt);
  if (!view.ok()) return view.status();
  return VersionedNames::DecodedHistory(*view, Primitive::kJson, key, range);
}

}  // namespace strata::storage

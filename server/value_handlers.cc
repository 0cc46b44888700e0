#include "server/value_handlers.h"

#include "server/error_mapping.h"
#include "server/request_context.h"
#include "server/responses.h"
#include "server/value_convert.h"

namespace strata::server {

storage::Result<storage::Value> RequiredValue(bool has_value, const v1::Value& value) {
  if (!has_value) return storage::Status::InvalidArgument("value is required (send a null Value to store null)");
  return FromProto(value);
}

grpc::Status HandleSet(grpc::ServerContext* ctx, storage::ValueStore& store, const v1::Context& context,
                       const std::string& name, bool has_value, const v1::Value& value, v1::WriteResponse* resp) {
  auto scope = ScopeOf(context);
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto converted = RequiredValue(has_value, value);
  if (!converted.ok()) return ToGrpc(ctx, converted.status());
  auto version = store.Put(*scope, name, *converted);
  if (!version.ok()) return ToGrpc(ctx, version.status());
  resp->set_version(*version);
  return grpc::Status::OK;
}

grpc::Status HandleGet(grpc::ServerContext* ctx, storage::ValueStore& store, const v1::Context& context,
                       const std::string& name, std::optional<int64_t> as_of, bool* found, v1::VersionedValue* entry) {
  auto scope = ScopeOf(context);
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto got = store.Get(*scope, name, as_of);
  if (!got.ok()) return ToGrpc(ctx, got.status());
  *found = got->has_value();
  if (got->has_value()) ToProto(**got, entry);
  return grpc::Status::OK;
}

grpc::Status HandleDelete(grpc::ServerContext* ctx, storage::ValueStore& store, const v1::Context& context,
                          const std::string& name, bool* existed, uint64_t* version) {
  auto scope = ScopeOf(context);
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto result = store.Delete(*scope, name);
  if (!result.ok()) return ToGrpc(ctx, result.status());
  *existed = result->existed;
  *version = result->version;
  return grpc::Status::OK;
}

grpc::Status HandleList(grpc::ServerContext* ctx, storage::ValueStore& store, const v1::Context& context,
                        const std::string& prefix, uint32_t limit, const std::string& cursor,
                        std::optional<int64_t> as_of, v1::NameList* resp) {
  auto scope = ScopeOf(context);
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto page_limit = PageLimit(limit);
  if (!page_limit.ok()) return ToGrpc(ctx, page_limit.status());
  auto after = DecodeCursor(cursor);
  if (!after.ok()) return ToGrpc(ctx, after.status());
  auto page = store.List(*scope, prefix, *after, *page_limit, as_of);
  if (!page.ok()) return ToGrpc(ctx, page.status());
  FillNames(*page, resp);
  return grpc::Status::OK;
}

grpc::Status HandleHistory(grpc::ServerContext* ctx, storage::ValueStore& store, const v1::Context& context,
                           const std::string& name, uint64_t before_version, size_t max_message_bytes,
                           v1::HistoryResponse* resp) {
  auto scope = ScopeOf(context);
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto history = store.History(*scope, name, HistoryPageRange(before_version));
  if (!history.ok()) return ToGrpc(ctx, history.status());
  storage::Status filled = FillHistory(*history, max_message_bytes, resp);
  if (!filled.ok()) return ToGrpc(ctx, filled);
  return grpc::Status::OK;
}

}  // namespace strata::server

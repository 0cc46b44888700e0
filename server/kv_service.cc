#include "server/kv_service.h"

#include "server/error_mapping.h"
#include "server/request_context.h"
#include "server/value_convert.h"

namespace strata::server {
namespace {

std::optional<int64_t> AsOf(bool has, int64_t value) { return has ? std::optional<int64_t>(value) : std::nullopt; }

}  // namespace

void ToProto(const storage::VersionedValue& in, v1::VersionedValue* out) {
  if (!in.deleted) ToProto(in.value, out->mutable_value());
  out->set_version(in.version);
  out->set_timestamp(in.timestamp);
  out->set_deleted(in.deleted);
}

grpc::Status KvService::Put(grpc::ServerContext* ctx, const v1::KvPutRequest* req, v1::WriteResponse* resp) {
  auto scope = ScopeOf(req->context());
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  if (!req->has_value()) return InvalidArgument(ctx, "value is required (send a null Value to store null)");
  auto value = FromProto(req->value());
  if (!value.ok()) return ToGrpc(ctx, value.status());
  auto version = engine_.kv().Put(*scope, req->key(), *value);
  if (!version.ok()) return ToGrpc(ctx, version.status());
  resp->set_version(*version);
  return grpc::Status::OK;
}

grpc::Status KvService::Get(grpc::ServerContext* ctx, const v1::KvGetRequest* req, v1::KvGetResponse* resp) {
  auto scope = ScopeOf(req->context());
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto got = engine_.kv().Get(*scope, req->key(), AsOf(req->has_as_of(), req->as_of()));
  if (!got.ok()) return ToGrpc(ctx, got.status());
  resp->set_found(got->has_value());
  if (got->has_value()) ToProto(**got, resp->mutable_entry());
  return grpc::Status::OK;
}

grpc::Status KvService::Delete(grpc::ServerContext* ctx, const v1::KvDeleteRequest* req, v1::KvDeleteResponse* resp) {
  auto scope = ScopeOf(req->context());
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto result = engine_.kv().Delete(*scope, req->key());
  if (!result.ok()) return ToGrpc(ctx, result.status());
  resp->set_existed(result->existed);
  resp->set_version(result->version);
  return grpc::Status::OK;
}

grpc::Status KvService::List(grpc::ServerContext* ctx, const v1::KvListRequest* req, v1::NameList* resp) {
  auto scope = ScopeOf(req->context());
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto limit = PageLimit(req->limit());
  if (!limit.ok()) return ToGrpc(ctx, limit.status());
  auto after = DecodeCursor(req->cursor());
  if (!after.ok()) return ToGrpc(ctx, after.status());
  auto page = engine_.kv().List(*scope, req->prefix(), *after, *limit, AsOf(req->has_as_of(), req->as_of()));
  if (!page.ok()) return ToGrpc(ctx, page.status());
  for (auto& name : page->names) resp->add_names(name);
  if (page->has_more) resp->set_next_cursor(EncodeCursor(page->names.back()));
  return grpc::Status::OK;
}

grpc::Status KvService::History(grpc::ServerContext* ctx, const v1::KvHistoryRequest* req,
                                v1::HistoryResponse* resp) {
  auto scope = ScopeOf(req->context());
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto history = engine_.kv().History(*scope, req->key());
  if (!history.ok()) return ToGrpc(ctx, history.status());
  resp->set_exists(history->has_value());
  if (history->has_value()) {
    for (const auto& entry : **history) ToProto(entry, resp->add_entries());
  }
  return grpc::Status::OK;
}

}  // namespace strata::server

#include "server/json_service.h"

#include "server/error_mapping.h"
#include "server/request_context.h"
#include "server/response_budget.h"
#include "server/responses.h"
#include "server/value_handlers.h"
#include "storage/names.h"

namespace strata::server {

grpc::Status JsonService::Set(grpc::ServerContext* ctx, const v1::JsonSetRequest* req, v1::WriteResponse* resp) {
  auto scope = ScopeOf(req->context());
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto value = RequiredValue(req->has_value(), req->value());
  if (!value.ok()) return ToGrpc(ctx, value.status());
  auto version = engine_.json().Set(*scope, req->key(), req->path(), *value);
  if (!version.ok()) return ToGrpc(ctx, version.status());
  resp->set_version(*version);
  return grpc::Status::OK;
}

grpc::Status JsonService::Get(grpc::ServerContext* ctx, const v1::JsonGetRequest* req, v1::JsonGetResponse* resp) {
  auto scope = ScopeOf(req->context());
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto got = engine_.json().Get(*scope, req->key(), req->path(), AsOf(req->has_as_of(), req->as_of()));
  if (!got.ok()) return ToGrpc(ctx, got.status());
  resp->set_found(got->has_value());
  if (got->has_value()) ToProto(**got, resp->mutable_entry());
  // Path updates can grow a document past what one answer may carry; say so
  // (a path reads part of it) rather than let gRPC fail the send.
  if (size_t bytes = resp->ByteSizeLong(); !ResponseBudget(max_message_bytes_).Take(bytes)) {
    return ToGrpc(ctx, TooLargeToAnswer("the value at " + storage::QuoteName(req->path()) + " of document " +
                                            storage::QuoteName(req->key()),
                                        bytes, max_message_bytes_));
  }
  return grpc::Status::OK;
}

grpc::Status JsonService::Delete(grpc::ServerContext* ctx, const v1::JsonDeleteRequest* req,
                                 v1::JsonDeleteResponse* resp) {
  auto scope = ScopeOf(req->context());
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto result = engine_.json().Delete(*scope, req->key(), req->path());
  if (!result.ok()) return ToGrpc(ctx, result.status());
  resp->set_removed(result->removed);
  resp->set_version(result->version);
  return grpc::Status::OK;
}

grpc::Status JsonService::List(grpc::ServerContext* ctx, const v1::JsonListRequest* req, v1::NameList* resp) {
  auto scope = ScopeOf(req->context());
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto limit = PageLimit(req->limit());
  if (!limit.ok()) return ToGrpc(ctx, limit.status());
  auto after = DecodeCursor(req->cursor());
  if (!after.ok()) return ToGrpc(ctx, after.status());
  auto page = engine_.json().List(*scope, req->prefix(), *after, *limit, AsOf(req->has_as_of(), req->as_of()));
  if (!page.ok()) return ToGrpc(ctx, page.status());
  FillNames(*page, resp);
  return grpc::Status::OK;
}

grpc::Status JsonService::History(grpc::ServerContext* ctx, const v1::JsonHistoryRequest* req,
                                  v1::HistoryResponse* resp) {
  auto scope = ScopeOf(req->context());
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto history = engine_.json().History(*scope, req->key(), HistoryPageRange(req->before_version()));
  if (!history.ok()) return ToGrpc(ctx, history.status());
  storage::Status filled = FillHistory(*history, max_message_bytes_, resp);
  if (!filled.ok()) return ToGrpc(ctx, filled);
  return grpc::Status::OK;
}

}  // namespace strata::server

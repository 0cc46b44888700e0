#include "server/state_service.h"

#include "server/error_mapping.h"
#include "server/request_context.h"
#include "server/value_convert.h"
#include "server/value_handlers.h"

namespace strata::server {

grpc::Status StateService::Set(grpc::ServerContext* ctx, const v1::StateSetRequest* req, v1::WriteResponse* resp) {
  return HandleSet(ctx, engine_.state(), req->context(), req->cell(), req->has_value(), req->value(), resp);
}

grpc::Status StateService::Get(grpc::ServerContext* ctx, const v1::StateGetRequest* req, v1::StateGetResponse* resp) {
  bool found = false;
  auto st = HandleGet(ctx, engine_.state(), req->context(), req->cell(), AsOf(req->has_as_of(), req->as_of()), &found,
                      resp->mutable_entry());
  resp->set_found(found);
  if (!found) resp->clear_entry();
  return st;
}

grpc::Status StateService::Init(grpc::ServerContext* ctx, const v1::StateSetRequest* req, v1::WriteResponse* resp) {
  auto scope = ScopeOf(req->context());
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto value = RequiredValue(req->has_value(), req->value());
  if (!value.ok()) return ToGrpc(ctx, value.status());
  auto version = engine_.state().Init(*scope, req->cell(), *value);
  if (!version.ok()) return ToGrpc(ctx, version.status());
  resp->set_version(*version);
  return grpc::Status::OK;
}

grpc::Status StateService::Cas(grpc::ServerContext* ctx, const v1::StateCasRequest* req, v1::WriteResponse* resp) {
  auto scope = ScopeOf(req->context());
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto value = RequiredValue(req->has_value(), req->value());
  if (!value.ok()) return ToGrpc(ctx, value.status());
  storage::CasExpectation expected;
  if (req->has_expected()) {
    auto e = FromProto(req->expected());
    if (!e.ok()) return ToGrpc(ctx, e.status());
    expected.value = std::move(e).value();
  }
  if (req->has_expected_version()) expected.version = req->expected_version();
  auto version = engine_.state().Cas(*scope, req->cell(), *value, expected);
  if (!version.ok()) return ToGrpc(ctx, version.status());
  resp->set_version(*version);
  return grpc::Status::OK;
}

grpc::Status StateService::Delete(grpc::ServerContext* ctx, const v1::StateDeleteRequest* req,
                                  v1::StateDeleteResponse* resp) {
  bool existed = false;
  uint64_t version = 0;
  auto st = HandleDelete(ctx, engine_.state(), req->context(), req->cell(), &existed, &version);
  resp->set_existed(existed);
  resp->set_version(version);
  return st;
}

grpc::Status StateService::List(grpc::ServerContext* ctx, const v1::StateListRequest* req, v1::NameList* resp) {
  return HandleList(ctx, engine_.state(), req->context(), req->prefix(), req->limit(), req->cursor(),
                    AsOf(req->has_as_of(), req->as_of()), resp);
}

grpc::Status StateService::History(grpc::ServerContext* ctx, const v1::StateHistoryRequest* req,
                                   v1::HistoryResponse* resp) {
  return HandleHistory(ctx, engine_.state(), req->context(), req->cell(), req->before_version(), max_message_bytes_,
                       resp);
}

}  // namespace strata::server

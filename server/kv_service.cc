#include "server/kv_service.h"

#include "server/request_context.h"
#include "server/value_handlers.h"

namespace strata::server {

grpc::Status KvService::Put(grpc::ServerContext* ctx, const v1::KvPutRequest* req, v1::WriteResponse* resp) {
  return HandleSet(ctx, engine_.kv(), req->context(), req->key(), req->has_value(), req->value(), resp);
}

grpc::Status KvService::Get(grpc::ServerContext* ctx, const v1::KvGetRequest* req, v1::KvGetResponse* resp) {
  bool found = false;
  auto st = HandleGet(ctx, engine_.kv(), req->context(), req->key(), AsOf(req->has_as_of(), req->as_of()), &found,
                      resp->mutable_entry());
  resp->set_found(found);
  if (!found) resp->clear_entry();
  return st;
}

grpc::Status KvService::Delete(grpc::ServerContext* ctx, const v1::KvDeleteRequest* req, v1::KvDeleteResponse* resp) {
  bool existed = false;
  uint64_t version = 0;
  auto st = HandleDelete(ctx, engine_.kv(), req->context(), req->key(), &existed, &version);
  resp->set_existed(existed);
  resp->set_version(version);
  return st;
}

grpc::Status KvService::List(grpc::ServerContext* ctx, const v1::KvListRequest* req, v1::NameList* resp) {
  return HandleList(ctx, engine_.kv(), req->context(), req->prefix(), req->limit(), req->cursor(),
                    AsOf(req->has_as_of(), req->as_of()), resp);
}

grpc::Status KvService::History(grpc::ServerContext* ctx, const v1::KvHistoryRequest* req,
                                v1::HistoryResponse* resp) {
  return HandleHistory(ctx, engine_.kv(), req->context(), req->key(), req->before_version(), max_message_bytes_, resp);
}

}  // namespace strata::server

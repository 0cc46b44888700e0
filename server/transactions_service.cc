#include "server/transactions_service.h"

#include "server/error_mapping.h"

namespace strata::server {
namespace {

void ToProto(const storage::TxnInfo& info, v1::TxnInfo* out) {
  out->set_id(info.id);
  out->set_status("active");
  out->set_started_at(info.started_at);
  out->set_snapshot_version(info.snapshot_version);
  out->set_branch(info.branch);
  out->set_staged_writes(info.staged_writes);
}

storage::Status RequireId(const std::string& id) {
  if (id.empty()) return storage::Status::InvalidArgument("txn_id must not be empty");
  return storage::Status::Ok();
}

}  // namespace

grpc::Status TransactionsService::Begin(grpc::ServerContext* ctx, const v1::TxnBeginRequest* req, v1::TxnInfo* resp) {
  auto info = engine_.transactions().Begin(req->branch());
  if (!info.ok()) return ToGrpc(ctx, info.status());
  ToProto(*info, resp);
  return grpc::Status::OK;
}

grpc::Status TransactionsService::Commit(grpc::ServerContext* ctx, const v1::TxnRequest* req,
                                         v1::TxnCommitResponse* resp) {
  if (auto st = RequireId(req->txn_id()); !st.ok()) return ToGrpc(ctx, st);
  auto version = engine_.transactions().Commit(req->txn_id());
  if (!version.ok()) return ToGrpc(ctx, version.status());
  resp->set_version(*version);
  return grpc::Status::OK;
}

grpc::Status TransactionsService::Rollback(grpc::ServerContext* ctx, const v1::TxnRequest* req,
                                           v1::TxnRollbackResponse*) {
  if (auto st = RequireId(req->txn_id()); !st.ok()) return ToGrpc(ctx, st);
  return ToGrpc(ctx, engine_.transactions().Rollback(req->txn_id()));
}

grpc::Status TransactionsService::Info(grpc::ServerContext* ctx, const v1::TxnRequest* req, v1::TxnInfo* resp) {
  if (auto st = RequireId(req->txn_id()); !st.ok()) return ToGrpc(ctx, st);
  auto info = engine_.transactions().Info(req->txn_id());
  if (!info.ok()) return ToGrpc(ctx, info.status());
  ToProto(*info, resp);
  return grpc::Status::OK;
}

}  // namespace strata::server

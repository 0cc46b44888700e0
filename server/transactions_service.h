// The Transactions gRPC service (spec/api.md §11): begin, commit, rollback and
// info of server-side sessions (storage/transaction.h). Calls join a session by
// carrying its id in Context.txn_id.
// Thread safety: handlers run concurrently; the engine is thread-safe.
#pragma once

#include "storage/engine.h"
#include "strata/v1/transactions.grpc.pb.h"

namespace strata::server {

class TransactionsService final : public v1::Transactions::Service {
 public:
  explicit TransactionsService(storage::Engine& engine) : engine_(engine) {}

  grpc::Status Begin(grpc::ServerContext* ctx, const v1::TxnBeginRequest* req, v1::TxnInfo* resp) override;
  grpc::Status Commit(grpc::ServerContext* ctx, const v1::TxnRequest* req, v1::TxnCommitResponse* resp) override;
  grpc::Status Rollback(grpc::ServerContext* ctx, const v1::TxnRequest* req, v1::TxnRollbackResponse* resp) override;
  grpc::Status Info(grpc::ServerContext* ctx, const v1::TxnRequest* req, v1::TxnInfo* resp) override;

 private:
  storage::Engine& engine_;
};

}  // namespace strata::server

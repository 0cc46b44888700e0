// Services whose features arrive in later releases. They are registered so that
// reflection lists the whole contract, and each rpc answers UNIMPLEMENTED with a
// message saying so (reason "unimplemented"), never a fake result.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <vector>

#include "strata/v1/transactions.grpc.pb.h"
#include "strata/v1/search.grpc.pb.h"

namespace strata::server {

// UNIMPLEMENTED naming the rpc.
grpc::Status NotYet(grpc::ServerContext* ctx, const char* rpc);

class PendingTransactionsService final : public v1::Transactions::Service {
 public:
  grpc::Status Begin(grpc::ServerContext* ctx, const v1::TxnBeginRequest*, v1::TxnInfo*) override { return NotYet(ctx, "Transactions.Begin"); }
  grpc::Status Commit(grpc::ServerContext* ctx, const v1::TxnRequest*, v1::TxnCommitResponse*) override { return NotYet(ctx, "Transactions.Commit"); }
  grpc::Status Rollback(grpc::ServerContext* ctx, const v1::TxnRequest*, v1::TxnRollbackResponse*) override { return NotYet(ctx, "Transactions.Rollback"); }
  grpc::Status Info(grpc::ServerContext* ctx, const v1::TxnRequest*, v1::TxnInfo*) override { return NotYet(ctx, "Transactions.Info"); }
};

class PendingSearchService final : public v1::Search::Service {
 public:
  grpc::Status Search(grpc::ServerContext* ctx, const v1::SearchRequest*, v1::SearchResponse*) override { return NotYet(ctx, "Search.Search"); }
};

// One instance of each pending service, for registration.
std::vector<std::unique_ptr<grpc::Service>> MakePendingServices();

}  // namespace strata::server

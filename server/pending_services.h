// Services whose features arrive in later releases. They are registered so that
// reflection lists the whole contract, and each rpc answers UNIMPLEMENTED with a
// message saying so (reason "unimplemented"), never a fake result.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <vector>

#include "strata/v1/vectors.grpc.pb.h"
#include "strata/v1/transactions.grpc.pb.h"
#include "strata/v1/search.grpc.pb.h"

namespace strata::server {

// UNIMPLEMENTED naming the rpc.
grpc::Status NotYet(grpc::ServerContext* ctx, const char* rpc);

class PendingVectorsService final : public v1::Vectors::Service {
 public:
  grpc::Status CreateCollection(grpc::ServerContext* ctx, const v1::CreateCollectionRequest*, v1::WriteResponse*) override { return NotYet(ctx, "Vectors.CreateCollection"); }
  grpc::Status DeleteCollection(grpc::ServerContext* ctx, const v1::DeleteCollectionRequest*, v1::DeleteCollectionResponse*) override { return NotYet(ctx, "Vectors.DeleteCollection"); }
  grpc::Status ListCollections(grpc::ServerContext* ctx, const v1::ListCollectionsRequest*, v1::ListCollectionsResponse*) override { return NotYet(ctx, "Vectors.ListCollections"); }
  grpc::Status CollectionStats(grpc::ServerContext* ctx, const v1::CollectionStatsRequest*, v1::CollectionInfo*) override { return NotYet(ctx, "Vectors.CollectionStats"); }
  grpc::Status Upsert(grpc::ServerContext* ctx, const v1::VectorUpsertRequest*, v1::WriteResponse*) override { return NotYet(ctx, "Vectors.Upsert"); }
  grpc::Status BatchUpsert(grpc::ServerContext* ctx, const v1::VectorBatchUpsertRequest*, v1::VectorBatchUpsertResponse*) override { return NotYet(ctx, "Vectors.BatchUpsert"); }
  grpc::Status Get(grpc::ServerContext* ctx, const v1::VectorGetRequest*, v1::VectorGetResponse*) override { return NotYet(ctx, "Vectors.Get"); }
  grpc::Status Delete(grpc::ServerContext* ctx, const v1::VectorDeleteRequest*, v1::VectorDeleteResponse*) override { return NotYet(ctx, "Vectors.Delete"); }
  grpc::Status Search(grpc::ServerContext* ctx, const v1::VectorSearchRequest*, v1::VectorSearchResponse*) override { return NotYet(ctx, "Vectors.Search"); }
  grpc::Status BatchSearch(grpc::ServerContext* ctx, const v1::VectorBatchSearchRequest*, v1::VectorBatchSearchResponse*) override { return NotYet(ctx, "Vectors.BatchSearch"); }
};

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

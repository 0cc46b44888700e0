// The Vectors gRPC service: collections, upserts, gets and top-k searches
// with metadata filters (spec/api.md §8).
// Thread safety: handlers run concurrently; the engine is thread-safe.
#pragma once

#include "storage/engine.h"
#include "strata/v1/vectors.grpc.pb.h"

namespace strata::server {

class VectorsService final : public v1::Vectors::Service {
 public:
  // `max_message_bytes`: the server's --max-message-size; a search answer
  // past it is refused naming the limit (not gRPC's bare "larger than max").
  VectorsService(storage::Engine& engine, size_t max_message_bytes)
      : engine_(engine), max_message_bytes_(max_message_bytes) {}

  grpc::Status CreateCollection(grpc::ServerContext* ctx, const v1::CreateCollectionRequest* req,
                                v1::WriteResponse* resp) override;
  grpc::Status DeleteCollection(grpc::ServerContext* ctx, const v1::DeleteCollectionRequest* req,
                                v1::DeleteCollectionResponse* resp) override;
  grpc::Status ListCollections(grpc::ServerContext* ctx, const v1::ListCollectionsRequest* req,
                               v1::ListCollectionsResponse* resp) override;
  grpc::Status CollectionStats(grpc::ServerContext* ctx, const v1::CollectionStatsRequest* req,
                               v1::CollectionInfo* resp) override;
  grpc::Status Upsert(grpc::ServerContext* ctx, const v1::VectorUpsertRequest* req, v1::WriteResponse* resp) override;
  grpc::Status BatchUpsert(grpc::ServerContext* ctx, const v1::VectorBatchUpsertRequest* req,
                           v1::VectorBatchUpsertResponse* resp) override;
  grpc::Status Get(grpc::ServerContext* ctx, const v1::VectorGetRequest* req, v1::VectorGetResponse* resp) override;
  grpc::Status Delete(grpc::ServerContext* ctx, const v1::VectorDeleteRequest* req,
                      v1::VectorDeleteResponse* resp) override;
  grpc::Status Search(grpc::ServerContext* ctx, const v1::VectorSearchRequest* req,
                      v1::VectorSearchResponse* resp) override;
  grpc::Status BatchSearch(grpc::ServerContext* ctx, const v1::VectorBatchSearchRequest* req,
                           v1::VectorBatchSearchResponse* resp) override;

 private:
  storage::Engine& engine_;
  size_t max_message_bytes_;
};

}  // namespace strata::server

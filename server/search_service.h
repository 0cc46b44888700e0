// The Search gRPC service: keyword (BM25) search across primitives
// (spec/api.md §12; storage/text_search.h does the work).
// Thread safety: handlers run concurrently; the engine is thread-safe.
#pragma once

#include "storage/engine.h"
#include "strata/v1/search.grpc.pb.h"

namespace strata::server {

class SearchService final : public v1::Search::Service {
 public:
  explicit SearchService(storage::Engine& engine) : engine_(engine) {}

  grpc::Status Search(grpc::ServerContext* ctx, const v1::SearchRequest* req, v1::SearchResponse* resp) override;

 private:
  storage::Engine& engine_;
};

}  // namespace strata::server

// The Spaces gRPC service (spec/api.md §10): namespaces inside a branch.
// Thread safety: handlers run concurrently; the engine is thread-safe.
#pragma once

#include "storage/engine.h"
#include "strata/v1/spaces.grpc.pb.h"

namespace strata::server {

class SpacesService final : public v1::Spaces::Service {
 public:
  explicit SpacesService(storage::Engine& engine) : engine_(engine) {}

  grpc::Status Create(grpc::ServerContext* ctx, const v1::SpaceRequest* req, v1::SpaceCreateResponse* resp) override;
  grpc::Status List(grpc::ServerContext* ctx, const v1::SpaceListRequest* req, v1::SpaceListResponse* resp) override;
  grpc::Status Exists(grpc::ServerContext* ctx, const v1::SpaceRequest* req, v1::SpaceExistsResponse* resp) override;
  grpc::Status Delete(grpc::ServerContext* ctx, const v1::SpaceDeleteRequest* req,
                      v1::SpaceDeleteResponse* resp) override;

 private:
  storage::Engine& engine_;
};

}  // namespace strata::server

// The Branches gRPC service (spec/api.md §9): the branch catalog, diff and
// merge, export and import.
// Thread safety: handlers run concurrently; the engine is thread-safe.
#pragma once

#include "storage/engine.h"
#include "strata/v1/branches.grpc.pb.h"

namespace strata::server {

class BranchesService final : public v1::Branches::Service {
 public:
  // `max_message_bytes`: the server's --max-message-size, which a diff's or
  // a merge's answer must fit in (values are left out when they do not).
  BranchesService(storage::Engine& engine, size_t max_message_bytes)
      : engine_(engine), max_message_bytes_(max_message_bytes) {}

  grpc::Status Create(grpc::ServerContext* ctx, const v1::BranchCreateRequest* req, v1::BranchInfo* resp) override;
  grpc::Status Fork(grpc::ServerContext* ctx, const v1::BranchForkRequest* req, v1::BranchForkResponse* resp) override;
  grpc::Status Get(grpc::ServerContext* ctx, const v1::BranchGetRequest* req, v1::BranchInfo* resp) override;
  grpc::Status List(grpc::ServerContext* ctx, const v1::BranchListRequest* req, v1::BranchListResponse* resp) override;
  grpc::Status Delete(grpc::ServerContext* ctx, const v1::BranchDeleteRequest* req,
                      v1::BranchDeleteResponse* resp) override;
  grpc::Status Diff(grpc::ServerContext* ctx, const v1::BranchDiffRequest* req, v1::BranchDiffResponse* resp) override;
  grpc::Status Merge(grpc::ServerContext* ctx, const v1::BranchMergeRequest* req,
                     v1::BranchMergeResponse* resp) override;
  grpc::Status Export(grpc::ServerContext* ctx, const v1::BranchExportRequest* req,
                      grpc::ServerWriter<v1::BundleChunk>* writer) override;
  grpc::Status Import(grpc::ServerContext* ctx, grpc::ServerReader<v1::BundleChunk>* reader,
                      v1::BranchImportResponse* resp) override;

 private:
  storage::Engine& engine_;
  size_t max_message_bytes_;
};

}  // namespace strata::server

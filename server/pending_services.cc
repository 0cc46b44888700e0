#include "server/pending_services.h"

#include "server/error_mapping.h"

namespace strata::server {

grpc::Status NotYet(grpc::ServerContext* ctx, const char* rpc) {
  return ToGrpc(ctx, storage::Status::Unimplemented(std::string(rpc) + " is not implemented in this release of stratad"));
}

std::vector<std::unique_ptr<grpc::Service>> MakePendingServices() {
  std::vector<std::unique_ptr<grpc::Service>> out;
  out.push_back(std::make_unique<PendingTransactionsService>());
  out.push_back(std::make_unique<PendingSearchService>());
  return out;
}

}  // namespace strata::server

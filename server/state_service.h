// The State gRPC service: state cells with init and compare-and-swap.
// Thread safety: handlers run concurrently; the engine is thread-safe.
#pragma once

#include <cstddef>

#include "storage/engine.h"
#include "strata/v1/state.grpc.pb.h"

namespace strata::server {

class StateService final : public v1::State::Service {
 public:
  // `max_message_bytes`: the server's --max-message-size, which long
  // answers are paged to fit.
  StateService(storage::Engine& engine, size_t max_message_bytes) : engine_(engine), max_message_bytes_(max_message_bytes) {}

  grpc::Status Set(grpc::ServerContext* ctx, const v1::StateSetRequest* req, v1::WriteResponse* resp) override;
  grpc::Status Get(grpc::ServerContext* ctx, const v1::StateGetRequest* req, v1::StateGetResponse* resp) override;
  grpc::Status Init(grpc::ServerContext* ctx, const v1::StateSetRequest* req, v1::WriteResponse* resp) override;
  grpc::Status Cas(grpc::ServerContext* ctx, const v1::StateCasRequest* req, v1::WriteResponse* resp) override;
  grpc::Status Delete(grpc::ServerContext* ctx, const v1::StateDeleteRequest* req,
                      v1::StateDeleteResponse* resp) override;
  grpc::Status List(grpc::ServerContext* ctx, const v1::StateListRequest* req, v1::NameList* resp) override;
  grpc::Status History(grpc::ServerContext* ctx, const v1::StateHistoryRequest* req,
                       v1::HistoryResponse* resp) override;

 private:
  storage::Engine& engine_;
  size_t max_message_bytes_;
};

}  // namespace strata::server

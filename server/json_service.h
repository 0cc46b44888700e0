// The Json gRPC service: JSON documents updated by path.
// Thread safety: handlers run concurrently; the engine is thread-safe.
#pragma once

#include <cstddef>

#include "storage/engine.h"
#include "strata/v1/json.grpc.pb.h"

namespace strata::server {

class JsonService final : public v1::Json::Service {
 public:
  // `max_message_bytes`: the server's --max-message-size, which long
  // answers are paged to fit.
  JsonService(storage::Engine& engine, size_t max_message_bytes) : engine_(engine), max_message_bytes_(max_message_bytes) {}

  grpc::Status Set(grpc::ServerContext* ctx, const v1::JsonSetRequest* req, v1::WriteResponse* resp) override;
  grpc::Status Get(grpc::ServerContext* ctx, const v1::JsonGetRequest* req, v1::JsonGetResponse* resp) override;
  grpc::Status Delete(grpc::ServerContext* ctx, const v1::JsonDeleteRequest* req, v1::JsonDeleteResponse* resp) override;
  grpc::Status List(grpc::ServerContext* ctx, const v1::JsonListRequest* req, v1::NameList* resp) override;
  grpc::Status History(grpc::ServerContext* ctx, const v1::JsonHistoryRequest* req, v1::HistoryResponse* resp) override;

 private:
  storage::Engine& engine_;
  size_t max_message_bytes_;
};

}  // namespace strata::server

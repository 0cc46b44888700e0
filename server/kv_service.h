// The KV gRPC service: validates request shape, calls the engine, converts.
// Thread safety: handlers run concurrently; the engine is thread-safe.
#pragma once

#include <cstddef>

#include "storage/engine.h"
#include "strata/v1/kv.grpc.pb.h"

namespace strata::server {

class KvService final : public v1::KV::Service {
 public:
  // `max_message_bytes`: the server's --max-message-size, which long
  // answers are paged to fit.
  KvService(storage::Engine& engine, size_t max_message_bytes) : engine_(engine), max_message_bytes_(max_message_bytes) {}

  grpc::Status Put(grpc::ServerContext* ctx, const v1::KvPutRequest* req, v1::WriteResponse* resp) override;
  grpc::Status Get(grpc::ServerContext* ctx, const v1::KvGetRequest* req, v1::KvGetResponse* resp) override;
  grpc::Status Delete(grpc::ServerContext* ctx, const v1::KvDeleteRequest* req, v1::KvDeleteResponse* resp) override;
  grpc::Status List(grpc::ServerContext* ctx, const v1::KvListRequest* req, v1::NameList* resp) override;
  grpc::Status History(grpc::ServerContext* ctx, const v1::KvHistoryRequest* req, v1::HistoryResponse* resp) override;

 private:
  storage::Engine& engine_;
  size_t max_message_bytes_;
};

}  // namespace strata::server

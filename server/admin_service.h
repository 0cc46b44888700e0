// The Admin gRPC service: ping, info, flush, compact, time range.
// Thread safety: handlers run concurrently; the engine is thread-safe.
#pragma once

#include <chrono>

#include "storage/engine.h"
#include "strata/v1/admin.grpc.pb.h"

namespace strata::server {

// The server's version string, as Ping and Info report it.
const char* ServerVersion();

class AdminService final : public v1::Admin::Service {
 public:
  AdminService(storage::Engine& engine, size_t max_message_bytes)
      : engine_(engine), max_message_bytes_(max_message_bytes), started_(std::chrono::steady_clock::now()) {}

  grpc::Status Ping(grpc::ServerContext* ctx, const v1::PingRequest* req, v1::PingResponse* resp) override;
  grpc::Status Info(grpc::ServerContext* ctx, const v1::InfoRequest* req, v1::InfoResponse* resp) override;
  grpc::Status Flush(grpc::ServerContext* ctx, const v1::FlushRequest* req, v1::FlushResponse* resp) override;
  grpc::Status Compact(grpc::ServerContext* ctx, const v1::CompactRequest* req, v1::CompactResponse* resp) override;
  grpc::Status TimeRange(grpc::ServerContext* ctx, const v1::TimeRangeRequest* req,
                         v1::TimeRangeResponse* resp) override;

 private:
  storage::Engine& engine_;
  size_t max_message_bytes_;  // --max-message-size, reported by Info
  std::chrono::steady_clock::time_point started_;
};

}  // namespace strata::server

// HealthService: grpc.health.v1.Health (Check and Watch) on gRPC's synchronous
// API, served in place of gRPC's built-in health service.
//
// Why not the built-in one: in gRPC 1.51 it is a callback-API service, and a
// server with any callback service starts two "nexting" threads that poll the
// same sockets as the synchronous server's threads. A request one of them
// reads is handed to a synchronous thread (~1.3 thread switches per call),
// which cost every call time: measured with two servers side by side, a
// vector search took 577 us with the built-in service and 520 us without it.
//
// The name "" is the whole server, SERVING from start until Shutdown; any
// other name is unknown (Check: NOT_FOUND; Watch: SERVICE_UNKNOWN), as with
// the built-in service when only "" is set.
//
// A Watch holds a server thread while it is open (the synchronous API has no
// other way to wait), so at most `max_watches` are open at once; more are
// refused with RESOURCE_EXHAUSTED. A Watch ends when its client cancels or
// goes away (noticed within kWatchPoll), or at Shutdown, after sending
// NOT_SERVING.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "grpc/health/v1/health.grpc.pb.h"

namespace strata::server {

class HealthService final : public grpc::health::v1::Health::Service {
 public:
  static constexpr std::chrono::milliseconds kWatchPoll{200};

  explicit HealthService(uint32_t max_watches) : max_watches_(max_watches) {}

  grpc::Status Check(grpc::ServerContext* ctx, const grpc::health::v1::HealthCheckRequest* req,
                     grpc::health::v1::HealthCheckResponse* resp) override;
  grpc::Status Watch(grpc::ServerContext* ctx, const grpc::health::v1::HealthCheckRequest* req,
                     grpc::ServerWriter<grpc::health::v1::HealthCheckResponse>* writer) override;

  // The whole server ("") becomes NOT_SERVING for good: every Watch sends
  // that and ends, and later ones do the same at once.
  void Shutdown();

 private:
  using ServingStatus = grpc::health::v1::HealthCheckResponse::ServingStatus;
  ServingStatus StatusOf(const std::string& service) const;  // mu_ held

  const uint32_t max_watches_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  bool shut_down_ = false;
  uint32_t open_watches_ = 0;
};

}  // namespace strata::server

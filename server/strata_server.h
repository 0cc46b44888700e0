// StrataServer: the gRPC server with every strata service, health checking and
// reflection, bound to the configured address.
// Thread safety: Shutdown may be called from any thread, once.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "server/activity.h"
#include "server/config.h"
#include "server/server_metrics.h"
#include "server/server_security.h"
#include "storage/engine.h"
#include "storage/status.h"

namespace strata::server {

class HealthService;

class StrataServer {
 public:
  // Builds, binds and starts serving. kInternal naming the address when it
  // cannot be bound (in use, bad host). `security` says TLS or plaintext and
  // whether tokens are checked; `metrics`, when given, must outlive the server.
  static storage::Result<std::unique_ptr<StrataServer>> Start(const Config& config, storage::Engine& engine,
                                                              const ServerSecurity& security = {},
                                                              ServerMetrics* metrics = nullptr);
  ~StrataServer();

  // "host:port" with the port actually bound (useful with port 0).
  const std::string& bound_address() const { return bound_address_; }

  // Calls in progress and idle time, for --idle-exit-ms.
  const ActivityTracker& activity() const { return activity_; }

  // Stops accepting calls, lets in-flight ones finish within `grace`, then
  // cancels the rest.
  void Shutdown(std::chrono::milliseconds grace);

 private:
  StrataServer() = default;
  ActivityTracker activity_;  // outlives server_, whose interceptors report to it
  std::vector<std::unique_ptr<grpc::Service>> services_;
  HealthService* health_ = nullptr;  // one of services_
  std::unique_ptr<grpc::Server> server_;
  std::string bound_address_;
};

// Writes `address` and a newline to `path` atomically (temp file + rename), so
// a reader never sees a partial address. `more_lines` follow it ("metrics=HOST:PORT"):
// readers that want the address take the first line.
storage::Status WriteReadyFile(const std::string& path, const std::string& address,
                               const std::vector<std::string>& more_lines = {});

}  // namespace strata::server

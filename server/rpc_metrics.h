// Per-rpc metrics as a gRPC server interceptor: every finished call counted by
// method and status code, and its duration observed (server_metrics.h).
#pragma once

#include <grpcpp/support/server_interceptor.h>

#include <memory>

#include "server/server_metrics.h"

namespace strata::server {

// A factory for the server builder; `metrics` must outlive the server.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeRpcMetrics(ServerMetrics* metrics);

}  // namespace strata::server

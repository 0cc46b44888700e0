// Per-call logging as a gRPC server interceptor: every call at debug level with
// its method, status and duration; calls slower than a threshold at warn.
#pragma once

#include <grpcpp/support/server_interceptor.h>

#include <chrono>
#include <memory>
#include <vector>

namespace strata::server {

// Interceptor factories to install on the server builder.
std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> MakeCallLogging(
    std::chrono::milliseconds slow_call);

}  // namespace strata::server

// gRPC C++ answers a request it cannot parse (a proto3 string field that is not
// valid UTF-8, or malformed bytes) with a bare INTERNAL before any handler
// runs. That is the client's mistake, not a server failure: this interceptor
// turns it into INVALID_ARGUMENT with reason "validation" and a message naming
// the method (spec/api.md §14: bad input is a ValidationError).
#pragma once

#include <grpcpp/support/server_interceptor.h>

#include <memory>

namespace strata::server {

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeUnparsableRequestMapping();

}  // namespace strata::server

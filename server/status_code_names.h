// gRPC status codes by their canonical names ("OK", "PERMISSION_DENIED"), as
// metrics labels and one-line messages show them.
#pragma once

#include <grpcpp/support/status.h>

#include <string_view>

namespace strata::server {

std::string_view StatusCodeName(grpc::StatusCode code);

}  // namespace strata::server

// The one table from storage errors to gRPC statuses. Every handler returns
// through it, so a client always gets a precise code plus a machine-readable
// reason in the "strata-reason" trailing metadata (never UNKNOWN).
#pragma once

#include <grpcpp/grpcpp.h>

#include "storage/status.h"

namespace strata::server {

inline constexpr const char* kReasonMetadataKey = "strata-reason";

// The wire code and reason of a storage code, for callers that have no
// ServerContext to attach a trailer to (the access check runs before one exists).
struct WireError {
  grpc::StatusCode code;
  const char* reason;
};
WireError ToWireError(storage::Code code);

// Converts `status` and attaches its reason to `context`'s trailing metadata.
grpc::Status ToGrpc(grpc::ServerContext* context, const storage::Status& status);

// Shorthand for a request whose shape is wrong before storage sees it.
grpc::Status InvalidArgument(grpc::ServerContext* context, const std::string& message);

}  // namespace strata::server

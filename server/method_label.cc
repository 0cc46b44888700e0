#include "server/method_label.h"

#include <algorithm>

#include "server/method_roles.h"

namespace strata::server {
namespace {

// Served besides the access table (which covers every strata.v1 rpc). Exact
// names, not IsOpenMethod's prefixes: a made-up method under an open service
// must not get a series of its own either. Reflection is v1alpha only in
// gRPC 1.51.
constexpr std::string_view kOpenMethods[] = {
    "/grpc.health.v1.Health/Check",
    "/grpc.health.v1.Health/Watch",
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
};

}  // namespace

std::string_view RpcMethodLabel(std::string_view full_method) {
  if (RequiredRole(full_method)) return full_method;
  if (std::find(std::begin(kOpenMethods), std::end(kOpenMethods), full_method) != std::end(kOpenMethods)) {
    return full_method;
  }
  return "unknown";
}

}  // namespace strata::server

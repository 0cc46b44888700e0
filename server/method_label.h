// The `method` label of the rpc metrics (docs/metrics.md): the full name of a
// method this server serves, or "unknown" for anything else.
//
// Why not the name the call arrived with: the token check runs before gRPC
// looks for a handler, so a refused call carries the client's raw :path. One
// series per made-up path let anyone who can reach the port grow /metrics and
// the server's memory without bound, and a path that is not UTF-8 broke the
// Prometheus text format for every scrape. The set of labels must stay small
// and fixed whoever calls.
#pragma once

#include <string_view>

namespace strata::server {

// The label for a call to `full_method`: `full_method` itself when it is an rpc
// of the access table or one of the health and reflection methods served
// without a token; otherwise "unknown" (gRPC's own name for a call that has no
// handler).
std::string_view RpcMethodLabel(std::string_view full_method);

}  // namespace strata::server

// Token access control, run by gRPC core before a call reaches any handler:
// an auth metadata processor installed on the listening credentials (TLS or
// plaintext alike). A server interceptor cannot refuse a call before its
// handler runs in this gRPC version (1.51), so the check lives here.
//
// The processor cannot attach trailing metadata, so a refused call carries no
// strata-reason trailer: its status code (UNAUTHENTICATED, PERMISSION_DENIED)
// is what clients map, and the message says what to fix.
#pragma once

#include <grpc/grpc_security.h>
#include <grpcpp/support/status.h>

#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "server/auth_tokens.h"
#include "storage/status.h"

namespace strata::server {

// Told about every refused call (the rpc and the code it got), e.g. for metrics.
// `method` is the :path as the client sent it: any bytes, not necessarily a
// method the server serves (RpcMethodLabel bounds it for metrics).
using AccessDeniedObserver = std::function<void(std::string_view method, grpc::StatusCode code)>;

// The decision for one call: OK, kUnauthenticated (no or unknown token) or
// kPermissionDenied (role too low, or a method missing from the access table).
// `authorization` is the "authorization" metadata value, if any.
storage::Status CheckAccess(const TokenTable& tokens, std::string_view method,
                            std::optional<std::string_view> authorization);

// Makes `creds` check every call with CheckAccess. The authorization header is
// consumed: handlers, interceptors and logs never see a token.
void InstallAccessCheck(grpc_server_credentials* creds, std::shared_ptr<const TokenTable> tokens,
                        AccessDeniedObserver on_denied);

}  // namespace strata::server

// The credentials stratad listens with: TLS (requiring client certificates
// when --tls-client-ca is given) or plaintext, each with the token check of
// --auth-token-file when there is one.
#pragma once

#include <grpcpp/security/server_credentials.h>

#include <memory>

#include "server/access_check.h"
#include "server/auth_tokens.h"
#include "server/tls_files.h"

namespace strata::server {

// `tls` null: plaintext. `tokens` null: no token check.
std::shared_ptr<grpc::ServerCredentials> MakeListenCredentials(const TlsFiles* tls,
                                                               std::shared_ptr<const TokenTable> tokens,
                                                               AccessDeniedObserver on_denied);

}  // namespace strata::server

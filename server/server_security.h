// Everything about who may connect, settled before the database opens: the
// loopback policy, the TLS files and the token table. A bad file stops
// stratad at start with a message naming it.
#pragma once

#include <memory>
#include <optional>

#include "server/auth_tokens.h"
#include "server/config.h"
#include "server/tls_files.h"
#include "storage/status.h"

namespace strata::server {

struct ServerSecurity {
  std::optional<TlsFiles> tls;               // nullopt: plaintext
  std::shared_ptr<const TokenTable> tokens;  // null: no token check
};

storage::Result<ServerSecurity> LoadServerSecurity(const Config& config);

}  // namespace strata::server

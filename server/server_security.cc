#include "server/server_security.h"

#include "server/listen_policy.h"

namespace strata::server {

storage::Result<ServerSecurity> LoadServerSecurity(const Config& config) {
  STRATA_RETURN_IF_ERROR(CheckListenPolicy(config));
  ServerSecurity security;
  if (!config.tls_cert.empty()) {
    auto tls = LoadTlsFiles(config);
    if (!tls.ok()) return tls.status();
    security.tls = std::move(*tls);
  }
  if (!config.auth_token_file.empty()) {
    auto tokens = TokenTable::Load(config.auth_token_file);
    if (!tokens.ok()) return tokens.status();
    security.tokens = std::make_shared<const TokenTable>(std::move(*tokens));
  }
  return security;
}

}  // namespace strata::server

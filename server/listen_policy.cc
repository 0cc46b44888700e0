#include "server/listen_policy.h"

#include <arpa/inet.h>

#include <string>

namespace strata::server {
namespace {

std::string_view HostOf(std::string_view listen) {
  size_t colon = listen.rfind(':');
  std::string_view host = colon == std::string_view::npos ? listen : listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return host;
}

}  // namespace

bool IsLoopbackListen(std::string_view listen) {
  if (listen.starts_with("unix:")) return true;
  std::string host(HostOf(listen));
  if (host == "localhost") return true;
  in_addr v4;
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6;
  if (inet_pton(AF_INET6, host.c_str(), &v6) != 1) return false;
  if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
  return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

storage::Status CheckListenPolicy(const Config& config) {
  if (IsLoopbackListen(config.listen) || !config.auth_token_file.empty() || config.insecure_listen_any) {
    return storage::Status::Ok();
  }
  return storage::Status::InvalidArgument(
      "refusing to listen on " + config.listen +
      ": it is not a loopback address and no --auth-token-file is given, so anyone who can reach it could "
      "read and change every branch. Give --auth-token-file FILE (see docs/security.md), listen on "
      "127.0.0.1 or a unix: socket, or pass --insecure-listen-any if the network is trusted");
}

}  // namespace strata::server

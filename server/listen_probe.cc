#include "server/listen_probe.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace strata::server {

storage::Status ProbeListenAddress(const std::string& flag, const std::string& listen) {
  if (listen.rfind("unix:", 0) == 0) return storage::Status::Ok();
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return storage::Status::Ok();
  std::string host = listen.substr(0, colon);
  std::string port = listen.substr(colon + 1);
  if (port.empty() || port.find_first_not_of('0') == std::string::npos) return storage::Status::Ok();
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &found) != 0) {
    return storage::Status::Ok();
  }
  bool in_use = false;
  for (addrinfo* a = found; a != nullptr && !in_use; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    // As gRPC binds: a port whose last user is in TIME_WAIT is free.
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    in_use = bind(fd, a->ai_addr, a->ai_addrlen) != 0 && errno == EADDRINUSE;
    close(fd);
  }
  freeaddrinfo(found);
  if (!in_use) return storage::Status::Ok();
  return storage::Status::StateError("cannot listen on " + flag + " " + listen +
                                      ": the address is in use (another server listens there)");
}

}  // namespace strata::server

#include "tests/testutil/http_get.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace strata::testutil {

HttpResponse HttpGet(const std::string& host_port, const std::string& path) {
  size_t colon = host_port.rfind(':');
  std::string host = host_port.substr(0, colon);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::atoi(host_port.c_str() + colon + 1)));
  if (colon == std::string::npos || inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    return {0, "not an IPv4 host:port: " + host_port};
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {0, std::string("socket: ") + std::strerror(errno)};
  timeval timeout = {10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::string why = std::strerror(errno);
    close(fd);
    return {0, "connect " + host_port + ": " + why};
  }
  std::string request = "GET " + path + " HTTP/1.0\r\nHost: " + host_port + "\r\nConnection: close\r\n\r\n";
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return {0, "send failed"};
  }
  std::string raw;
  char buf[8192];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) raw.append(buf, static_cast<size_t>(n));
  close(fd);
  // "HTTP/1.x 200 OK\r\n...\r\n\r\nbody"
  size_t header_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/", 0) != 0 || header_end == std::string::npos) return {0, "malformed response: " + raw};
  return {std::atoi(raw.c_str() + raw.find(' ') + 1), raw.substr(header_end + 4)};
}

}  // namespace strata::testutil

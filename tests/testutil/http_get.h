// A minimal HTTP/1.0 GET for scraping the metrics endpoint in tests: no
// client library, bounded by a socket timeout.
#pragma once

#include <string>

namespace strata::testutil {

struct HttpResponse {
  int status = 0;    // 0 when the request failed
  std::string body;  // or the failure's description
};

// GET http://<host_port><path>; `host_port` is "127.0.0.1:PORT".
HttpResponse HttpGet(const std::string& host_port, const std::string& path);

}  // namespace strata::testutil

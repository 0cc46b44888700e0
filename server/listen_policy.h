// Loopback by default: without --auth-token-file anyone who can reach the port
// can read and write everything, so stratad only listens beyond this machine
// when tokens guard it or the operator says so with --insecure-listen-any.
#pragma once

#include <string_view>

#include "server/config.h"
#include "storage/status.h"

namespace strata::server {

// True for unix: sockets, localhost, 127.0.0.0/8 and ::1 (also as [::1] or
// ::ffff:127.x.y.z). `listen` is a --listen value ("host:port" or "unix:/path").
bool IsLoopbackListen(std::string_view listen);

// kInvalidArgument saying why and what to do when `config` would expose an
// unauthenticated server to the network.
storage::Status CheckListenPolicy(const Config& config);

}  // namespace strata::server

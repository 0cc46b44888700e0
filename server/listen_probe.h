// Whether a TCP listen address is free, asked before the database opens: a
// start that fails on a port already in use then leaves no database files
// behind (the real bind comes after Engine::Open, which creates them).
#pragma once

#include <string>

#include "storage/status.h"

namespace strata::server {

// kStateError naming `flag` and `listen` when a socket is already listening
// there. Socket paths, port 0 and anything the probe cannot judge (a host
// that does not resolve, say) are Ok: the real bind reports those.
storage::Status ProbeListenAddress(const std::string& flag, const std::string& listen);

}  // namespace strata::server

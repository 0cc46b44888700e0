// `stratad health-probe`: one grpc.health.v1.Health/Check against a running
// stratad, for container HEALTHCHECKs and scripts. Prints one line and exits 0
// when the server answers SERVING, 1 otherwise (not serving, unreachable,
// timed out, bad flags).
#pragma once

namespace strata::server {

// `argv[0]` is "health-probe"; the flags follow.
int RunHealthProbe(int argc, char** argv);

}  // namespace strata::server

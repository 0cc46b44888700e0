// Locating the grpcurl binary the e2e tests drive.
#pragma once

#include <string>

namespace strata::testutil {

// $GRPCURL, else <source dir>/.tools/bin/grpcurl. Empty when neither is executable.
std::string FindGrpcurl();

}  // namespace strata::testutil

#include "tests/testutil/grpcurl.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace strata::testutil {

std::string FindGrpcurl() {
  if (const char* env = std::getenv("GRPCURL"); env != nullptr && *env != '\0') {
    return access(env, X_OK) == 0 ? std::string(env) : std::string();
  }
  // This file is <source dir>/tests/testutil/grpcurl.cc.
  std::filesystem::path source_dir = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
  std::filesystem::path candidate = source_dir / ".tools" / "bin" / "grpcurl";
  return access(candidate.c_str(), X_OK) == 0 ? candidate.string() : std::string();
}

}  // namespace strata::testutil

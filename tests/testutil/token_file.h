// An --auth-token-file with one token of each role, for e2e tests.
#pragma once

#include <fstream>
#include <string>

namespace strata::testutil {

struct TestTokens {
  static constexpr const char* kRead = "read-token-0123456789abcdef";
  static constexpr const char* kWrite = "write-token-0123456789abcdef";
  static constexpr const char* kAdmin = "admin-token-0123456789abcdef";

  // Writes the file at `path` (with a comment and a blank line, as people
  // write them) and returns `path`.
  static std::string Write(const std::string& path) {
    std::ofstream out(path, std::ios::trunc);
    out << "# roles for the e2e tests\n\nread " << kRead << "\nwrite\t" << kWrite << "\n  admin   " << kAdmin
        << "  \n";
    return path;
  }
};

}  // namespace strata::testutil

// The bearer tokens of --auth-token-file and their roles. Only SHA-256 digests
// of the tokens are kept, and a presented token is compared with every digest
// in constant time, so neither memory dumps nor timing reveal a token.
// Format (docs/security.md): one `<role> <token>` per line, blank lines and
// lines starting with '#' ignored.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/method_roles.h"
#include "storage/status.h"

namespace strata::server {

// Tokens shorter than this are refused at load: a bearer token is a password.
inline constexpr size_t kMinTokenLength = 16;

class TokenTable {
 public:
  // Reads and validates `path`. Errors (kInvalidArgument) name the file and
  // the line, never the line's text: it may hold a token.
  static storage::Result<TokenTable> Load(const std::string& path);
  // Same, from the file's text (`origin` names it in errors).
  static storage::Result<TokenTable> Parse(std::string_view text, const std::string& origin);

  // The role of `token`, nullopt when it is not in the table.
  std::optional<Role> Authenticate(std::string_view token) const;
  size_t size() const { return entries_.size(); }

 private:
  using Digest = std::array<uint8_t, 32>;
  struct Entry {
    Digest digest;
    Role role;
  };
  static Digest DigestOf(std::string_view token);
  std::vector<Entry> entries_;
};

}  // namespace strata::server

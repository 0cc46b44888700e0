#include "server/auth_tokens.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <fstream>
#include <sstream>

namespace strata::server {
namespace {

std::vector<std::string_view> Words(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

}  // namespace

TokenTable::Digest TokenTable::DigestOf(std::string_view token) {
  Digest digest;
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest.data());
  return digest;
}

storage::Result<TokenTable> TokenTable::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return storage::Status::InvalidArgument("cannot read --auth-token-file \"" + path + "\"");
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return storage::Status::InvalidArgument("cannot read --auth-token-file \"" + path + "\"");
  return Parse(text.str(), path);
}

storage::Result<TokenTable> TokenTable::Parse(std::string_view text, const std::string& origin) {
  TokenTable table;
  std::vector<size_t> lines;  // the line each entry came from, for duplicate reports
  size_t line_number = 0;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    std::vector<std::string_view> words = Words(line);
    if (words.empty() || words[0].starts_with('#')) continue;
    // Messages never quote the line: a misplaced token must not reach a log.
    std::string where = "--auth-token-file \"" + origin + "\" line " + std::to_string(line_number) + ": ";
    if (words.size() != 2) {
      return storage::Status::InvalidArgument(where + "expected \"<role> <token>\" (two words), found " +
                                              std::to_string(words.size()));
    }
    std::optional<Role> role = ParseRole(words[0]);
    if (!role) return storage::Status::InvalidArgument(where + "the role must be read, write or admin");
    if (words[1].size() < kMinTokenLength) {
      return storage::Status::InvalidArgument(where + "the token is shorter than " +
                                              std::to_string(kMinTokenLength) + " characters");
    }
    Digest digest = DigestOf(words[1]);
    for (size_t i = 0; i < table.entries_.size(); ++i) {
      if (table.entries_[i].digest == digest) {
        return storage::Status::InvalidArgument(where + "the same token is already on line " +
                                                std::to_string(lines[i]));
      }
    }
    table.entries_.push_back(Entry{digest, *role});
    lines.push_back(line_number);
  }
  if (table.entries_.empty()) {
    return storage::Status::InvalidArgument("--auth-token-file \"" + origin + "\" holds no tokens");
  }
  return table;
}

std::optional<Role> TokenTable::Authenticate(std::string_view token) const {
  // Hashing first makes every comparison the same length; visiting every
  // entry without an early exit keeps the time independent of which matched.
  Digest presented = DigestOf(token);
  std::optional<Role> found;
  for (const Entry& entry : entries_) {
    if (CRYPTO_memcmp(entry.digest.data(), presented.data(), presented.size()) == 0) found = entry.role;
  }
  return found;
}

}  // namespace strata::server

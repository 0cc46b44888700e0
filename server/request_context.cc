#include "server/request_context.h"

#include <openssl/evp.h>

namespace strata::server {
namespace {
constexpr std::string_view kCursorTag = "c1:";
constexpr size_t kDefaultPageLimit = 1000;
constexpr size_t kMaxPageLimit = 10000;
}  // namespace

storage::Result<storage::Scope> ScopeOf(const v1::Context& context) {
  return storage::Scope{context.branch(), context.space(), context.txn_id()};
}

std::string EncodeCursor(const std::string& last_name) {
  std::string out(4 * ((last_name.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(last_name.data()), static_cast<int>(last_name.size()));
  out.resize(static_cast<size_t>(n));
  return std::string(kCursorTag) + out;
}

storage::Result<std::optional<std::string>> DecodeCursor(const std::string& cursor) {
  if (cursor.empty()) return std::optional<std::string>();
  auto bad = storage::Status::InvalidArgument("malformed cursor: pass back a next_cursor exactly as received");
  if (cursor.compare(0, kCursorTag.size(), kCursorTag) != 0) return bad;
  std::string b64 = cursor.substr(kCursorTag.size());
  if (b64.empty() || b64.size() % 4 != 0) return bad;
  // Strict base64: '=' only as the last one or two characters.
  size_t pad = 0;
  for (auto it = b64.rbegin(); it != b64.rend() && *it == '='; ++it) ++pad;
  if (pad > 2 || b64.find('=') < b64.size() - pad) return bad;
  std::string out(b64.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
  if (n < 0 || static_cast<size_t>(n) < pad) return bad;
  // EVP_DecodeBlock keeps the padding bytes as zeros; drop one per '='.
  out.resize(static_cast<size_t>(n) - pad);
  return std::optional<std::string>(std::move(out));
}

storage::Result<size_t> PageLimit(uint32_t requested) {
  if (requested == 0) return kDefaultPageLimit;
  if (requested > kMaxPageLimit) {
    return storage::Status::InvalidArgument("limit must be at most " + std::to_string(kMaxPageLimit) + ", got " +
                                            std::to_string(requested));
  }
  return static_cast<size_t>(requested);
}

}  // namespace strata::server

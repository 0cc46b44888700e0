#include "storage/key_codec.h"

#include <openssl/evp.h>

namespace strata::storage {

void AppendU32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

void AppendU64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

uint32_t ReadU32(std::string_view in) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

uint64_t ReadU64(std::string_view in) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

std::string ScopePrefix(uint32_t branch, uint32_t space, Primitive primitive) {
  std::string out;
  out.reserve(kScopeBytes);
  AppendU32(out, branch);
  AppendU32(out, space);
  out.push_back(static_cast<char>(primitive));
  return out;
}

void AppendEncodedName(std::string& out, std::string_view name, size_t inline_bytes) {
  if (name.size() <= inline_bytes) {
    out.append(name);
    out.push_back('\0');
    return;
  }
  out.append(name.substr(0, inline_bytes));
  out.push_back('\x01');
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(name.data(), name.size(), digest, &len, EVP_sha256(), nullptr);
  out.append(reinterpret_cast<const char*>(digest), kNameHashBytes);
}

std::string NamePrefix(uint32_t branch, uint32_t space, Primitive primitive, std::string_view name) {
  std::string out = ScopePrefix(branch, space, primitive);
  AppendEncodedName(out, name, kInlineNameBytes);
  return out;
}

std::string RecordKey(std::string_view name_prefix, uint64_t version) {
  std::string out(name_prefix);
  AppendU64(out, ~version);
  return out;
}

uint64_t RecordKeyVersion(std::string_view record_key) {
  return ~ReadU64(record_key.substr(record_key.size() - 8));
}

std::string_view RecordKeyNamePrefix(std::string_view record_key) {
  return record_key.substr(0, record_key.size() - 8);
}

bool RecordKeyNameTruncated(std::string_view record_key, size_t scope_bytes) {
  // A truncated name has exactly kInlineNameBytes name bytes, 0x01 and the hash.
  return record_key.size() == scope_bytes + kInlineNameBytes + 1 + kNameHashBytes + 8 &&
         record_key[scope_bytes + kInlineNameBytes] == '\x01';
}

std::string_view RecordKeyInlineName(std::string_view record_key, size_t scope_bytes) {
  // Inline names end with the 0x00 terminator just before the version.
  return record_key.substr(scope_bytes, record_key.size() - scope_bytes - 9);
}

std::string PrefixSuccessor(std::string_view s) {
  std::string out(s);
  while (!out.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(out.back());
    if (last != 0xff) {
      ++last;
      return out;
    }
    out.pop_back();
  }
  return out;
}

}  // namespace strata::storage

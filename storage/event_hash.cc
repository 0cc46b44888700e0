#include "storage/event_hash.h"

#include <openssl/evp.h>

#include <cstring>

#include "storage/key_codec.h"

namespace strata::storage {
namespace {

void AppendLength(std::string& out, size_t n) { AppendU32(out, static_cast<uint32_t>(n)); }

void Encode(const Value& v, std::string& out) {
  switch (v.type()) {
    case Value::value_t::null:
    case Value::value_t::discarded:
      out.push_back('n');
      return;
    case Value::value_t::boolean:
      out.push_back(v.get<bool>() ? 't' : 'f');
      return;
    case Value::value_t::number_integer:
      out.push_back('i');
      AppendU64(out, static_cast<uint64_t>(v.get<int64_t>()));
      return;
    case Value::value_t::number_unsigned:
      out.push_back('i');
      AppendU64(out, v.get<uint64_t>());
      return;
    case Value::value_t::number_float: {
      double d = v.get<double>();
      uint64_t bits;
      std::memcpy(&bits, &d, sizeof bits);
      out.push_back('d');
      AppendU64(out, bits);
      return;
    }
    case Value::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      out.push_back('s');
      AppendLength(out, s.size());
      out.append(s);
      return;
    }
    case Value::value_t::binary: {
      const auto& b = v.get_binary();
      out.push_back('b');
      AppendLength(out, b.size());
      out.append(b.begin(), b.end());
      return;
    }
    case Value::value_t::array:
      out.push_back('a');
      AppendLength(out, v.size());
      for (const auto& item : v) Encode(item, out);
      return;
    case Value::value_t::object:
      out.push_back('o');
      AppendLength(out, v.size());
      for (const auto& [key, value] : v.items()) {
        AppendLength(out, key.size());
        out.append(key);
        Encode(value, out);
      }
      return;
  }
}

}  // namespace

std::string CanonicalEventEncoding(uint64_t sequence, std::string_view type, int64_t timestamp, const Value& payload) {
  std::string out;
  AppendU64(out, sequence);
  AppendLength(out, type.size());
  out.append(type);
  AppendU64(out, static_cast<uint64_t>(timestamp));
  Encode(payload, out);
  return out;
}

std::string EventHash(std::string_view prev_hash, uint64_t sequence, std::string_view type, int64_t timestamp,
                      const Value& payload) {
  std::string input(prev_hash);
  input += CanonicalEventEncoding(sequence, type, timestamp, payload);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), kHashBytes);
}

}  // namespace strata::storage

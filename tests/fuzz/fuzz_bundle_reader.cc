// libFuzzer target: the bundle reader (storage/bundle.h ReadBundle), which
// parses files users import: any bytes are a bundle or kInvalidArgument.
// Random bytes stop at the magic or a frame's CRC, so inputs whose first byte
// is even are wrapped first in a valid header and one data frame with the
// right CRC: the fuzzer then reaches the entry decoder.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "storage/bundle.h"

using namespace strata::storage;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string bytes;
  if (data[0] % 2 == 1) {
    bytes.assign(rest);
  } else {
    bytes.append(kBundleMagic);
    AppendU32(bytes, kBundleFormatVersion);
    bytes.append("\x00\x01", 2);
    bytes.push_back('f');
    bytes.push_back('D');
    AppendU32(bytes, static_cast<uint32_t>(rest.size()));
    AppendU32(bytes, Crc32(rest));
    bytes.append(rest);
  }
  auto parsed = ReadBundle(bytes);
  if (!parsed.ok() && parsed.status().code() != Code::kInvalidArgument) std::abort();
  return 0;
}

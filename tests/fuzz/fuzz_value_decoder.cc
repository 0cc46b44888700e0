// libFuzzer target: the stored-value decoder (storage/value.h DecodeValue).
// Any bytes read from LMDB must decode or fail with a status: never crash,
// never recurse without bound. What decodes must re-encode and decode to the
// same value (the codec is the on-disk format).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "storage/value.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto decoded = strata::storage::DecodeValue(bytes);
  if (!decoded.ok()) return 0;
  std::string again = strata::storage::EncodeValue(decoded.value());
  auto round = strata::storage::DecodeValue(again);
  if (!round.ok()) std::abort();  // a decoded value must re-encode decodably
  // NaN != NaN, so compare the encodings rather than the values.
  if (strata::storage::EncodeValue(round.value()) != again) std::abort();
  return 0;
}

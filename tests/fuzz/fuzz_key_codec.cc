// libFuzzer target: the record-key codec (storage/key_codec.h). Keys built from
// arbitrary names and versions must decode back to their version and name
// prefix; arbitrary bytes handed to the decoders must not read out of bounds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "storage/key_codec.h"

using namespace strata::storage;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 17) return 0;
  uint32_t branch, space;
  uint64_t version;
  std::memcpy(&branch, data, 4);
  std::memcpy(&space, data + 4, 4);
  std::memcpy(&version, data + 8, 8);
  Primitive primitive = static_cast<Primitive>(data[16] % 8 + 1);
  std::string name(reinterpret_cast<const char*>(data + 17), size - 17);
  // Names never hold NUL (names.cc refuses them) and are at most 1024 bytes.
  for (char& c : name) {
    if (c == '\0') c = 'n';
  }
  if (name.size() > kMaxNameBytes) name.resize(kMaxNameBytes);

  std::string prefix = NamePrefix(branch, space, primitive, name);
  std::string key = RecordKey(prefix, version);
  if (key.size() > 511) std::abort();  // LMDB's key limit
  if (RecordKeyVersion(key) != version) std::abort();
  if (RecordKeyNamePrefix(key) != prefix) std::abort();
  bool truncated = RecordKeyNameTruncated(key);
  if (truncated != (name.size() > kInlineNameBytes)) std::abort();
  if (!truncated && RecordKeyInlineName(key) != name) std::abort();
  if (prefix.compare(0, kScopeBytes, ScopePrefix(branch, space, primitive)) != 0) std::abort();
  std::string succ = PrefixSuccessor(prefix);
  if (!succ.empty() && !(key < succ)) std::abort();

  // The decoders on raw bytes: whatever they answer, they stay in bounds.
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  if (raw.size() >= kScopeBytes + 9) {
    (void)RecordKeyVersion(raw);
    (void)RecordKeyNamePrefix(raw);
    if (!RecordKeyNameTruncated(raw)) (void)RecordKeyInlineName(raw);
  }
  (void)PrefixSuccessor(raw);
  return 0;
}

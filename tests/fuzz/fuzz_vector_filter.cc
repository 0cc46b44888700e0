// libFuzzer target: the vector filter parser (storage/vector_filter.h) and the
// matcher. Input: field, op and a CBOR value separated by 0x00 bytes; the
// value also serves as metadata to match against.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "storage/vector_filter.h"

using namespace strata::storage;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t a = in.find('\0');
  if (a == std::string_view::npos) return 0;
  size_t b = in.find('\0', a + 1);
  if (b == std::string_view::npos) return 0;
  std::string_view field = in.substr(0, a), op = in.substr(a + 1, b - a - 1), rest = in.substr(b + 1);
  auto value = DecodeValue(rest);
  Value v = value.ok() ? value.value() : Value(std::string(rest));
  auto filter = ParseFilter(field, op, v, 0);
  if (!filter.ok()) {
    if (filter.status().code() != Code::kInvalidArgument) std::abort();
    return 0;
  }
  std::vector<Filter> filters{filter.value()};
  (void)MatchesAll(filters, v);
  (void)MatchesAll(filters, Value());
  Value meta = Value::object();
  meta[std::string(field)] = v;
  (void)MatchesAll(filters, meta);
  return 0;
}

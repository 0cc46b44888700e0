// libFuzzer target: the JSON path parser (storage/json_path.h) and the edits it
// drives. Any text parses or fails with kInvalidArgument; a parsed path can be
// set, found and erased on a small document without crashing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "storage/json_path.h"

using namespace strata::storage;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto path = ParseJsonPath(text);
  if (!path.ok()) {
    if (path.status().code() != Code::kInvalidArgument) std::abort();
    return 0;
  }
  Value doc = Value::parse(R"({"a": [1, {"b": "c"}, [2, 3]], "d": {"e": null}})");
  Value copy = doc;
  (void)FindAtPath(doc, path.value());
  Status st = SetAtPath(doc, path.value(), Value(42));
  if (st.ok()) {
    const Value* found = FindAtPath(doc, path.value());
    if (found == nullptr || *found != Value(42)) std::abort();  // set then find must agree
    if (!path.value().is_root()) (void)EraseAtPath(doc, path.value());
  } else if (st.code() != Code::kInvalidArgument) {
    std::abort();
  }
  if (!path.value().is_root()) (void)EraseAtPath(copy, path.value());
  return 0;
}

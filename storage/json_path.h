// The JSON path grammar of spec/api.md §7 and the edits it drives:
//   path    := "$" segment*
//   segment := "." name | "[" quoted "]" | "[" index "]"
//   name    := [A-Za-z0-9_-]+        quoted := '...' or "..." with \\ \' \" escapes
//   index   := digits | "-1"         (-1 is the last element)
// Anything else (wildcards, filters, "..", other negative indexes) is an error
// that names the offending position.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/status.h"
#include "storage/value.h"

namespace strata::storage {

struct PathSegment {
  bool is_index = false;
  std::string name;   // when !is_index
  int64_t index = 0;  // when is_index; -1 is the last element
};

struct JsonPath {
  std::string text;
  std::vector<PathSegment> segments;
  bool is_root() const { return segments.empty(); }
};

// kInvalidArgument: `invalid json path "$..a" at position 2: <what was expected>`.
Result<JsonPath> ParseJsonPath(std::string_view text);

// Sets `value` at `path` inside `doc`, building missing intermediate containers
// (an object before a name, an array before an index); an index equal to the
// array's length appends. kInvalidArgument on a type clash or an index out of range.
Status SetAtPath(Value& doc, const JsonPath& path, Value value);

// The value at `path`, or nullptr when any part of it is missing or of another type.
const Value* FindAtPath(const Value& doc, const JsonPath& path);

// Removes the value at `path` (not the root); returns whether something was removed.
bool EraseAtPath(Value& doc, const JsonPath& path);

// kInvalidArgument when `value` holds NaN or an infinity anywhere (JSON has neither).
Status RequireFiniteNumbers(const Value& value, std::string_view what);

}  // namespace strata::storage

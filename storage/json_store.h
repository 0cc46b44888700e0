// JSON documents updated by path (spec/api.md §7). Each write stores a new
// version of the whole document, so history and as_of work as for KV.
// Thread safety: all methods may be called from any thread. Path edits run
// inside the writer, so concurrent edits of one document never lose updates.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/engine_core.h"
#include "storage/value.h"
#include "storage/versioned_names.h"

namespace strata::storage {

struct JsonDeleteResult {
  uint32_t removed = 0;  // 0 or 1
  uint64_t version = 0;  // 0 when nothing was written
};

// Asked about each document a write is about to store (its key, the whole
// document and its encoded size): a failing status refuses the write and
// nothing is stored. stratad refuses documents it could not send back in one
// answer (server/json_size_check.h). Empty: every document is taken.
using JsonDocumentCheck = std::function<Status(std::string_view key, const Value& document, size_t encoded_bytes)>;

class JsonStore {
 public:
  explicit JsonStore(EngineCore& core, JsonDocumentCheck check = {}) : core_(core), check_(std::move(check)) {}

  // Sets `value` at `path`, creating the document when missing.
  // kInvalidArgument: bad key or path, non-finite numbers, type clash, index out of range.
  Result<uint64_t> Set(const Scope& scope, std::string_view key, std::string_view path, const Value& value);

  // The value at `path` with the document's version; nullopt when the document
  // or the path is missing.
  Result<std::optional<VersionedValue>> Get(const Scope& scope, std::string_view key, std::string_view path,
                                            std::optional<int64_t> as_of);

  // Removes the value at `path` ("$" removes the document).
  Result<JsonDeleteResult> Delete(const Scope& scope, std::string_view key, std::string_view path);

  // Existing documents with `prefix`, after `after`, at most `limit`
  // (1..10000); as of an instant when `as_of` is set.
  Result<NamePage> List(const Scope& scope, std::string_view prefix, const std::optional<std::string>& after,
                        size_t limit, std::optional<int64_t> as_of = std::nullopt);

  // Whole-document versions in `range` (all by default), newest first;
  // nullopt when the document never existed.
  Result<std::optional<std::vector<VersionedValue>>> History(const Scope& scope, std::string_view key,
                                                             const HistoryRange& range = {});

 private:
  EngineCore& core_;
  JsonDocumentCheck check_;
};

}  // namespace strata::storage

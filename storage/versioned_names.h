// Operations shared by every primitive whose data is "a name with a versioned
// value": KV pairs, state cells, JSON documents. Payloads are opaque here; the
// primitive's store encodes and decodes them.
//
// Thread safety: stateless; reads use the caller's view, writes run inside the writer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/engine_core.h"
#include "storage/value.h"

namespace strata::storage {

struct DeleteResult {
  bool existed = false;
  uint64_t version = 0;  // 0 when nothing was written
};

// A decoded record as primitives return it.
struct VersionedValue {
  Value value;
  uint64_t version = 0;
  int64_t timestamp = 0;
  bool deleted = false;
};

// Decodes a record's payload (a tombstone decodes to a null value, deleted = true).
Result<VersionedValue> ToVersionedValue(const Record& record);

// Which part of a history to read: the versions older than `before_version`
// (0: from the newest), newest first, at most `limit` of them.
struct HistoryRange {
  uint64_t before_version = 0;
  size_t limit = SIZE_MAX;
};

// Limits of one List page.
inline constexpr size_t kMaxListLimit = 10000;
Status ValidateListLimit(size_t limit);

class VersionedNames {
 public:
  // The live record of `name` in the view; nullopt when absent or deleted.
  static Result<std::optional<Record>> GetLive(const ReadView& view, Primitive p, std::string_view name);

  // The records of `name` in `range`, newest first; nullopt when it never
  // existed (a range past its oldest version is an empty list, not nullopt).
  static Result<std::optional<std::vector<Record>>> History(const ReadView& view, Primitive p,
                                                           std::string_view name, const HistoryRange& range = {});

  // History() with each record's payload decoded.
  static Result<std::optional<std::vector<VersionedValue>>> DecodedHistory(const ReadView& view, Primitive p,
                                                                          std::string_view name,
                                                                          const HistoryRange& range = {});

  // Checks the limit and the prefix, then lists live names.
  static Result<NamePage> List(const ReadView& view, Primitive p, std::string_view prefix,
                               const std::optional<std::string>& after, size_t limit);

  // Inside the writer: the live record of `name` at the latest version.
  static Result<std::optional<Record>> GetLiveForWrite(WriteContext& ctx, const WriteTarget& target, Primitive p,
                                                      std::string_view name);

  // Inside the writer: writes a new version of `name` (keeps the live count).
  static Result<uint64_t> Put(const EngineCore& core, WriteContext& ctx, const WriteTarget& target, Primitive p,
                              std::string_view name, std::string_view payload);

  // Inside the writer: writes a tombstone if `name` is live.
  static Result<DeleteResult> Delete(const EngineCore& core, WriteContext& ctx, const WriteTarget& target,
                                     Primitive p, std::string_view name);
};

}  // namespace strata::storage

// Conversions of storage results into the wire messages several services share.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "storage/record_store.h"
#include "storage/status.h"
#include "storage/versioned_names.h"
#include "strata/v1/kv.pb.h"
#include "strata/v1/value.pb.h"

namespace strata::server {

void ToProto(const storage::VersionedValue& in, v1::VersionedValue* out);

// Names of a page, with an opaque cursor when more follow.
void FillNames(const storage::NamePage& page, v1::NameList* out);

// The most entries one History answer holds: a page of a long history reads
// that many records, not the whole history.
inline constexpr size_t kHistoryPageEntries = 1000;

// What a History page asks storage for: the entries older than
// `before_version` (0: from the newest), one more than a page holds (to tell
// whether more follow).
storage::HistoryRange HistoryPageRange(uint64_t before_version);

// Fills `out` from entries read with HistoryPageRange: as many as fit within
// `max_message_bytes` and kHistoryPageEntries, newest first; `more` is set
// when some were left out. ResourceExhausted when not even the first fits.
storage::Status FillHistory(const std::optional<std::vector<storage::VersionedValue>>& history,
                            size_t max_message_bytes, v1::HistoryResponse* out);

}  // namespace strata::server

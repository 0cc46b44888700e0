// What keyword search reads out of each primitive's records (docs/search.md
// "What is indexed"): the string leaves of KV and state values and JSON
// documents (object keys are not indexed: they name fields, and would match
// every document of a shape), an event's type then its payload's string leaves,
// a vector's metadata string leaves. Numbers, booleans and bytes carry no words.
//
// Thread safety: stateless functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/key_codec.h"
#include "storage/value.h"

namespace strata::storage {

// The searchable text fields of a record payload of `primitive` (kv, state,
// json, vector); empty for other primitives and for payloads that cannot be
// decoded (a corrupt record is reported by the primitive's own reads).
std::vector<std::string> RecordText(Primitive primitive, std::string_view payload);

// The searchable text fields of an event.
std::vector<std::string> EventText(std::string_view type, const Value& payload);

// A stored event record (storage/event_log.h layout), as search needs it.
struct StoredEvent {
  uint64_t version = 0;
  std::vector<std::string> fields;
};
std::optional<StoredEvent> ParseEventRecord(std::string_view value);
// The version of a stored event record without decoding the rest; nullopt when short.
std::optional<uint64_t> EventRecordVersion(std::string_view value);

// What search shows as the entity of a record: the name, except for vectors
// ("collection/key", without the incarnation the record name carries).
std::string EntityDisplayName(Primitive primitive, std::string_view record_name);

// True for the primitives whose records are indexed by name (not events).
bool IsIndexedRecordPrimitive(Primitive primitive);

}  // namespace strata::storage

// The event log's hash chain: the canonical encoding of an event and its hash.
// on disk and on the wire: never change (docs/format.md "Event hash chain"):
//   hash = SHA-256(prev_hash || canonical)
//   canonical = u64be(sequence) || u32be(len(type)) || type || i64be(timestamp) || enc(payload)
//   enc: 'n' null | 'f' false | 't' true | 'i' i64be | 'd' f64be (IEEE-754 bits)
//      | 's' u32be(len) utf8 | 'b' u32be(len) bytes | 'a' u32be(count) enc(item)...
//      | 'o' u32be(count) (u32be(len) key enc(value))...   (keys in stored order)
// The first event's prev_hash is 32 zero bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/value.h"

namespace strata::storage {

inline constexpr size_t kHashBytes = 32;

std::string CanonicalEventEncoding(uint64_t sequence, std::string_view type, int64_t timestamp, const Value& payload);

// SHA-256(prev_hash || canonical encoding), 32 raw bytes.
std::string EventHash(std::string_view prev_hash, uint64_t sequence, std::string_view type, int64_t timestamp,
                      const Value& payload);

}  // namespace strata::storage

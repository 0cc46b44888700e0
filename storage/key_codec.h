// Record keys: how a versioned record of any primitive is addressed in LMDB.
//
// on disk: never change. Layout (docs/format.md):
//   [branch id u32 BE][space id u32 BE][primitive u8][encoded name][~version u64 BE]
// encoded name:
//   names of at most kInlineNameBytes bytes: the name, then 0x00;
//   longer names: the first kInlineNameBytes bytes, 0x01, then the first 16 bytes
//   of SHA-256(name). The full name is then kept in the record's value.
// Names never contain NUL, so the 0x00 terminator keeps bytewise name order,
// and LMDB's 511-byte key limit holds for 1024-byte names.
// The inverted (bitwise NOT) version puts the newest record of a name first.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace strata::storage {

// on disk: never change.
enum class Primitive : uint8_t {
  kKv = 1,
  kState = 2,
  kJson = 3,
  kEvent = 4,
  kVector = 5,
  kCollection = 6,
  kEventByType = 7,  // index: [scope][event type][0x00][sequence u64] -> ""
  // Per-branch change index (space id 0), one entry per record or event written:
  //   [branch][space 0][kChange][version u64][space u32][primitive u8][encoded name] -> name
  // (events: the 8-byte big-endian sequence as the name). See storage/change_index.h.
  kChange = 8,
  // index: [scope][event timestamp u64][sequence u64] -> "": the events of a
  // log by the time they were first appended (a merge or import keeps it), so
  // a merge finds a copy of an event without reading the target's whole log.
  kEventByTime = 9,
  // Keyword search (storage/text_index.h; docs/format.md "Text index"): postings
  // and per-layer statistics. Far from the others, leaving room for new primitives.
  kTextPosting = 16,
  kTextStats = 17,
};

inline constexpr size_t kScopeBytes = 9;
inline constexpr size_t kInlineNameBytes = 448;
inline constexpr size_t kNameHashBytes = 16;
inline constexpr size_t kMaxNameBytes = 1024;

// Big-endian fixed-width integers, so that byte order is numeric order.
void AppendU32(std::string& out, uint32_t v);
void AppendU64(std::string& out, uint64_t v);
uint32_t ReadU32(std::string_view in);
uint64_t ReadU64(std::string_view in);

// [branch][space][primitive]: every record of one primitive in one space.
std::string ScopePrefix(uint32_t branch, uint32_t space, Primitive primitive);

// Appends `name` encoded as in a record key (above), keeping up to
// `inline_bytes` of it before the 0x01 + hash form (records use kInlineNameBytes).
void AppendEncodedName(std::string& out, std::string_view name, size_t inline_bytes);

// ScopePrefix + encoded name: every version of one name.
std::string NamePrefix(uint32_t branch, uint32_t space, Primitive primitive, std::string_view name);

// NamePrefix + ~version.
std::string RecordKey(std::string_view name_prefix, uint64_t version);

// The version a record key was written at.
uint64_t RecordKeyVersion(std::string_view record_key);

// The name-prefix part of a record key (everything but the version).
std::string_view RecordKeyNamePrefix(std::string_view record_key);

// True when the record key's name was truncated (its full name is in the value).
bool RecordKeyNameTruncated(std::string_view record_key, size_t scope_bytes = kScopeBytes);

// The name stored inline in a non-truncated record key.
std::string_view RecordKeyInlineName(std::string_view record_key, size_t scope_bytes = kScopeBytes);

// The smallest byte string greater than every string that starts with `s`
// (empty when no such string exists, i.e. s is all 0xFF).
std::string PrefixSuccessor(std::string_view s);

}  // namespace strata::storage

// Branch bundles: the versioned, checksummed byte format of a branch export
// (spec/api.md §9; format documented in docs/format.md "Bundles").
//
//   header : "STRATABUNDLE" [format version u32 BE][branch name length u16 BE][branch name]
//   frames : [kind u8]['D' data | 'T' trailer][length u32 BE][CRC-32 (zlib/IEEE) of payload u32 BE][payload]
//   data payload: entries, each [entry length u32 BE][entry]; an entry never spans frames
//   trailer payload: [entry count u64 BE][SHA-256 of every byte before the trailer frame]
// Entries (first byte is the kind):
//   'S' space : [name]                                           (strings: [length u32 BE][bytes])
//   'R' record: [space][primitive u8][name][version u64][timestamp i64][tombstone u8][payload]
//               primitive: 1 kv, 2 state, 3 json; from format 2 also 6 collection and 5 vector
//   'E' event : [space][sequence u64][version u64][timestamp i64][type][payload (CBOR)][hash 32 bytes]
// Records of a name come oldest first; events in sequence order.
//
// Thread safety: writer and reader are single-threaded objects.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/key_codec.h"
#include "storage/status.h"

namespace strata::storage {

inline constexpr std::string_view kBundleMagic = "STRATABUNDLE";
// Format 2 added collection and vector records; format 1 bundles still import.
inline constexpr uint32_t kBundleFormatVersion = 2;
inline constexpr uint32_t kOldestBundleFormatVersion = 1;
inline constexpr size_t kBundleFrameTarget = 1 << 20;  // a data frame is flushed past ~1 MiB

struct BundleEntry {
  char kind = 'R';  // 'S', 'R' or 'E'
  std::string space;
  Primitive primitive = Primitive::kKv;
  std::string name;      // records: the name; events: the type
  uint64_t sequence = 0;  // events
  uint64_t version = 0;   // the version on the exporting server
  int64_t timestamp = 0;
  bool tombstone = false;
  std::string payload;  // records: the stored payload; events: CBOR of the event payload
  std::string hash;     // events: 32 bytes
};

uint32_t Crc32(std::string_view data);

// Produces the bundle in pieces: `sink` gets the header at once, then each
// data frame when it is full, then the last frame and the trailer on Finish().
class BundleWriter {
 public:
  using Sink = std::function<Status(std::string_view)>;
  BundleWriter(std::string_view branch, Sink sink);
  ~BundleWriter();
  Status Add(const BundleEntry& entry);
  Status Finish();
  uint64_t entry_count() const { return count_; }
  uint64_t bytes_written() const { return bytes_; }
  // SHA-256 (32 raw bytes) of everything before the trailer; set by Finish().
  const std::string& checksum() const { return checksum_; }

 private:
  Status Emit(std::string_view bytes);
  Status CloseDataFrame();
  Sink sink_;
  std::string frame_;    // the header until the first frame goes out
  std::string pending_;  // the current data frame's payload
  uint64_t count_ = 0;
  uint64_t bytes_ = 0;
  void* sha_ = nullptr;  // EVP_MD_CTX
  std::string checksum_;
};

struct ParsedBundle {
  uint32_t format_version = 0;
  std::string branch;
  std::vector<BundleEntry> entries;
  std::string checksum;  // 32 raw bytes
};

// Validates a whole bundle (magic, version, every frame's CRC, the trailer's
// count and SHA-256, truncation, trailing bytes) and decodes its entries.
// kInvalidArgument naming what is wrong.
Result<ParsedBundle> ReadBundle(std::string_view bytes);

}  // namespace strata::storage

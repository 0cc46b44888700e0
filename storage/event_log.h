// The event log (spec/api.md §6): an append-only, hash-chained sequence of
// events per (branch, space), with a by-type index.
//
// on disk: never change (docs/format.md "Events"):
//   records [branch][space][kEvent][sequence u64]                -> event record
//   records [branch][space][kEventByType][type][0x00][sequence]  -> ""
//   records [branch][space][kEventByTime][timestamp][content][sequence] -> [version u64]
//     content: FNV-1a 64 of [type length u16][type][payload cbor]
//   meta    "event_head/" [branch][space]                        -> [next sequence u64][last hash 32]
//   event record: [version u64][timestamp i64][prev_hash 32][hash 32][type length u16][type][payload cbor]
// Thread safety: all methods may be called from any thread; appends run in the writer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/engine_core.h"
#include "storage/value.h"

namespace strata::storage {

// An event type as spec/api.md §6 allows it: 1-256 bytes of UTF-8, no NUL.
Status ValidateEventType(std::string_view type);

struct Event {
  uint64_t sequence = 0;
  std::string type;
  Value payload;
  int64_t timestamp = 0;
  std::string hash;       // 32 bytes
  std::string prev_hash;  // 32 bytes
  uint64_t version = 0;
};

struct AppendResult {
  uint64_t sequence = 0;
  uint64_t version = 0;
};

struct VerifyResult {
  bool valid = true;
  uint64_t length = 0;
  std::string head_hash;  // 32 zero bytes for an empty log
  std::optional<uint64_t> first_broken;
  std::string reason;
};

inline constexpr size_t kMaxEventTypeBytes = 256;

class EventLog {
 public:
  explicit EventLog(EngineCore& core) : core_(core) {}

  // Appends; returns the 0-based, gap-free sequence. kInvalidArgument for a bad
  // type (1-256 bytes of UTF-8, no NUL) or a payload with NaN or infinity.
  Result<AppendResult> Append(const Scope& scope, std::string_view type, const Value& payload);

  Result<std::optional<Event>> Get(const Scope& scope, uint64_t sequence, std::optional<int64_t> as_of);

  // Events in ascending sequence after `after` (exclusive), of `type` when given
  // (read through the type index: other types are never scanned), at most `limit`.
  Result<std::vector<Event>> List(const Scope& scope, const std::optional<std::string>& type, size_t limit,
                                  std::optional<uint64_t> after, std::optional<int64_t> as_of);

  Result<uint64_t> Len(const Scope& scope, std::optional<int64_t> as_of);

  // Walks the whole chain, recomputing every hash and link.
  Result<VerifyResult> Verify(const Scope& scope);

  // Inside the writer: appends to the log of (branch_id, space_id) at `version`
  // (taken by the caller), chaining from the log head. Does not validate.
  static Result<AppendResult> AppendInWriter(WriteContext& ctx, uint32_t branch_id, uint32_t space_id,
                                             std::string_view type, const Value& payload, uint64_t version);
  // The same with an explicit event timestamp (branch import keeps the original ones).
  static Result<AppendResult> AppendInWriterAt(WriteContext& ctx, uint32_t branch_id, uint32_t space_id,
                                               std::string_view type, const Value& payload, uint64_t version,
                                               int64_t timestamp);

  // Inside the writer: the sequence the next event of (branch_id, space_id) gets.
  static Result<uint64_t> NextSequence(const Txn& txn, const Databases& dbs, uint32_t branch_id, uint32_t space_id);

  // The record key of an event (for storage tests that tamper with the log).
  static std::string EventKey(uint32_t branch_id, uint32_t space_id, uint64_t sequence);
  // The meta key of the chain head of (branch_id, space_id): the next
  // sequence and the last hash (deleting a space deletes it too).
  static std::string HeadKey(uint32_t branch_id, uint32_t space_id);
  // The time index's keys of one layer's events first appended at `timestamp`
  // with this type and encoded payload start with this; the 8-byte
  // big-endian sequence follows, and the value is the event's version.
  static std::string TimeIndexPrefix(uint32_t branch_id, uint32_t space_id, int64_t timestamp, std::string_view type,
                                     std::string_view encoded_payload);
  // A stored event record's fields, read in place (nothing decoded); nullopt
  // when it is too short to hold them.
  struct RecordView {
    uint64_t version = 0;
    int64_t timestamp = 0;
    std::string_view type;
    std::string_view encoded_payload;
  };
  static std::optional<RecordView> ViewRecord(std::string_view record);
  // A data directory written before the time index existed gets it here, once
  // (at open, in the transaction that sets its marker).
  static Status BuildTimeIndexIfMissing(Txn& txn, const Databases& dbs);
  // Decodes a stored event record (branch diff and merge read events of other
  // branches' layers); kInternal when it is corrupt.
  static Result<Event> DecodeRecord(uint64_t sequence, std::string_view value);

 private:
  // Stages an append in the scope's transaction: its sequence follows the log
  // at the snapshot and the events staged before it.
  Result<AppendResult> AppendInTxn(const Scope& scope, std::string_view type, const Value& payload);

  EngineCore& core_;
};

}  // namespace strata::storage

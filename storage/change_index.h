// The per-branch change index: what a branch wrote at which version, so that
// branch diff and merge cost in proportion to the change, not to the data.
//
// on disk: never change (docs/format.md "Change index"). In the records database:
//   [branch u32][space 0 u32][kChange u8][version u64][space u32][primitive u8][encoded name]
//     -> the full name
// where "encoded name" is the name part of NamePrefix() (key_codec.h) for
// versioned records and the 8-byte big-endian sequence for events (whose
// value is then those 8 bytes). Space id 0 is never a real space, so the index
// never mixes with a space's records. Entries are written in the transaction
// of the record they describe, by RecordStore::Write and the event log, so no
// write path can miss them. A name written twice at one version has one entry.
//
// Thread safety: stateless over the caller's transaction.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "storage/key_codec.h"
#include "storage/lmdb_env.h"
#include "storage/status.h"

namespace strata::storage {

struct ChangeEntry {
  uint64_t version = 0;
  uint32_t space_id = 0;
  Primitive primitive = Primitive::kKv;
  std::string name;  // for events: the 8-byte big-endian sequence
};

class ChangeIndex {
 public:
  // Records that `branch_id` wrote `name` (of `primitive` in `space_id`) at `version`.
  static Status Add(Txn& txn, MDB_dbi dbi, uint32_t branch_id, uint64_t version, uint32_t space_id,
                    Primitive primitive, std::string_view name);

  // Records an event append (the sequence is the name).
  static Status AddEvent(Txn& txn, MDB_dbi dbi, uint32_t branch_id, uint64_t version, uint32_t space_id,
                         uint64_t sequence);

  // Removes the entry of the versioned record stored under `record_key`
  // (key_codec.h layout), when history retention drops that record.
  static Status RemoveForRecord(Txn& txn, MDB_dbi dbi, std::string_view record_key);

  // Calls `visit` for each entry of `branch_id` with after < version <= up_to,
  // in ascending version. `visit` returns a non-ok status to stop with it.
  static Status Scan(const Txn& txn, MDB_dbi dbi, uint32_t branch_id, uint64_t after, uint64_t up_to,
                     const std::function<Status(const ChangeEntry&)>& visit);

  // Entries visited by Scan since the process started (for cost tests).
  static uint64_t entries_visited() { return visited_.load(std::memory_order_relaxed); }

 private:
  static std::atomic<uint64_t> visited_;
};

}  // namespace strata::storage

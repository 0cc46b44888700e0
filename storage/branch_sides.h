// What branch diff and merge read on each side of a comparison (internal to
// storage/branch_merge.cc and storage/branch_vectors.cc): the visible state of
// one name through one branch's layers at one version.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "storage/catalog.h"
#include "storage/record_store.h"
#include "storage/value.h"

namespace strata::storage {

using NameKey = std::tuple<uint32_t, Primitive, std::string>;  // (space id, primitive, name)

// A name's visible state on one side: absent, or a value with the record
// behind it (for events: the event).
struct Visible {
  bool present = false;
  Value value;          // decoded for kv, state, json and events; null for vector records
  std::string payload;  // the record's payload (named primitives)
  uint64_t version = 0;  // the version of the last change (a tombstone's too); 0: never written
  std::string event_type;
  int64_t event_timestamp = 0;  // events: when first appended (a merge keeps it)
  bool raw = false;  // a vector or collection record: compared by `payload`
};

// Same content on both sides: values compared strictly (1 != 1.0), vector and
// collection records byte for byte.
bool SameVisible(const Visible& x, const Visible& y);

// Decides a conflict (both sides changed a name differently): true keeps the
// source's side. The merge strategy.
using ConflictRule = std::function<bool(const Visible& source, const Visible& target)>;

struct MergeDecision {
  bool take_source = false;
  bool conflict = false;
};

// The three-way rule of every merged name: a side that alone changed it from
// the base wins; when both did, `rule` decides and it is a conflict.
MergeDecision DecideThreeWay(const Visible& source, const Visible& target, const Visible& base,
                             const ConflictRule& rule);

// Reads names through one branch's layers, per space.
class SideReader {
 public:
  SideReader(const Txn& txn, const Databases& dbs, LayerChain chain, uint64_t at_version,
             const std::map<uint32_t, std::string>& space_names)
      : txn_(txn), dbs_(dbs), chain_(std::move(chain)), at_(at_version), space_names_(space_names) {}

  // Events take their 8-byte big-endian sequence as the name. Vector and
  // collection records are not decoded: `payload` holds them.
  Result<Visible> Read(uint32_t space_id, Primitive p, const std::string& name);

  // Every live record of `p` in the space whose name starts with `prefix`.
  Status ScanLive(uint32_t space_id, Primitive p, std::string_view prefix,
                  const std::function<Status(const Record&)>& visit);

  // The events of the space's log this side sees, written below
  // `below_version`, that were first appended at `timestamp` with this type
  // and encoded payload: copies of one event. Read through the time index, so
  // neither the rest of the log nor other events of that microsecond are
  // read. `visit` gets the branch whose layer holds each, and its sequence.
  Status CopiesOf(uint32_t space_id, int64_t timestamp, std::string_view type, std::string_view encoded_payload,
                  uint64_t below_version, const std::function<Status(uint32_t branch_id, uint64_t sequence)>& visit);

 private:
  Result<const LayerChain*> LayersFor(uint32_t space_id);

  const Txn& txn_;
  const Databases& dbs_;
  LayerChain chain_;
  uint64_t at_;
  const std::map<uint32_t, std::string>& space_names_;
  std::map<uint32_t, LayerChain> per_space_;
};

}  // namespace strata::storage

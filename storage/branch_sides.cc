#include "storage/branch_sides.h"

#include <algorithm>

#include "storage/event_log.h"
#include "storage/key_codec.h"
#include "storage/value_equality.h"

namespace strata::storage {
namespace {

// Vector and collection payloads are not CBOR values (storage/vector_types.h).
bool Opaque(Primitive p) { return p == Primitive::kVector || p == Primitive::kCollection; }

}  // namespace

bool SameVisible(const Visible& x, const Visible& y) {
  if (x.present != y.present) return false;
  if (!x.present) return true;
  if (x.raw || y.raw) return x.raw == y.raw && x.payload == y.payload;
  return x.event_type == y.event_type && StrictlyEqual(x.value, y.value, NanRule::kEqualsNan);
}

MergeDecision DecideThreeWay(const Visible& source, const Visible& target, const Visible& base,
                             const ConflictRule& rule) {
  bool source_changed = !SameVisible(source, base);
  bool target_changed = !SameVisible(target, base);
  if (source_changed && !target_changed) return {true, false};
  if (target_changed && !source_changed) return {false, false};
  return {rule(source, target), true};
}

Result<Visible> SideReader::Read(uint32_t space_id, Primitive p, const std::string& name) {
  auto layers = LayersFor(space_id);
  if (!layers.ok()) return layers.status();
  Visible out;
  if (p == Primitive::kEvent) {
    uint64_t sequence = ReadU64(name);
    for (const Layer& layer : **layers) {
      auto v = txn_.Get(dbs_.records, EventLog::EventKey(layer.branch_id, space_id, sequence));
      if (!v.ok()) return v.status();
      if (!v->has_value()) continue;
      auto e = EventLog::DecodeRecord(sequence, **v);
      if (!e.ok()) return e.status();
      if (e->version > std::min(at_, layer.max_version)) continue;
      out.present = true;
      out.version = e->version;
      out.event_timestamp = e->timestamp;
      out.event_type = std::move(e->type);
      out.value = std::move(e->payload);
      return out;
    }
    return out;
  }
  RecordScope scope{*layers, space_id, p};
  auto rec = RecordStore::Read(txn_, dbs_.records, scope, name, at_);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value()) return out;
  out.version = (*rec)->version;
  if ((*rec)->tombstone) return out;
  if (Opaque(p)) {
    out.raw = true;
  } else {
    auto value = DecodeValue((*rec)->payload);
    if (!value.ok()) return value.status();
    out.value = std::move(value).value();
  }
  out.present = true;
  out.payload = std::move((*rec)->payload);
  return out;
}

Status SideReader::ScanLive(uint32_t space_id, Primitive p, std::string_view prefix,
                            const std::function<Status(const Record&)>& visit) {
  auto layers = LayersFor(space_id);
  if (!layers.ok()) return layers.status();
  RecordScope scope{*layers, space_id, p};
  return RecordStore::ScanLive(txn_, dbs_.records, scope, prefix, at_, visit);
}

Status SideReader::CopiesOf(uint32_t space_id, int64_t timestamp, std::string_view type,
                            std::string_view encoded_payload, uint64_t below_version,
                            const std::function<Status(uint32_t branch_id, uint64_t sequence)>& visit) {
  auto layers = LayersFor(space_id);
  if (!layers.ok()) return layers.status();
  for (const Layer& layer : **layers) {
    // A layer's own events; those it appended after a later layer forked
    // from it are past that layer's cap.
    const uint64_t cap = std::min(at_, layer.max_version);
    const std::string prefix = EventLog::TimeIndexPrefix(layer.branch_id, space_id, timestamp, type, encoded_payload);
    std::vector<uint64_t> sequences;
    {
      Cursor c(txn_, dbs_.records);
      for (bool ok = c.Seek(prefix); ok; ok = c.Next()) {
        std::string_view key = c.key();
        if (key.size() != prefix.size() + 8 || key.compare(0, prefix.size(), prefix) != 0) break;
        if (c.value().size() != 8) return Status::Internal("corrupt event time index entry");
        uint64_t version = ReadU64(c.value());
        if (version >= below_version || version > cap) continue;
        sequences.push_back(ReadU64(key.substr(prefix.size())));
      }
      STRATA_RETURN_IF_ERROR(c.status());
    }
    for (uint64_t sequence : sequences) {
      auto v = txn_.Get(dbs_.records, EventLog::EventKey(layer.branch_id, space_id, sequence));
      if (!v.ok()) return v.status();
      if (!v->has_value()) return Status::Internal("event time index names a missing event");
      auto record = EventLog::ViewRecord(**v);
      if (!record.has_value()) return Status::Internal("event time index names a corrupt event");
      // The key holds 8 bytes of a hash of the content: the record decides.
      if (record->timestamp != timestamp || record->type != type || record->encoded_payload != encoded_payload) continue;
      STRATA_RETURN_IF_ERROR(visit(layer.branch_id, sequence));
    }
  }
  return Status::Ok();
}

Result<const LayerChain*> SideReader::LayersFor(uint32_t space_id) {
  auto it = per_space_.find(space_id);
  if (it != per_space_.end()) return &it->second;
  auto name = space_names_.find(space_id);
  if (name == space_names_.end()) return Status::Internal("change index names an unknown space");
  auto layers = Catalog::SpaceLayers(txn_, dbs_, chain_, name->second, at_);
  if (!layers.ok()) return layers.status();
  return &per_space_.emplace(space_id, std::move(layers).value()).first->second;
}

}  // namespace strata::storage

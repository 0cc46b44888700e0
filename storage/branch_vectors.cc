#include "storage/branch_vectors.h"

#include <algorithm>
#include <optional>

#include "storage/vector_types.h"

namespace strata::storage {
namespace {

// A collection as one side sees it: its record, and its settings when live.
struct SideCollection {
  Visible record;
  std::optional<CollectionConfig> config;
};

Result<SideCollection> ReadCollection(SideReader& side, uint32_t space_id, const std::string& name) {
  SideCollection out;
  auto rec = side.Read(space_id, Primitive::kCollection, name);
  if (!rec.ok()) return rec.status();
  out.record = std::move(rec).value();
  if (out.record.present) {
    auto config = DecodeCollection(out.record.payload);
    if (!config.ok()) return config.status();
    out.config = *config;
  }
  return out;
}

// The vector `key` of the collection live on `side` (absent when none is).
Result<Visible> ReadVector(SideReader& side, uint32_t space_id, const std::string& collection,
                           const SideCollection& c, const std::string& key) {
  if (!c.config.has_value()) return Visible{};
  return side.Read(space_id, Primitive::kVector, VectorRecordName(collection, c.config->incarnation, key));
}

// How diff entries and merge conflicts show a collection: its settings.
Value ShownCollection(const SideCollection& c) {
  if (!c.config.has_value()) return Value();
  return Value{{"dimension", c.config->dimension},
               {"metric", std::string(MetricName(c.config->metric))},
               {"m", c.config->m},
               {"ef_construction", c.config->ef_construction},
               {"created_version", c.config->incarnation}};
}

// ... and a vector: its embedding and metadata.
Result<Value> ShownVector(const Visible& v) {
  if (!v.present) return Value();
  auto stored = DecodeVector(v.payload);
  if (!stored.ok()) return stored.status();
  Value embedding = Value::array();
  for (float f : stored->values) embedding.push_back(static_cast<double>(f));
  return Value{{"embedding", std::move(embedding)}, {"metadata", stored->metadata.value_or(Value())}};
}

std::string DisplayName(const std::string& collection, const std::string& key) { return collection + "/" + key; }

const char* ChangeOf(bool in_a, bool in_b) { return !in_a ? "added" : !in_b ? "removed" : "modified"; }

void Count(BranchDiff& out, bool in_a, bool in_b) {
  if (!in_a) {
    ++out.added;
  } else if (!in_b) {
    ++out.removed;
  } else {
    ++out.modified;
  }
}

// The version of a side's latest change to a collection since the base: of
// its collection record, or, while the side still holds the base's collection,
// of any of its vectors named in `keys`; 0 when the side did not change it.
// So deleting a collection on one side while the other changed its vectors is
// a conflict, as deleting a key while the other side changed it is.
Result<uint64_t> LatestChange(SideReader& side, const SideCollection& c, SideReader* base, const SideCollection& cb,
                              uint32_t space_id, const std::string& collection, const std::set<std::string>& keys) {
  if (!SameVisible(c.record, cb.record)) return std::max<uint64_t>(c.record.version, 1);
  if (!c.config.has_value()) return uint64_t{0};
  uint64_t latest = 0;
  for (const std::string& key : keys) {
    auto v = ReadVector(side, space_id, collection, c, key);
    if (!v.ok()) return v.status();
    Visible b;
    if (base != nullptr) {
      auto read = ReadVector(*base, space_id, collection, cb, key);
      if (!read.ok()) return read.status();
      b = std::move(read).value();
    }
    if (!SameVisible(*v, b)) latest = std::max<uint64_t>(latest, std::max<uint64_t>(v->version, 1));
  }
  return latest;
}

// The target takes the source's collection in place of its own (or of none):
// its live vectors go, the source's come, each name written once.
Status ReplaceCollection(SideReader& source, SideReader& target, uint32_t space_id, const std::string& name,
                         const SideCollection& s, const SideCollection& t, std::vector<PlannedWrite>& writes) {
  std::map<std::string, PlannedWrite> planned;  // by record name
  if (t.config.has_value()) {
    STRATA_RETURN_IF_ERROR(target.ScanLive(space_id, Primitive::kVector,
                                           VectorNamePrefix(name, t.config->incarnation),
                                           [&](const Record& rec) -> Status {
                                             planned[rec.name] = {space_id, Primitive::kVector, rec.name, true, "", -1};
                                             return Status::Ok();
                                           }));
  }
  if (s.config.has_value()) {
    STRATA_RETURN_IF_ERROR(source.ScanLive(space_id, Primitive::kVector,
                                           VectorNamePrefix(name, s.config->incarnation),
                                           [&](const Record& rec) -> Status {
                                             auto it = planned.find(rec.name);
                                             int delta = it == planned.end() ? +1 : 0;  // live there already
                                             planned[rec.name] = {space_id, Primitive::kVector, rec.name, false,
                                                                  rec.payload, delta};
                                             return Status::Ok();
                                           }));
  }
  for (auto& [record_name, w] : planned) writes.push_back(std::move(w));
  return Status::Ok();
}

}  // namespace

VectorGroups TakeVectorCandidates(std::set<NameKey>& names) {
  VectorGroups out;
  for (auto it = names.begin(); it != names.end();) {
    const auto& [space_id, p, name] = *it;
    if (p == Primitive::kCollection) {
      out[{space_id, name}];
    } else if (p == Primitive::kVector) {
      // A name that does not parse was never written by the vector store:
      // nothing to compare it with.
      if (auto parts = ParseVectorRecordName(name)) out[{space_id, parts->collection}].insert(parts->key);
    } else {
      ++it;
      continue;
    }
    it = names.erase(it);
  }
  return out;
}

Status DiffVectors(SideReader& a, SideReader& b, const VectorGroups& groups,
                   const std::map<uint32_t, std::string>& space_names, BranchDiff& out) {
  for (const auto& [group, keys] : groups) {
    const auto& [space_id, collection] = group;
    const std::string& space = space_names.at(space_id);
    auto ca = ReadCollection(a, space_id, collection);
    if (!ca.ok()) return ca.status();
    auto cb = ReadCollection(b, space_id, collection);
    if (!cb.ok()) return cb.status();
    if (!SameVisible(ca->record, cb->record)) {
      bool in_a = ca->record.present, in_b = cb->record.present;
      out.entries.push_back({space, "collection", collection, ChangeOf(in_a, in_b), ShownCollection(*ca),
                             ShownCollection(*cb)});
      Count(out, in_a, in_b);
    }
    for (const std::string& key : keys) {
      auto va = ReadVector(a, space_id, collection, *ca, key);
      if (!va.ok()) return va.status();
      auto vb = ReadVector(b, space_id, collection, *cb, key);
      if (!vb.ok()) return vb.status();
      if (SameVisible(*va, *vb)) continue;
      auto shown_a = ShownVector(*va);
      if (!shown_a.ok()) return shown_a.status();
      auto shown_b = ShownVector(*vb);
      if (!shown_b.ok()) return shown_b.status();
      out.entries.push_back({space, "vector", DisplayName(collection, key), ChangeOf(va->present, vb->present),
                             std::move(shown_a).value(), std::move(shown_b).value()});
      Count(out, va->present, vb->present);
    }
  }
  return Status::Ok();
}

Status PlanVectorMerge(SideReader& source, SideReader& target, SideReader* base, const VectorGroups& groups,
                       const std::map<uint32_t, std::string>& space_names, const ConflictRule& rule,
                       std::vector<BranchMergeConflict>& conflicts, std::vector<PlannedWrite>& writes) {
  for (const auto& [group, keys] : groups) {
    const auto& [space_id, collection] = group;
    const std::string& space = space_names.at(space_id);
    auto cs = ReadCollection(source, space_id, collection);
    if (!cs.ok()) return cs.status();
    auto ct = ReadCollection(target, space_id, collection);
    if (!ct.ok()) return ct.status();
    SideCollection cb;
    if (base != nullptr) {
      auto read = ReadCollection(*base, space_id, collection);
      if (!read.ok()) return read.status();
      cb = std::move(read).value();
    }

    if (!SameVisible(cs->record, ct->record)) {
      // Two different collections (or one side has none): one of them is kept whole.
      auto source_change = LatestChange(source, *cs, base, cb, space_id, collection, keys);
      if (!source_change.ok()) return source_change.status();
      auto target_change = LatestChange(target, *ct, base, cb, space_id, collection, keys);
      if (!target_change.ok()) return target_change.status();
      MergeDecision d;
      if (*source_change != 0 && *target_change == 0) {
        d.take_source = true;
      } else if (*source_change == 0 && *target_change != 0) {
        d.take_source = false;
      } else {
        Visible s = cs->record, t = ct->record;  // the rule sees each side's latest change
        s.version = *source_change;
        t.version = *target_change;
        d = {rule(s, t), true};
      }
      if (d.conflict) {
        conflicts.push_back({space, "collection", collection, ShownCollection(*cs), ShownCollection(*ct),
                             d.take_source ? "source" : "target"});
      }
      if (d.take_source) {
        writes.push_back({space_id, Primitive::kCollection, collection, !cs->record.present, cs->record.payload, 0});
        STRATA_RETURN_IF_ERROR(ReplaceCollection(source, target, space_id, collection, *cs, *ct, writes));
      }
      // Else the target keeps a collection the source does not share: the
      // source's vector changes belong to another one.
      continue;
    }
    if (!ct->config.has_value()) continue;  // absent on both sides

    // The same collection on both sides: vector by vector. The base's vectors
    // count only when the base had this very collection.
    bool base_has_it = base != nullptr && SameVisible(cb.record, ct->record);
    for (const std::string& key : keys) {
      auto vs = ReadVector(source, space_id, collection, *cs, key);
      if (!vs.ok()) return vs.status();
      auto vt = ReadVector(target, space_id, collection, *ct, key);
      if (!vt.ok()) return vt.status();
      if (SameVisible(*vs, *vt)) continue;
      Visible vb;
      if (base_has_it) {
        auto read = ReadVector(*base, space_id, collection, cb, key);
        if (!read.ok()) return read.status();
        vb = std::move(read).value();
      }
      MergeDecision d = DecideThreeWay(*vs, *vt, vb, rule);
      if (d.conflict) {
        auto shown_s = ShownVector(*vs);
        if (!shown_s.ok()) return shown_s.status();
        auto shown_t = ShownVector(*vt);
        if (!shown_t.ok()) return shown_t.status();
        conflicts.push_back({space, "vector", DisplayName(collection, key), std::move(shown_s).value(),
                             std::move(shown_t).value(), d.take_source ? "source" : "target"});
      }
      if (!d.take_source) continue;
      int delta = vs->present == vt->present ? 0 : vs->present ? +1 : -1;
      writes.push_back({space_id, Primitive::kVector, VectorRecordName(collection, ct->config->incarnation, key),
                        !vs->present, vs->payload, delta});
    }
  }
  return Status::Ok();
}

}  // namespace strata::storage

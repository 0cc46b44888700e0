// Branch diff and three-way merge (spec/api.md §9, design.md §2).
//
// Both work from the per-branch change index (storage/change_index.h): the
// candidates are the names either side wrote since the common ancestor, and
// for each candidate the visible values are read through the layers. So the
// cost follows the size of the change, never the size of the data.
//
// The common ancestor of two branches is the first branch of one's layer
// chain that is also in the other's; the base version is the smaller of the
// two caps at which they read it (the fork point). After a merge of source
// into target, the catalog records (source version merged, target version
// after the merge). The next merge between the pair, in either direction,
// starts from the most recent of the two records: for a merge in the same
// direction the base is the source as it was merged; for the reverse
// direction it is the (now) target as it was merged, the candidates still
// include the source's own changes the target has not received, and the
// events that merge appended to the source are not appended back.
// Branches with no common ancestor (and no merge between them) compare every
// change either ever made: a two-way comparison, reported as `unrelated`.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "storage/branch_sides.h"
#include "storage/branch_store.h"
#include "storage/branch_vectors.h"
#include "storage/catalog.h"
#include "storage/change_index.h"
#include "storage/event_log.h"
#include "storage/key_codec.h"
#include "storage/meta_keys.h"
#include "storage/names.h"
#include "storage/record_store.h"

namespace strata::storage {
namespace {

// A range of one branch's change index: after < version <= up_to.
struct ChangeRange {
  uint32_t branch_id = 0;
  uint64_t after = 0;
  uint64_t up_to = UINT64_MAX;
};

// How two branches relate, and where each side's changes are.
struct Ancestry {
  bool unrelated = false;
  std::vector<ChangeRange> changes_a;
  std::vector<ChangeRange> changes_b;
  std::optional<LayerChain> base_chain;  // nullopt: no base (everything is new)
  uint64_t base_version = 0;
};

const char* PrimitiveName(Primitive p) {
  switch (p) {
    case Primitive::kKv: return "kv";
    case Primitive::kState: return "state";
    case Primitive::kJson: return "json";
    case Primitive::kEvent: return "event";
    case Primitive::kVector: return "vector";
    case Primitive::kCollection: return "collection";
    default: return "other";
  }
}

bool Compared(Primitive p) {
  return p == Primitive::kKv || p == Primitive::kState || p == Primitive::kJson || p == Primitive::kEvent ||
         p == Primitive::kVector || p == Primitive::kCollection;
}

std::string MergeBaseKey(uint32_t source, uint32_t target) {
  std::string key(kCatalogMergeBasePrefix);
  AppendU32(key, source);
  AppendU32(key, target);
  return key;
}

// A recorded merge of one branch into another (meta_keys.h).
struct MergeRecord {
  uint64_t source_version = 0;  // the source version merged
  uint64_t target_version = 0;  // the target version after the merge
};

Result<std::optional<MergeRecord>> ReadMergeBase(const Txn& txn, const Databases& dbs, uint32_t source,
                                                 uint32_t target) {
  auto v = txn.Get(dbs.catalog, MergeBaseKey(source, target));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<MergeRecord>();
  if ((*v)->size() != 16) return Status::Internal("corrupt merge base record");
  return std::optional<MergeRecord>(MergeRecord{ReadU64(**v), ReadU64((*v)->substr(8))});
}

// Every layer of `chain`, from `after` on.
std::vector<ChangeRange> AllChanges(const LayerChain& chain, uint64_t after) {
  std::vector<ChangeRange> out;
  for (const Layer& l : chain) out.push_back({l.branch_id, after, l.max_version});
  return out;
}

// The fork point of two chains: their first shared branch, read up to the
// smaller cap. nullopt when they share none.
Result<std::optional<Ancestry>> ForkAncestry(const Txn& txn, const Databases& dbs, const LayerChain& a,
                                             const LayerChain& b) {
  for (size_t i = 0; i < a.size(); ++i) {
    for (size_t j = 0; j < b.size(); ++j) {
      if (a[i].branch_id != b[j].branch_id) continue;
      Ancestry out;
      out.base_version = std::min(a[i].max_version, b[j].max_version);
      for (size_t k = 0; k < i; ++k) out.changes_a.push_back({a[k].branch_id, 0, a[k].max_version});
      out.changes_a.push_back({a[i].branch_id, out.base_version, a[i].max_version});
      for (size_t k = 0; k < j; ++k) out.changes_b.push_back({b[k].branch_id, 0, b[k].max_version});
      out.changes_b.push_back({b[j].branch_id, out.base_version, b[j].max_version});
      auto ancestor = Catalog::BranchById(txn, dbs, a[i].branch_id);
      if (!ancestor.ok()) return ancestor.status();
      if (!ancestor->has_value()) return Status::Internal("branch catalog names a missing ancestor");
      auto chain = Catalog::Layers(txn, dbs, **ancestor);
      if (!chain.ok()) return chain.status();
      out.base_chain = std::move(chain).value();
      return std::optional<Ancestry>(std::move(out));
    }
  }
  return std::optional<Ancestry>();
}

// Scans `ranges` into `names` (named primitives and events alike).
Status CollectChanges(const Txn& txn, const Databases& dbs, const std::vector<ChangeRange>& ranges,
                      std::set<NameKey>& names) {
  for (const ChangeRange& r : ranges) {
    STRATA_RETURN_IF_ERROR(ChangeIndex::Scan(txn, dbs.records, r.branch_id, r.after, r.up_to,
                                             [&](const ChangeEntry& e) {
                                               if (Compared(e.primitive)) names.emplace(e.space_id, e.primitive, e.name);
                                               return Status::Ok();
                                             }));
  }
  return Status::Ok();
}

// Spaces that a layer in `ranges` detached from its ancestors (a forced space
// delete) within its range: what it inherited there vanished without change
// entries, so every name of such a space is a candidate.
Status CollectDetachedSpaces(const Txn& txn, const Databases& dbs, const std::vector<ChangeRange>& ranges,
                             std::set<std::string>& spaces) {
  for (const ChangeRange& r : ranges) {
    auto memberships = Catalog::Memberships(txn, dbs, r.branch_id);
    if (!memberships.ok()) return memberships.status();
    for (const auto& [name, m] : *memberships) {
      if (m.detached_at.has_value() && *m.detached_at > r.after && *m.detached_at <= r.up_to) spaces.insert(name);
    }
  }
  return Status::Ok();
}

// Adds every live named record and every event of `space` seen through
// `chain` to `names` (an event by its sequence, as the change index names it).
Status AddLiveNames(const Txn& txn, const Databases& dbs, const LayerChain& chain, const std::string& space,
                    std::set<NameKey>& names) {
  auto space_id = Catalog::FindSpace(txn, dbs, space);
  if (!space_id.ok()) return space_id.status();
  if (!space_id->has_value()) return Status::Ok();
  auto layers = Catalog::SpaceLayers(txn, dbs, chain, space, UINT64_MAX);
  if (!layers.ok()) return layers.status();
  for (Primitive p : {Primitive::kKv, Primitive::kState, Primitive::kJson, Primitive::kCollection, Primitive::kVector}) {
    RecordScope scope{&*layers, **space_id, p};
    std::optional<std::string> after;
    while (true) {
      auto page = RecordStore::List(txn, dbs.records, scope, "", after, 10000, UINT64_MAX);
      if (!page.ok()) return page.status();
      for (auto& name : page->names) names.emplace(**space_id, p, name);
      if (!page->has_more || page->names.empty()) break;
      after = page->names.back();
    }
  }
  // Events too: a diff lists those a forced delete took away (merge appends
  // events from the change index and skips these).
  for (const Layer& layer : *layers) {
    std::string prefix = ScopePrefix(layer.branch_id, **space_id, Primitive::kEvent);
    Cursor c(txn, dbs.records);
    for (bool ok = c.Seek(prefix); ok && c.key().substr(0, prefix.size()) == prefix; ok = c.Next()) {
      // An event record's value starts with its commit version.
      if (c.value().size() < 8 || ReadU64(c.value()) > layer.max_version) continue;
      names.emplace(**space_id, Primitive::kEvent, std::string(c.key().substr(prefix.size())));
    }
    STRATA_RETURN_IF_ERROR(c.status());
  }
  return Status::Ok();
}

// Every candidate of a comparison of the two chains under `ancestry`.
Status CollectCandidates(const Txn& txn, const Databases& dbs, const Ancestry& ancestry, const LayerChain& chain_a,
                         const LayerChain& chain_b, std::set<NameKey>& names) {
  STRATA_RETURN_IF_ERROR(CollectChanges(txn, dbs, ancestry.changes_a, names));
  STRATA_RETURN_IF_ERROR(CollectChanges(txn, dbs, ancestry.changes_b, names));
  std::set<std::string> detached;
  STRATA_RETURN_IF_ERROR(CollectDetachedSpaces(txn, dbs, ancestry.changes_a, detached));
  STRATA_RETURN_IF_ERROR(CollectDetachedSpaces(txn, dbs, ancestry.changes_b, detached));
  for (const auto& space : detached) {
    STRATA_RETURN_IF_ERROR(AddLiveNames(txn, dbs, chain_a, space, names));
    STRATA_RETURN_IF_ERROR(AddLiveNames(txn, dbs, chain_b, space, names));
  }
  return Status::Ok();
}

std::string DisplayKey(Primitive p, const std::string& name) {
  return p == Primitive::kEvent ? std::to_string(ReadU64(name)) : name;
}

Value Shown(const Visible& v) {
  if (!v.present) return Value();
  if (!v.event_type.empty()) return Value{{"event_type", v.event_type}, {"value", v.value}};
  return v.value;
}

struct Loaded {
  BranchRecord a;
  BranchRecord b;
  LayerChain chain_a;
  LayerChain chain_b;
};

Result<Loaded> LoadPair(const Txn& txn, const Databases& dbs, std::string_view a, std::string_view b) {
  Loaded out;
  auto ra = Catalog::FindBranch(txn, dbs, a);
  if (!ra.ok()) return ra.status();
  auto rb = Catalog::FindBranch(txn, dbs, b);
  if (!rb.ok()) return rb.status();
  out.a = *ra;
  out.b = *rb;
  auto ca = Catalog::Layers(txn, dbs, out.a);
  if (!ca.ok()) return ca.status();
  auto cb = Catalog::Layers(txn, dbs, out.b);
  if (!cb.ok()) return cb.status();
  out.chain_a = std::move(ca).value();
  out.chain_b = std::move(cb).value();
  return out;
}

enum class Strategy { kLastWriterWins, kSourceWins, kTargetWins, kStrict };

Result<Strategy> ParseStrategy(std::string_view s) {
  if (s.empty() || s == "last_writer_wins") return Strategy::kLastWriterWins;
  if (s == "source_wins") return Strategy::kSourceWins;
  if (s == "target_wins") return Strategy::kTargetWins;
  if (s == "strict") return Strategy::kStrict;
  return Status::InvalidArgument("unknown merge strategy " + QuoteName(s) +
                                 "; expected last_writer_wins, source_wins, target_wins or strict");
}

// The events a merge's target already holds, to append only the others.
// An event is known by when it was first appended, its type and its payload:
// a merge and an import keep the time, so a copy of an event that reached the
// target by another path (an earlier sync of a feature branch, a third
// branch, an import of the same history) is recognised, where the change
// index alone re-appended them. Each copy in the target answers for one
// event: the same event appended twice in one microsecond is two events.
class TargetEvents {
 public:
  // `merge_version`: the version this merge commits at. The target side reads
  // the merge's own writes too, and the copies it appends are not events the
  // target held before it.
  TargetEvents(SideReader& target, uint64_t merge_version) : target_(target), merge_version_(merge_version) {}

  // True (and that copy taken) when the target holds `event` of `space_id`
  // and this merge has not matched that copy to another event yet. Read
  // through the target's time index: only its copies of this event, not its
  // whole log, so a merge costs what it brings. The target's payloads are
  // compared as stored with the source's encoded: the same as comparing both
  // decoded, because EncodeValue(DecodeValue(b)) == b for every b that
  // EncodeValue wrote (EventTimeIndexTest.EncodingARecordsDecodedPayloadGivesItsBytes).
  Result<bool> Take(uint32_t space_id, const Visible& event) {
    bool found = false;
    STRATA_RETURN_IF_ERROR(target_.CopiesOf(space_id, event.event_timestamp, event.event_type,
                                            EncodeValue(event.value), merge_version_,
                                            [&](uint32_t branch_id, uint64_t sequence) {
                                              if (!found) found = taken_.emplace(space_id, branch_id, sequence).second;
                                              return Status::Ok();
                                            }));
    return found;
  }

 private:
  SideReader& target_;
  uint64_t merge_version_;
  std::set<std::tuple<uint32_t, uint32_t, uint64_t>> taken_;  // (space, layer's branch, sequence)
};

}  // namespace

Result<BranchDiff> BranchStore::Diff(std::string_view a, std::string_view b) {
  STRATA_RETURN_IF_ERROR(ValidateBranchName(a));
  STRATA_RETURN_IF_ERROR(ValidateBranchName(b));
  auto txn = Txn::BeginRead(core_.env());
  if (!txn.ok()) return txn.status();
  const Databases& dbs = core_.dbs();
  auto pair = LoadPair(*txn, dbs, a, b);
  if (!pair.ok()) return pair.status();
  BranchDiff out;
  out.branch_a = std::string(a);
  out.branch_b = std::string(b);
  auto fork = ForkAncestry(*txn, dbs, pair->chain_a, pair->chain_b);
  if (!fork.ok()) return fork.status();
  Ancestry ancestry;
  if (fork->has_value()) {
    ancestry = std::move(**fork);
  } else {
    ancestry.unrelated = true;
    ancestry.changes_a = AllChanges(pair->chain_a, 0);
    ancestry.changes_b = AllChanges(pair->chain_b, 0);
  }
  out.unrelated = ancestry.unrelated;
  std::set<NameKey> names;
  STRATA_RETURN_IF_ERROR(CollectCandidates(*txn, dbs, ancestry, pair->chain_a, pair->chain_b, names));
  VectorGroups vector_groups = TakeVectorCandidates(names);
  auto space_names = Catalog::SpaceNames(*txn, dbs);
  if (!space_names.ok()) return space_names.status();
  SideReader side_a(*txn, dbs, pair->chain_a, UINT64_MAX, *space_names);
  SideReader side_b(*txn, dbs, pair->chain_b, UINT64_MAX, *space_names);
  for (const auto& [space_id, p, name] : names) {
    auto va = side_a.Read(space_id, p, name);
    if (!va.ok()) return va.status();
    auto vb = side_b.Read(space_id, p, name);
    if (!vb.ok()) return vb.status();
    if (SameVisible(*va, *vb)) continue;
    BranchDiffEntry e{space_names->at(space_id), PrimitiveName(p), DisplayKey(p, name), "", Shown(*va), Shown(*vb)};
    if (!va->present) {
      e.change = "added";
      ++out.added;
    } else if (!vb->present) {
      e.change = "removed";
      ++out.removed;
    } else {
      e.change = "modified";
      ++out.modified;
    }
    out.entries.push_back(std::move(e));
  }
  STRATA_RETURN_IF_ERROR(DiffVectors(side_a, side_b, vector_groups, *space_names, out));
  return out;
}

Result<BranchMergeResult> BranchStore::Merge(std::string_view source, std::string_view target,
                                             std::string_view strategy_name) {
  STRATA_RETURN_IF_ERROR(ValidateBranchName(source));
  STRATA_RETURN_IF_ERROR(ValidateBranchName(target));
  auto strategy = ParseStrategy(strategy_name);
  if (!strategy.ok()) return strategy.status();
  if (source == target) {
    return Status::InvalidArgument("cannot merge branch " + QuoteName(source) + " into itself");
  }
  BranchMergeResult out;
  Status st = core_.writer().Run([&](WriteContext& ctx) -> Status {
    Txn& txn = ctx.txn();
    const Databases& dbs = ctx.dbs();
    out = BranchMergeResult{};
    out.source = std::string(source);
    out.target = std::string(target);
    out.strategy = strategy_name.empty() ? "last_writer_wins" : std::string(strategy_name);
    auto pair = LoadPair(txn, dbs, source, target);
    if (!pair.ok()) return pair.status();
    const BranchRecord& src = pair->a;
    const BranchRecord& tgt = pair->b;
    uint64_t source_version = ctx.current_version();

    // The base: the most recent merge between the pair in either direction,
    // else the fork point, else none.
    auto fork = ForkAncestry(txn, dbs, pair->chain_a, pair->chain_b);
    if (!fork.ok()) return fork.status();
    out.unrelated = !fork->has_value();
    auto forward = ReadMergeBase(txn, dbs, src.id, tgt.id);   // source -> target
    if (!forward.ok()) return forward.status();
    auto reverse = ReadMergeBase(txn, dbs, tgt.id, src.id);   // target -> source
    if (!reverse.ok()) return reverse.status();
    // A source forked from a branch already merged into the target (a fork of
    // a fork, merged back into the grandparent) inherits that merge when it
    // forked after it: the target holds what was merged, so that is the base,
    // not the older fork point (which made a key only the source changed since
    // a conflict). Nearest such ancestor; the pair's own merges come first.
    if (!forward->has_value() && !reverse->has_value() && fork->has_value()) {
      for (size_t i = 1; i < pair->chain_a.size(); ++i) {
        auto inherited = ReadMergeBase(txn, dbs, pair->chain_a[i].branch_id, tgt.id);
        if (!inherited.ok()) return inherited.status();
        if (inherited->has_value() && (*inherited)->source_version <= pair->chain_a[i].max_version) {
          forward = std::move(inherited).value();
          break;
        }
      }
    }
    // The source's changes the target has not seen: since the last merge of
    // source into target, else since the fork point, else all of them.
    std::vector<ChangeRange> source_unseen;
    if (forward->has_value()) {
      source_unseen = AllChanges(pair->chain_a, (*forward)->source_version);
    } else if (fork->has_value()) {
      source_unseen = (*fork)->changes_a;
    } else {
      source_unseen = AllChanges(pair->chain_a, 0);
    }
    // Events the reverse merge appended to the source (all at its version)
    // came from the target: they are not appended back.
    std::optional<uint64_t> skip_event_version;
    Ancestry ancestry;
    bool reverse_is_latest = reverse->has_value() &&
                             (!forward->has_value() || (*reverse)->target_version > (*forward)->target_version);
    if (reverse_is_latest) {
      // The target as it was merged into the source is the base; the source
      // may still hold its own changes from before that merge.
      ancestry.changes_a = std::move(source_unseen);
      ancestry.changes_b = AllChanges(pair->chain_b, (*reverse)->source_version);
      ancestry.base_chain = pair->chain_b;
      ancestry.base_version = (*reverse)->source_version;
      skip_event_version = (*reverse)->target_version;
    } else if (forward->has_value()) {
      ancestry.changes_a = std::move(source_unseen);
      ancestry.changes_b = AllChanges(pair->chain_b, (*forward)->target_version);
      ancestry.base_chain = pair->chain_a;  // the source as it was merged
      ancestry.base_version = (*forward)->source_version;
    } else if (fork->has_value()) {
      ancestry = std::move(**fork);
    } else {
      ancestry.changes_a = std::move(source_unseen);
      ancestry.changes_b = AllChanges(pair->chain_b, 0);
    }

    std::set<NameKey> names;
    STRATA_RETURN_IF_ERROR(CollectCandidates(txn, dbs, ancestry, pair->chain_a, pair->chain_b, names));
    VectorGroups vector_groups = TakeVectorCandidates(names);
    // Source events since the base, in source order (version, then sequence).
    std::vector<std::tuple<uint64_t, uint64_t, uint32_t>> source_events;  // (version, sequence, space)
    for (const ChangeRange& r : ancestry.changes_a) {
      STRATA_RETURN_IF_ERROR(ChangeIndex::Scan(txn, dbs.records, r.branch_id, r.after, r.up_to,
                                               [&](const ChangeEntry& e) {
                                                 if (e.primitive == Primitive::kEvent &&
                                                     e.version != skip_event_version) {
                                                   source_events.emplace_back(e.version, ReadU64(e.name), e.space_id);
                                                 }
                                                 return Status::Ok();
                                               }));
    }
    std::sort(source_events.begin(), source_events.end());

    auto space_names = Catalog::SpaceNames(txn, dbs);
    if (!space_names.ok()) return space_names.status();
    SideReader side_s(txn, dbs, pair->chain_a, UINT64_MAX, *space_names);
    SideReader side_t(txn, dbs, pair->chain_b, UINT64_MAX, *space_names);
    std::optional<SideReader> side_base;
    if (ancestry.base_chain.has_value()) {
      side_base.emplace(txn, dbs, *ancestry.base_chain, ancestry.base_version, *space_names);
    }

    struct Apply {
      uint32_t space_id;
      Primitive primitive;
      std::string name;
      Visible source;
      bool target_present;
    };
    std::vector<Apply> applies;
    ConflictRule rule = [&](const Visible& s, const Visible& t) {
      switch (*strategy) {
        case Strategy::kLastWriterWins: return s.version >= t.version;
        case Strategy::kSourceWins: return true;
        case Strategy::kTargetWins: return false;
        case Strategy::kStrict: return false;
      }
      return false;
    };
    for (const auto& [space_id, p, name] : names) {
      if (p == Primitive::kEvent) continue;  // events are appended, not merged by name
      auto vs = side_s.Read(space_id, p, name);
      if (!vs.ok()) return vs.status();
      auto vt = side_t.Read(space_id, p, name);
      if (!vt.ok()) return vt.status();
      if (SameVisible(*vs, *vt)) continue;
      Visible base;
      if (side_base.has_value()) {
        auto vb = side_base->Read(space_id, p, name);
        if (!vb.ok()) return vb.status();
        base = std::move(vb).value();
      }
      MergeDecision d = DecideThreeWay(*vs, *vt, base, rule);
      if (d.conflict) {
        out.conflicts.push_back({space_names->at(space_id), PrimitiveName(p), name, Shown(*vs), Shown(*vt),
                                 d.take_source ? "source" : "target"});
      }
      if (d.take_source) applies.push_back({space_id, p, name, std::move(vs).value(), vt->present});
    }
    std::vector<PlannedWrite> vector_writes;
    STRATA_RETURN_IF_ERROR(PlanVectorMerge(side_s, side_t, side_base ? &*side_base : nullptr, vector_groups,
                                           *space_names, rule, out.conflicts, vector_writes));
    if (*strategy == Strategy::kStrict && !out.conflicts.empty()) {
      std::string msg = "strict merge of branch " + QuoteName(source) + " into " + QuoteName(target) + ": " +
                        std::to_string(out.conflicts.size()) + " conflicting key(s):";
      for (size_t i = 0; i < out.conflicts.size() && i < 10; ++i) {
        const auto& c = out.conflicts[i];
        msg += (i == 0 ? " " : ", ") + c.primitive + " " + QuoteName(c.key) + " in space " + QuoteName(c.space);
      }
      if (out.conflicts.size() > 10) msg += ", ...";
      return Status::Conflict(msg);
    }

    out.version = ctx.current_version();
    if (!applies.empty() || !source_events.empty() || !vector_writes.empty()) {
      auto version = ctx.NextVersion();
      if (!version.ok()) return version.status();
      out.version = *version;
      int64_t live_delta = 0;
      for (const Apply& a : applies) {
        auto space_id = Catalog::EnsureSpace(txn, dbs, tgt.id, space_names->at(a.space_id));
        if (!space_id.ok()) return space_id.status();
        STRATA_RETURN_IF_ERROR(RecordStore::Write(txn, dbs.records, tgt.id, a.space_id, a.primitive, a.name,
                                                  *version, ctx.timestamp(), !a.source.present, a.source.payload));
        if (a.source.present && !a.target_present) ++live_delta;
        if (!a.source.present && a.target_present) --live_delta;
        ++out.keys_applied;
      }
      for (const PlannedWrite& w : vector_writes) {
        auto space_id = Catalog::EnsureSpace(txn, dbs, tgt.id, space_names->at(w.space_id));
        if (!space_id.ok()) return space_id.status();
        STRATA_RETURN_IF_ERROR(RecordStore::Write(txn, dbs.records, tgt.id, w.space_id, w.primitive, w.name, *version,
                                                  ctx.timestamp(), w.tombstone, w.payload));
        live_delta += w.live_delta;
        ++out.keys_applied;
      }
      TargetEvents held(side_t, *version);
      for (const auto& [ev_version, sequence, space_id] : source_events) {
        std::string seq_name;
        AppendU64(seq_name, sequence);
        auto ev = side_s.Read(space_id, Primitive::kEvent, seq_name);
        if (!ev.ok()) return ev.status();
        if (!ev->present) continue;  // gone with a deleted space
        auto already = held.Take(space_id, *ev);
        if (!already.ok()) return already.status();
        if (*already) continue;
        auto ensured = Catalog::EnsureSpace(txn, dbs, tgt.id, space_names->at(space_id));
        if (!ensured.ok()) return ensured.status();
        // With the time it was first appended: its identity (TargetEvents).
        auto appended = EventLog::AppendInWriterAt(ctx, tgt.id, space_id, ev->event_type, ev->value, *version,
                                                   ev->event_timestamp);
        if (!appended.ok()) return appended.status();
        ++out.keys_applied;
      }
      if (live_delta != 0) STRATA_RETURN_IF_ERROR(core_.AdjustLiveKeys(ctx, tgt.id, live_delta));
    }
    // The next merge of this pair starts here.
    std::string base;
    AppendU64(base, source_version);
    AppendU64(base, out.version);
    return txn.Put(dbs.catalog, MergeBaseKey(src.id, tgt.id), base);
  });
  if (!st.ok()) return st;
  return out;
}

}  // namespace strata::storage

#include "storage/space_store.h"

#include <algorithm>

#include "storage/catalog.h"
#include "storage/event_log.h"
#include "storage/key_codec.h"
#include "storage/meta_keys.h"
#include "storage/names.h"
#include "storage/record_store.h"

namespace strata::storage {
namespace {

// The primitives whose data is named, versioned records. All but vector
// collections count as keys (info's total_keys).
constexpr Primitive kNamedPrimitives[] = {Primitive::kKv, Primitive::kState, Primitive::kJson, Primitive::kVector,
                                          Primitive::kCollection};

std::string NotFoundOnBranch(std::string_view name, std::string_view branch) {
  return "space " + QuoteName(name) + " not found on branch " + QuoteName(branch);
}

// Calls `visit(name)` for each live name of one primitive through `layers`.
template <typename Visit>
Status ForEachLiveName(const Txn& txn, MDB_dbi dbi, const LayerChain& layers, uint32_t space_id, Primitive p,
                       Visit visit) {
  RecordScope scope{&layers, space_id, p};
  std::optional<std::string> after;
  while (true) {
    auto page = RecordStore::List(txn, dbi, scope, "", after, 10000, UINT64_MAX);
    if (!page.ok()) return page.status();
    for (const auto& name : page->names) STRATA_RETURN_IF_ERROR(visit(name));
    if (!page->has_more || page->names.empty()) return Status::Ok();
    after = page->names.back();
  }
}

// The smallest commit version among the records under `prefix` (versioned
// records carry it in the key, events in the value); nullopt when there are none.
Result<std::optional<uint64_t>> OldestOwnVersion(const Txn& txn, MDB_dbi dbi, std::string_view prefix) {
  std::optional<uint64_t> oldest;
  Cursor c(txn, dbi);
  for (bool ok = c.Seek(prefix); ok && c.key().substr(0, prefix.size()) == prefix; ok = c.Next()) {
    std::string_view key = c.key();
    if (key.size() <= kScopeBytes) continue;
    auto primitive = static_cast<Primitive>(static_cast<uint8_t>(key[kScopeBytes - 1]));
    uint64_t version;
    if (primitive == Primitive::kEventByType || primitive == Primitive::kEventByTime) continue;  // index entries; their events are seen
    if (primitive == Primitive::kEvent) {
      if (c.value().size() < 8) return Status::Internal("corrupt event record");
      version = ReadU64(c.value());
    } else {
      if (key.size() < kScopeBytes + 8) return Status::Internal("corrupt record key");
      version = RecordKeyVersion(key);
    }
    oldest = std::min(oldest.value_or(UINT64_MAX), version);
  }
  STRATA_RETURN_IF_ERROR(c.status());
  return oldest;
}

// Removes every record key starting with `prefix`.
Status PurgePrefix(Txn& txn, MDB_dbi dbi, std::string_view prefix) {
  while (true) {
    std::vector<std::string> keys;
    {
      Cursor c(txn, dbi);
      for (bool ok = c.Seek(prefix); ok && c.key().substr(0, prefix.size()) == prefix && keys.size() < 4096;
           ok = c.Next()) {
        keys.emplace_back(c.key());
      }
      STRATA_RETURN_IF_ERROR(c.status());
    }
    if (keys.empty()) return Status::Ok();
    for (const auto& key : keys) STRATA_RETURN_IF_ERROR(txn.Del(dbi, key));
  }
}

// An empty branch name means "default", as in a request's context.
std::string_view BranchOrDefault(std::string_view branch) { return branch.empty() ? "default" : branch; }

}  // namespace

Result<uint64_t> SpaceStore::Create(std::string_view branch_arg, std::string_view name) {
  std::string_view branch = BranchOrDefault(branch_arg);
  STRATA_RETURN_IF_ERROR(ValidateSpaceName(name));
  uint64_t out = 0;
  Status st = core_.writer().Run([&](WriteContext& ctx) -> Status {
    auto b = Catalog::FindBranch(ctx.txn(), ctx.dbs(), branch);
    if (!b.ok()) return b.status();
    auto m = Catalog::GetMembership(ctx.txn(), ctx.dbs(), b->id, name);
    if (!m.ok()) return m.status();
    if (m->has_value() && !(*m)->deleted) {
      out = ctx.current_version();  // already there: nothing to write
      return Status::Ok();
    }
    auto version = ctx.NextVersion();
    if (!version.ok()) return version.status();
    STRATA_RETURN_IF_ERROR(Catalog::EnsureSpace(ctx.txn(), ctx.dbs(), b->id, name).status());
    out = *version;
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<std::string>> SpaceStore::List(std::string_view branch_arg) {
  std::string_view branch = BranchOrDefault(branch_arg);
  auto txn = Txn::BeginRead(core_.env());
  if (!txn.ok()) return txn.status();
  auto b = Catalog::FindBranch(*txn, core_.dbs(), branch);
  if (!b.ok()) return b.status();
  auto all = Catalog::Memberships(*txn, core_.dbs(), b->id);
  if (!all.ok()) return all.status();
  std::vector<std::string> out;
  for (const auto& [name, m] : *all) {
    if (!m.deleted) out.push_back(name);
  }
  if (std::find(out.begin(), out.end(), "default") == out.end()) {
    out.insert(std::lower_bound(out.begin(), out.end(), std::string("default")), "default");
  }
  return out;
}

Result<bool> SpaceStore::Exists(std::string_view branch_arg, std::string_view name) {
  std::string_view branch = BranchOrDefault(branch_arg);
  STRATA_RETURN_IF_ERROR(ValidateSpaceName(name));
  auto txn = Txn::BeginRead(core_.env());
  if (!txn.ok()) return txn.status();
  auto b = Catalog::FindBranch(*txn, core_.dbs(), branch);
  if (!b.ok()) return b.status();
  if (name == "default") return true;
  auto m = Catalog::GetMembership(*txn, core_.dbs(), b->id, name);
  if (!m.ok()) return m.status();
  return m->has_value() && !(*m)->deleted;
}

Result<uint64_t> SpaceStore::Delete(std::string_view branch_arg, std::string_view name, bool force) {
  std::string_view branch = BranchOrDefault(branch_arg);
  STRATA_RETURN_IF_ERROR(ValidateSpaceName(name));
  if (name == "default") return Status::Constraint("the \"default\" space cannot be deleted");
  uint64_t out = 0;
  Status st = core_.writer().Run([&](WriteContext& ctx) -> Status {
    Txn& txn = ctx.txn();
    const Databases& dbs = ctx.dbs();
    auto b = Catalog::FindBranch(txn, dbs, branch);
    if (!b.ok()) return b.status();
    auto m = Catalog::GetMembership(txn, dbs, b->id, name);
    if (!m.ok()) return m.status();
    if (!m->has_value() || (*m)->deleted) return Status::NotFound(NotFoundOnBranch(name, branch));
    auto space_id = Catalog::FindSpace(txn, dbs, name);
    if (!space_id.ok()) return space_id.status();
    if (!space_id->has_value()) return Status::Internal("space membership names an unregistered space");
    uint32_t sid = **space_id;

    // What the branch sees in the space now, through its layers.
    auto chain = Catalog::Layers(txn, dbs, *b);
    if (!chain.ok()) return chain.status();
    auto layers = Catalog::SpaceLayers(txn, dbs, std::move(chain).value(), name, UINT64_MAX);
    if (!layers.ok()) return layers.status();
    uint64_t live = 0;  // keys: what total_keys counts
    uint64_t collections = 0;
    for (Primitive p : kNamedPrimitives) {
      bool keyed = p != Primitive::kCollection;
      STRATA_RETURN_IF_ERROR(ForEachLiveName(txn, dbs.records, *layers, sid, p, [&](const std::string&) {
        ++(keyed ? live : collections);
        return Status::Ok();
      }));
    }
    uint64_t events = 0;
    auto head = txn.Get(dbs.meta, EventLog::HeadKey(b->id, sid));
    if (!head.ok()) return head.status();
    if (head->has_value() && (*head)->size() >= 8) events = ReadU64(**head);
    if (!force && (live > 0 || collections > 0 || events > 0)) {
      return Status::Constraint("space " + QuoteName(name) + " on branch " + QuoteName(branch) + " is not empty (" +
                                std::to_string(live) + " names, " + std::to_string(events) + " events, " +
                                std::to_string(collections) +
                                " vector collections); delete it with force to remove its data");
    }

    // The branch's own records in the space, and whether a branch forked
    // from this one still reads some of them (they are older than its fork).
    std::string own;
    AppendU32(own, b->id);
    AppendU32(own, sid);
    auto oldest = OldestOwnVersion(txn, dbs.records, own);
    if (!oldest.ok()) return oldest.status();
    auto reader = Catalog::MaxReaderVersion(txn, dbs, b->id);
    if (!reader.ok()) return reader.status();
    bool read_by_children = oldest->has_value() && reader->has_value() && **reader >= **oldest;
    std::string own_events = ScopePrefix(b->id, sid, Primitive::kEvent);
    if (read_by_children) {
      auto first_event = OldestOwnVersion(txn, dbs.records, own_events);
      if (!first_event.ok()) return first_event.status();
      if (first_event->has_value() && **first_event <= **reader) {
        return Status::Constraint("space " + QuoteName(name) + " on branch " + QuoteName(branch) +
                                  " holds events that branches forked from it still read; delete those branches "
                                  "first");
      }
    }
    auto version = ctx.NextVersion();
    if (!version.ok()) return version.status();
    if (!read_by_children) {
      STRATA_RETURN_IF_ERROR(PurgePrefix(txn, dbs.records, own));
    } else {
      // Children read some of these records below their fork version: keep
      // them, and end each live name of the branch's own layer with a
      // tombstone. No child reads the branch's own events (checked above).
      STRATA_RETURN_IF_ERROR(PurgePrefix(txn, dbs.records, own_events));
      STRATA_RETURN_IF_ERROR(PurgePrefix(txn, dbs.records, ScopePrefix(b->id, sid, Primitive::kEventByType)));
      STRATA_RETURN_IF_ERROR(PurgePrefix(txn, dbs.records, ScopePrefix(b->id, sid, Primitive::kEventByTime)));
      LayerChain self{{b->id, UINT64_MAX}};
      for (Primitive p : kNamedPrimitives) {
        std::vector<std::string> names;
        STRATA_RETURN_IF_ERROR(ForEachLiveName(txn, dbs.records, self, sid, p, [&](const std::string& n) {
          names.push_back(n);
          return Status::Ok();
        }));
        for (const auto& n : names) {
          STRATA_RETURN_IF_ERROR(RecordStore::Write(txn, dbs.records, b->id, sid, p, n, *version, ctx.timestamp(),
                                                    /*tombstone=*/true, {}));
        }
      }
    }
    STRATA_RETURN_IF_ERROR(txn.Del(dbs.meta, EventLog::HeadKey(b->id, sid)));
    STRATA_RETURN_IF_ERROR(Catalog::PutMembership(txn, dbs, b->id, name, SpaceMembership{true, *version}));
    if (live > 0) STRATA_RETURN_IF_ERROR(core_.AdjustLiveKeys(ctx, b->id, -static_cast<int64_t>(live)));
    out = *version;
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

}  // namespace strata::storage

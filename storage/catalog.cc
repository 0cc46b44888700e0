#include "storage/catalog.h"

#include <algorithm>
#include <map>

#include "storage/key_codec.h"
#include "storage/meta_keys.h"
#include "storage/names.h"

namespace strata::storage {
namespace {

constexpr std::string_view kBranchByIdPrefix = "branch_id/";
constexpr uint8_t kBranchDeleted = 0x01;
constexpr uint8_t kSpaceDeleted = 0x01;
constexpr uint8_t kSpaceDetached = 0x02;

std::string EncodeBranch(const BranchRecord& b) {
  std::string out;
  AppendU32(out, b.id);
  AppendU32(out, b.parent_id);
  AppendU64(out, b.fork_version);
  AppendU64(out, static_cast<uint64_t>(b.created_at));
  out.push_back(static_cast<char>(b.deleted ? kBranchDeleted : 0));
  out.push_back(static_cast<char>((b.name.size() >> 8) & 0xff));
  out.push_back(static_cast<char>(b.name.size() & 0xff));
  out.append(b.name);
  return out;
}

Result<BranchRecord> DecodeBranch(std::string_view v) {
  if (v.size() < 25) return Status::Internal("corrupt branch record");
  BranchRecord b;
  b.id = ReadU32(v);
  b.parent_id = ReadU32(v.substr(4));
  b.fork_version = ReadU64(v.substr(8));
  b.created_at = static_cast<int64_t>(ReadU64(v.substr(16)));
  b.deleted = (static_cast<uint8_t>(v[24]) & kBranchDeleted) != 0;
  if (v.size() >= 27) {
    size_t len = (static_cast<uint8_t>(v[25]) << 8) | static_cast<uint8_t>(v[26]);
    if (v.size() < 27 + len) return Status::Internal("corrupt branch record: short name");
    b.name = std::string(v.substr(27, len));
  } else if (b.id == kDefaultBranchId) {
    b.name = "default";  // written before branch records carried their name
  }
  return b;
}

std::string EncodeMembership(const SpaceMembership& m) {
  if (!m.deleted && !m.detached_at.has_value()) return {};
  std::string out;
  out.push_back(static_cast<char>((m.deleted ? kSpaceDeleted : 0) | (m.detached_at ? kSpaceDetached : 0)));
  AppendU64(out, m.detached_at.value_or(0));
  return out;
}

Result<SpaceMembership> DecodeMembership(std::string_view v) {
  SpaceMembership m;
  if (v.empty()) return m;
  if (v.size() != 9) return Status::Internal("corrupt space membership record");
  uint8_t flags = static_cast<uint8_t>(v[0]);
  m.deleted = (flags & kSpaceDeleted) != 0;
  if ((flags & kSpaceDetached) != 0) m.detached_at = ReadU64(v.substr(1));
  return m;
}

std::string BranchByIdKey(uint32_t id) {
  std::string key(kBranchByIdPrefix);
  AppendU32(key, id);
  return key;
}

std::string BranchSpaceKey(uint32_t branch_id, std::string_view name) {
  std::string key(kCatalogBranchSpacePrefix);
  AppendU32(key, branch_id);
  key.append(name);
  return key;
}

std::string U32(uint32_t v) {
  std::string out;
  AppendU32(out, v);
  return out;
}

}  // namespace

Status Catalog::Initialize(Txn& txn, const Databases& dbs, int64_t now) {
  auto format = txn.Get(dbs.meta, kMetaFormatVersion);
  if (!format.ok()) return format.status();
  if (format->has_value()) {
    if ((*format)->size() != 4) return Status::Internal("corrupt format version record");
    uint32_t found = ReadU32(**format);
    if (found > kFormatVersion) {
      return Status::Internal("the data directory has format version " + std::to_string(found) +
                              ", newer than this stratad supports (" + std::to_string(kFormatVersion) +
                              "); upgrade stratad");
    }
    // An older directory is upgraded by the engine's open, in this same
    // transaction (meta_keys.h says what each version added).
    if (found < kFormatVersion) return txn.Put(dbs.meta, kMetaFormatVersion, U32(kFormatVersion));
    return Status::Ok();
  }
  STRATA_RETURN_IF_ERROR(txn.Put(dbs.meta, kMetaFormatVersion, U32(kFormatVersion)));
  STRATA_RETURN_IF_ERROR(txn.Put(dbs.meta, kMetaNextBranchId, U32(kDefaultBranchId + 1)));
  STRATA_RETURN_IF_ERROR(txn.Put(dbs.meta, kMetaNextSpaceId, U32(kDefaultSpaceId + 1)));
  BranchRecord main{kDefaultBranchId, 0, 0, now, false, "default"};
  STRATA_RETURN_IF_ERROR(txn.Put(dbs.catalog, std::string(kCatalogBranchPrefix) + "default", EncodeBranch(main)));
  STRATA_RETURN_IF_ERROR(txn.Put(dbs.catalog, BranchByIdKey(kDefaultBranchId), EncodeBranch(main)));
  STRATA_RETURN_IF_ERROR(txn.Put(dbs.catalog, std::string(kCatalogSpacePrefix) + "default", U32(kDefaultSpaceId)));
  return txn.Put(dbs.catalog, BranchSpaceKey(kDefaultBranchId, "default"), {});
}

Result<BranchRecord> Catalog::FindBranch(const Txn& txn, const Databases& dbs, std::string_view name) {
  auto v = txn.Get(dbs.catalog, std::string(kCatalogBranchPrefix) + std::string(name));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return Status::NotFound("branch " + QuoteName(name) + " not found");
  auto b = DecodeBranch(**v);
  if (b.ok() && b->name.empty()) b->name = std::string(name);
  return b;
}

Result<LayerChain> Catalog::Layers(const Txn& txn, const Databases& dbs, const BranchRecord& branch) {
  LayerChain chain{{branch.id, UINT64_MAX}};
  BranchRecord current = branch;
  uint64_t cap = UINT64_MAX;
  // Each ancestor is visible up to the smallest fork version below it.
  while (current.parent_id != 0) {
    cap = std::min(cap, current.fork_version);
    auto v = txn.Get(dbs.catalog, BranchByIdKey(current.parent_id));
    if (!v.ok()) return v.status();
    if (!v->has_value()) return Status::Internal("branch catalog names a missing parent");
    auto parent = DecodeBranch(**v);
    if (!parent.ok()) return parent.status();
    current = *parent;
    chain.push_back({current.id, cap});
  }
  return chain;
}

Result<std::optional<uint32_t>> Catalog::FindSpace(const Txn& txn, const Databases& dbs, std::string_view name) {
  auto v = txn.Get(dbs.catalog, std::string(kCatalogSpacePrefix) + std::string(name));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<uint32_t>();
  if ((*v)->size() != 4) return Status::Internal("corrupt space record");
  return std::optional<uint32_t>(ReadU32(**v));
}

Result<std::map<uint32_t, std::string>> Catalog::SpaceNames(const Txn& txn, const Databases& dbs) {
  std::map<uint32_t, std::string> out;
  Cursor c(txn, dbs.catalog);
  for (bool ok = c.Seek(kCatalogSpacePrefix); ok && c.key().substr(0, kCatalogSpacePrefix.size()) == kCatalogSpacePrefix;
       ok = c.Next()) {
    if (c.value().size() != 4) return Status::Internal("corrupt space record");
    out.emplace(ReadU32(c.value()), std::string(c.key().substr(kCatalogSpacePrefix.size())));
  }
  STRATA_RETURN_IF_ERROR(c.status());
  return out;
}

Result<uint32_t> Catalog::EnsureSpace(Txn& txn, const Databases& dbs, uint32_t branch_id, std::string_view name) {
  auto found = FindSpace(txn, dbs, name);
  if (!found.ok()) return found.status();
  uint32_t id;
  if (found->has_value()) {
    id = **found;
  } else {
    auto next = txn.Get(dbs.meta, kMetaNextSpaceId);
    if (!next.ok()) return next.status();
    if (!next->has_value() || (*next)->size() != 4) return Status::Internal("corrupt space id counter");
    id = ReadU32(**next);
    STRATA_RETURN_IF_ERROR(txn.Put(dbs.meta, kMetaNextSpaceId, U32(id + 1)));
    STRATA_RETURN_IF_ERROR(txn.Put(dbs.catalog, std::string(kCatalogSpacePrefix) + std::string(name), U32(id)));
  }
  auto membership = GetMembership(txn, dbs, branch_id, name);
  if (!membership.ok()) return membership.status();
  if (!membership->has_value()) {
    STRATA_RETURN_IF_ERROR(PutMembership(txn, dbs, branch_id, name, SpaceMembership{}));
  } else if ((*membership)->deleted) {
    SpaceMembership revived = **membership;
    revived.deleted = false;  // still detached from the ancestors
    STRATA_RETURN_IF_ERROR(PutMembership(txn, dbs, branch_id, name, revived));
  }
  return id;
}

Result<uint64_t> Catalog::CountBranches(const Txn& txn, const Databases& dbs) {
  uint64_t n = 0;
  Cursor c(txn, dbs.catalog);
  for (bool ok = c.Seek(kCatalogBranchPrefix); ok && c.key().substr(0, kCatalogBranchPrefix.size()) == kCatalogBranchPrefix;
       ok = c.Next()) {
    ++n;
  }
  STRATA_RETURN_IF_ERROR(c.status());
  return n;
}

Result<uint64_t> Catalog::CountSpaces(const Txn& txn, const Databases& dbs, uint32_t branch_id) {
  auto all = Memberships(txn, dbs, branch_id);
  if (!all.ok()) return all.status();
  uint64_t n = 0;
  for (const auto& [name, m] : *all) n += m.deleted ? 0 : 1;
  return n;
}

Result<std::optional<BranchRecord>> Catalog::BranchById(const Txn& txn, const Databases& dbs, uint32_t id) {
  using Out = std::optional<BranchRecord>;
  auto v = txn.Get(dbs.catalog, BranchByIdKey(id));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return Out();
  auto b = DecodeBranch(**v);
  if (!b.ok()) return b.status();
  return Out(std::move(b).value());
}

Result<std::vector<BranchRecord>> Catalog::AllBranches(const Txn& txn, const Databases& dbs) {
  std::vector<BranchRecord> out;
  Cursor c(txn, dbs.catalog);
  for (bool ok = c.Seek(kBranchByIdPrefix); ok && c.key().substr(0, kBranchByIdPrefix.size()) == kBranchByIdPrefix;
       ok = c.Next()) {
    auto b = DecodeBranch(c.value());
    if (!b.ok()) return b.status();
    out.push_back(std::move(b).value());
  }
  STRATA_RETURN_IF_ERROR(c.status());
  return out;
}

Result<std::vector<std::string>> Catalog::BranchNames(const Txn& txn, const Databases& dbs) {
  std::vector<std::string> out;
  Cursor c(txn, dbs.catalog);
  for (bool ok = c.Seek(kCatalogBranchPrefix);
       ok && c.key().substr(0, kCatalogBranchPrefix.size()) == kCatalogBranchPrefix; ok = c.Next()) {
    out.emplace_back(c.key().substr(kCatalogBranchPrefix.size()));
  }
  STRATA_RETURN_IF_ERROR(c.status());
  return out;
}

Result<uint32_t> Catalog::AllocateBranchId(Txn& txn, const Databases& dbs) {
  auto next = txn.Get(dbs.meta, kMetaNextBranchId);
  if (!next.ok()) return next.status();
  if (!next->has_value() || (*next)->size() != 4) return Status::Internal("corrupt branch id counter");
  uint32_t id = ReadU32(**next);
  if (id == UINT32_MAX) return Status::ResourceExhausted("no branch ids are left");
  STRATA_RETURN_IF_ERROR(txn.Put(dbs.meta, kMetaNextBranchId, U32(id + 1)));
  return id;
}

Status Catalog::PutBranch(Txn& txn, const Databases& dbs, const BranchRecord& branch) {
  std::string encoded = EncodeBranch(branch);
  STRATA_RETURN_IF_ERROR(txn.Put(dbs.catalog, BranchByIdKey(branch.id), encoded));
  if (branch.deleted) return Status::Ok();
  return txn.Put(dbs.catalog, std::string(kCatalogBranchPrefix) + branch.name, encoded);
}

Status Catalog::MarkBranchDeleted(Txn& txn, const Databases& dbs, BranchRecord branch) {
  STRATA_RETURN_IF_ERROR(txn.Del(dbs.catalog, std::string(kCatalogBranchPrefix) + branch.name));
  branch.deleted = true;
  return txn.Put(dbs.catalog, BranchByIdKey(branch.id), EncodeBranch(branch));
}

Result<std::optional<uint64_t>> Catalog::MaxReaderVersion(const Txn& txn, const Databases& dbs,
                                                          uint32_t branch_id) {
  auto all = AllBranches(txn, dbs);
  if (!all.ok()) return all.status();
  std::multimap<uint32_t, const BranchRecord*> children;
  for (const auto& b : *all) children.emplace(b.parent_id, &b);
  std::optional<uint64_t> best;
  // (branch, the cap at which reads through it reach `branch_id`)
  std::vector<std::pair<uint32_t, uint64_t>> pending{{branch_id, UINT64_MAX}};
  while (!pending.empty()) {
    auto [id, cap] = pending.back();
    pending.pop_back();
    auto [lo, hi] = children.equal_range(id);
    for (auto it = lo; it != hi; ++it) {
      uint64_t child_cap = std::min(cap, it->second->fork_version);
      if (!it->second->deleted) {
        // A live child reads at child_cap; its own descendants read no higher.
        best = std::max(best.value_or(0), child_cap);
      } else {
        pending.emplace_back(it->second->id, child_cap);  // matters only through its own children
      }
    }
  }
  return best;
}

Result<LayerChain> Catalog::SpaceLayers(const Txn& txn, const Databases& dbs, LayerChain chain,
                                        std::string_view space, uint64_t read_version) {
  for (size_t i = 0; i + 1 < chain.size(); ++i) {
    auto m = GetMembership(txn, dbs, chain[i].branch_id, space);
    if (!m.ok()) return m.status();
    if (!m->has_value() || !(*m)->detached_at.has_value()) continue;
    uint64_t read_at = std::min(read_version, chain[i].max_version);
    if (*(*m)->detached_at <= read_at) {
      chain.resize(i + 1);
      break;
    }
  }
  return chain;
}

Result<std::optional<SpaceMembership>> Catalog::GetMembership(const Txn& txn, const Databases& dbs,
                                                              uint32_t branch_id, std::string_view space) {
  using Out = std::optional<SpaceMembership>;
  auto v = txn.Get(dbs.catalog, BranchSpaceKey(branch_id, space));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return Out();
  auto m = DecodeMembership(**v);
  if (!m.ok()) return m.status();
  return Out(*m);
}

Status Catalog::PutMembership(Txn& txn, const Databases& dbs, uint32_t branch_id, std::string_view space,
                              const SpaceMembership& membership) {
  return txn.Put(dbs.catalog, BranchSpaceKey(branch_id, space), EncodeMembership(membership));
}

Result<std::vector<std::pair<std::string, SpaceMembership>>> Catalog::Memberships(const Txn& txn,
                                                                                  const Databases& dbs,
                                                                                  uint32_t branch_id) {
  std::vector<std::pair<std::string, SpaceMembership>> out;
  std::string prefix = BranchSpaceKey(branch_id, "");
  Cursor c(txn, dbs.catalog);
  for (bool ok = c.Seek(prefix); ok && c.key().substr(0, prefix.size()) == prefix; ok = c.Next()) {
    auto m = DecodeMembership(c.value());
    if (!m.ok()) return m.status();
    out.emplace_back(std::string(c.key().substr(prefix.size())), *m);
  }
  STRATA_RETURN_IF_ERROR(c.status());
  return out;
}

}  // namespace strata::storage

#include "storage/catalog.h"

#include "storage/key_codec.h"
#include "storage/meta_keys.h"

namespace strata::storage {
namespace {

constexpr std::string_view kBranchByIdPrefix = "branch_id/";

std::string EncodeBranch(const BranchRecord& b) {
  std::string out;
  AppendU32(out, b.id);
  AppendU32(out, b.parent_id);
  AppendU64(out, b.fork_version);
  AppendU64(out, static_cast<uint64_t>(b.created_at));
  out.push_back('\0');
  return out;
}

Result<BranchRecord> DecodeBranch(std::string_view v) {
  if (v.size() < 25) return Status::Internal("corrupt branch record");
  BranchRecord b;
  b.id = ReadU32(v);
  b.parent_id = ReadU32(v.substr(4));
  b.fork_version = ReadU64(v.substr(8));
  b.created_at = static_cast<int64_t>(ReadU64(v.substr(16)));
  return b;
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
    return Status::Ok();
  }
  STRATA_RETURN_IF_ERROR(txn.Put(dbs.meta, kMetaFormatVersion, U32(kFormatVersion)));
  std::string zero;
  AppendU64(zero, 0);
  STRATA_RETURN_IF_ERROR(txn.Put(dbs.meta, kMetaVersion, zero));
  STRATA_RETURN_IF_ERROR(txn.Put(dbs.meta, kMetaNextBranchId, U32(kDefaultBranchId + 1)));
  STRATA_RETURN_IF_ERROR(txn.Put(dbs.meta, kMetaNextSpaceId, U32(kDefaultSpaceId + 1)));
  BranchRecord main{kDefaultBranchId, 0, 0, now};
  STRATA_RETURN_IF_ERROR(txn.Put(dbs.catalog, std::string(kCatalogBranchPrefix) + "default", EncodeBranch(main)));
  STRATA_RETURN_IF_ERROR(txn.Put(dbs.catalog, BranchByIdKey(kDefaultBranchId), EncodeBranch(main)));
  STRATA_RETURN_IF_ERROR(txn.Put(dbs.catalog, std::string(kCatalogSpacePrefix) + "default", U32(kDefaultSpaceId)));
  return txn.Put(dbs.catalog, BranchSpaceKey(kDefaultBranchId, "default"), {});
}

Result<BranchRecord> Catalog::FindBranch(const Txn& txn, const Databases& dbs, std::string_view name) {
  auto v = txn.Get(dbs.catalog, std::string(kCatalogBranchPrefix) + std::string(name));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return Status::NotFound("branch \"" + std::string(name) + "\" not found");
  return DecodeBranch(**v);
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
  std::string member = BranchSpaceKey(branch_id, name);
  auto exists = txn.Get(dbs.catalog, member);
  if (!exists.ok()) return exists.status();
  if (!exists->has_value()) STRATA_RETURN_IF_ERROR(txn.Put(dbs.catalog, member, {}));
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
  std::string prefix = BranchSpaceKey(branch_id, "");
  uint64_t n = 0;
  Cursor c(txn, dbs.catalog);
  for (bool ok = c.Seek(prefix); ok && c.key().substr(0, prefix.size()) == prefix; ok = c.Next()) ++n;
  STRATA_RETURN_IF_ERROR(c.status());
  return n;
}

}  // namespace strata::storage

#include "storage/branch_store.h"

#include "storage/catalog.h"
#include "storage/key_codec.h"
#include "storage/meta_keys.h"
#include "storage/names.h"

namespace strata::storage {
namespace {

std::string MetaKey(std::string_view prefix, uint32_t branch_id) {
  std::string key(prefix);
  AppendU32(key, branch_id);
  return key;
}

Result<BranchInfo> InfoOf(const Txn& txn, const Databases& dbs, const BranchRecord& b) {
  BranchInfo info{b.name, "", b.fork_version, b.created_at};
  if (b.parent_id != 0) {
    auto parent = Catalog::BranchById(txn, dbs, b.parent_id);
    if (!parent.ok()) return parent.status();
    if (!parent->has_value()) return Status::Internal("branch catalog names a missing parent");
    info.parent = (*parent)->name;
  }
  return info;
}

Status RequireFree(const Txn& txn, const Databases& dbs, std::string_view name) {
  auto existing = Catalog::FindBranch(txn, dbs, name);
  if (existing.ok()) return Status::AlreadyExists("branch " + QuoteName(name) + " already exists");
  if (existing.status().code() != Code::kNotFound) return existing.status();
  return Status::Ok();
}

// Copies every meta record "prefix + source id + rest" to "prefix + dest id + rest".
Status CopyMetaPerBranch(Txn& txn, const Databases& dbs, std::string_view prefix, uint32_t source, uint32_t dest) {
  std::string from = MetaKey(prefix, source);
  std::vector<std::pair<std::string, std::string>> copies;
  {
    Cursor c(txn, dbs.meta);
    for (bool ok = c.Seek(from); ok && c.key().substr(0, from.size()) == from; ok = c.Next()) {
      copies.emplace_back(MetaKey(prefix, dest) + std::string(c.key().substr(from.size())), std::string(c.value()));
    }
    STRATA_RETURN_IF_ERROR(c.status());
  }
  for (const auto& [key, value] : copies) STRATA_RETURN_IF_ERROR(txn.Put(dbs.meta, key, value));
  return Status::Ok();
}

}  // namespace

Result<BranchInfo> BranchStore::Create(std::string_view name) {
  STRATA_RETURN_IF_ERROR(ValidateBranchName(name));
  BranchInfo out;
  Status st = core_.writer().Run([&](WriteContext& ctx) -> Status {
    const Databases& dbs = ctx.dbs();
    STRATA_RETURN_IF_ERROR(RequireFree(ctx.txn(), dbs, name));
    auto id = Catalog::AllocateBranchId(ctx.txn(), dbs);
    if (!id.ok()) return id.status();
    auto version = ctx.NextVersion();
    if (!version.ok()) return version.status();
    BranchRecord b{*id, 0, 0, ctx.timestamp(), false, std::string(name)};
    STRATA_RETURN_IF_ERROR(Catalog::PutBranch(ctx.txn(), dbs, b));
    STRATA_RETURN_IF_ERROR(Catalog::EnsureSpace(ctx.txn(), dbs, b.id, "default").status());
    out = {b.name, "", 0, b.created_at};
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

Result<ForkResult> BranchStore::Fork(std::string_view source, std::string_view destination) {
  STRATA_RETURN_IF_ERROR(ValidateBranchName(source));
  STRATA_RETURN_IF_ERROR(ValidateBranchName(destination));
  ForkResult out;
  Status st = core_.writer().Run([&](WriteContext& ctx) -> Status {
    const Databases& dbs = ctx.dbs();
    auto src = Catalog::FindBranch(ctx.txn(), dbs, source);
    if (!src.ok()) return src.status();
    STRATA_RETURN_IF_ERROR(RequireFree(ctx.txn(), dbs, destination));
    auto id = Catalog::AllocateBranchId(ctx.txn(), dbs);
    if (!id.ok()) return id.status();
    // The fork's own version: the source's records up to it are the child's.
    auto version = ctx.NextVersion();
    if (!version.ok()) return version.status();
    BranchRecord b{*id, src->id, *version, ctx.timestamp(), false, std::string(destination)};
    STRATA_RETURN_IF_ERROR(Catalog::PutBranch(ctx.txn(), dbs, b));
    // The spaces the source has now (inherited data is read through its layer).
    auto spaces = Catalog::Memberships(ctx.txn(), dbs, src->id);
    if (!spaces.ok()) return spaces.status();
    for (const auto& [space, m] : *spaces) {
      if (!m.deleted) STRATA_RETURN_IF_ERROR(Catalog::PutMembership(ctx.txn(), dbs, b.id, space, SpaceMembership{}));
    }
    // Event logs continue the source's sequence and hash chain; the live-name
    // count starts at the source's.
    STRATA_RETURN_IF_ERROR(CopyMetaPerBranch(ctx.txn(), dbs, kMetaEventHeadPrefix, src->id, b.id));
    auto live = core_.LiveKeys(ctx.txn(), src->id);
    if (!live.ok()) return live.status();
    std::string count;
    AppendU64(count, *live);
    STRATA_RETURN_IF_ERROR(ctx.txn().Put(dbs.meta, MetaKey(kMetaLiveKeysPrefix, b.id), count));
    out = {std::string(source), std::string(destination), *version};
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

Result<BranchInfo> BranchStore::Get(std::string_view name) {
  STRATA_RETURN_IF_ERROR(ValidateBranchName(name));
  auto txn = Txn::BeginRead(core_.env());
  if (!txn.ok()) return txn.status();
  auto b = Catalog::FindBranch(*txn, core_.dbs(), name);
  if (!b.ok()) return b.status();
  return InfoOf(*txn, core_.dbs(), *b);
}

Result<std::vector<std::string>> BranchStore::List() {
  auto txn = Txn::BeginRead(core_.env());
  if (!txn.ok()) return txn.status();
  return Catalog::BranchNames(*txn, core_.dbs());
}

Result<bool> BranchStore::Exists(std::string_view name) {
  STRATA_RETURN_IF_ERROR(ValidateBranchName(name));
  auto txn = Txn::BeginRead(core_.env());
  if (!txn.ok()) return txn.status();
  auto b = Catalog::FindBranch(*txn, core_.dbs(), name);
  if (b.ok()) return true;
  if (b.status().code() == Code::kNotFound) return false;
  return b.status();
}

Result<uint64_t> BranchStore::Delete(std::string_view name) {
  STRATA_RETURN_IF_ERROR(ValidateBranchName(name));
  if (name == "default") return Status::Constraint("the \"default\" branch cannot be deleted");
  uint64_t out = 0;
  Status st = core_.writer().Run([&](WriteContext& ctx) -> Status {
    auto b = Catalog::FindBranch(ctx.txn(), ctx.dbs(), name);
    if (!b.ok()) return b.status();
    if (b->id == kDefaultBranchId) return Status::Constraint("the \"default\" branch cannot be deleted");
    auto version = ctx.NextVersion();
    if (!version.ok()) return version.status();
    // Records, memberships and event heads stay: children read through them.
    STRATA_RETURN_IF_ERROR(Catalog::MarkBranchDeleted(ctx.txn(), ctx.dbs(), *b));
    out = *version;
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

}  // namespace strata::storage

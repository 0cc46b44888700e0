#include "storage/change_index.h"

namespace strata::storage {

std::atomic<uint64_t> ChangeIndex::visited_{0};

namespace {

constexpr uint32_t kChangeSpaceId = 0;
// [branch][space 0][kChange] + version
constexpr size_t kVersionOffset = kScopeBytes;
constexpr size_t kEntryHeadBytes = kScopeBytes + 8 + 4 + 1;

std::string ChangePrefix(uint32_t branch_id) { return ScopePrefix(branch_id, kChangeSpaceId, Primitive::kChange); }

}  // namespace

Status ChangeIndex::Add(Txn& txn, MDB_dbi dbi, uint32_t branch_id, uint64_t version, uint32_t space_id,
                        Primitive primitive, std::string_view name) {
  std::string key = ChangePrefix(branch_id);
  AppendU64(key, version);
  // NamePrefix minus the branch id: [space][primitive][encoded name].
  key += NamePrefix(branch_id, space_id, primitive, name).substr(4);
  return txn.Put(dbi, key, name);
}

Status ChangeIndex::AddEvent(Txn& txn, MDB_dbi dbi, uint32_t branch_id, uint64_t version, uint32_t space_id,
                             uint64_t sequence) {
  std::string key = ChangePrefix(branch_id);
  AppendU64(key, version);
  AppendU32(key, space_id);
  key.push_back(static_cast<char>(Primitive::kEvent));
  std::string seq;
  AppendU64(seq, sequence);
  key += seq;
  return txn.Put(dbi, key, seq);
}

Status ChangeIndex::RemoveForRecord(Txn& txn, MDB_dbi dbi, std::string_view record_key) {
  // [branch][space][primitive][encoded name][~version] -> the entry Add wrote.
  if (record_key.size() < kScopeBytes + 8) return Status::InvalidArgument("not a record key");
  std::string key = ChangePrefix(ReadU32(record_key));
  AppendU64(key, RecordKeyVersion(record_key));
  key += RecordKeyNamePrefix(record_key).substr(4);
  return txn.Del(dbi, key);
}

Status ChangeIndex::Scan(const Txn& txn, MDB_dbi dbi, uint32_t branch_id, uint64_t after, uint64_t up_to,
                         const std::function<Status(const ChangeEntry&)>& visit) {
  if (after >= up_to) return Status::Ok();
  std::string prefix = ChangePrefix(branch_id);
  std::string seek = prefix;
  AppendU64(seek, after + 1);
  Cursor c(txn, dbi);
  for (bool ok = c.Seek(seek); ok; ok = c.Next()) {
    std::string_view key = c.key();
    if (key.size() < kEntryHeadBytes || key.compare(0, prefix.size(), prefix) != 0) break;
    ChangeEntry e;
    e.version = ReadU64(key.substr(kVersionOffset));
    if (e.version > up_to) break;
    visited_.fetch_add(1, std::memory_order_relaxed);
    e.space_id = ReadU32(key.substr(kVersionOffset + 8));
    e.primitive = static_cast<Primitive>(static_cast<uint8_t>(key[kVersionOffset + 12]));
    e.name = std::string(c.value());
    STRATA_RETURN_IF_ERROR(visit(e));
  }
  return c.status();
}

}  // namespace strata::storage

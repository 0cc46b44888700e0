#include "storage/record_store.h"

#include <algorithm>
#include <memory>

#include "storage/change_index.h"
#include "storage/text_index.h"

namespace strata::storage {
namespace {

constexpr uint8_t kTombstone = 0x01;
constexpr uint8_t kFullName = 0x02;
constexpr size_t kRecordHeaderBytes = 9;

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// The name part of NamePrefix() without the scope: comparable across layers.
std::string_view EncodedName(std::string_view name_prefix) { return name_prefix.substr(kScopeBytes); }

// Walks one layer's names in key order and yields, for each name, its newest
// record at or below the layer's version cap.
class LayerNames {
 public:
  LayerNames(const Txn& txn, MDB_dbi dbi, std::string scope, std::string stop, uint64_t at_version)
      : cursor_(txn, dbi), scope_(std::move(scope)), stop_(std::move(stop)), at_version_(at_version) {}

  // Positions at the first name whose encoded form is >= `start` (scope-relative).
  Status Start(std::string_view start) { return Advance(scope_ + std::string(start)); }

  bool valid() const { return valid_; }
  std::string_view encoded_name() const { return EncodedName(name_prefix_); }
  const Record& record() const { return record_; }

  Status Next() { return Advance(PrefixSuccessor(name_prefix_)); }

 private:
  Status Advance(std::string seek) {
    while (true) {
      valid_ = false;
      if (seek.empty() || !cursor_.Seek(seek)) return cursor_.status();
      std::string_view key = cursor_.key();
      if (!StartsWith(key, stop_) || key.size() < kScopeBytes + 9) return Status::Ok();
      name_prefix_ = std::string(RecordKeyNamePrefix(key));
      // The newest record of this name at or below the cap.
      std::string at = RecordKey(name_prefix_, at_version_);
      if (cursor_.Seek(at) && StartsWith(cursor_.key(), name_prefix_) &&
          cursor_.key().size() == name_prefix_.size() + 8) {
        auto rec = RecordStore::Decode(cursor_.key(), cursor_.value());
        if (!rec.ok()) return rec.status();
        record_ = std::move(rec).value();
        valid_ = true;
        return Status::Ok();
      }
      STRATA_RETURN_IF_ERROR(cursor_.status());
      // Every record of this name is newer than the cap: not visible here.
      seek = PrefixSuccessor(name_prefix_);
    }
  }

  Cursor cursor_;
  std::string scope_;
  std::string stop_;
  uint64_t at_version_;
  std::string name_prefix_;
  Record record_;
  bool valid_ = false;
};

// One LayerNames per layer of `scope`, each positioned at `start`.
Status OpenLayers(const Txn& txn, MDB_dbi dbi, const RecordScope& scope, std::string_view inline_prefix,
                  std::string_view start, uint64_t at_version, std::vector<std::unique_ptr<LayerNames>>& layers) {
  layers.reserve(scope.layers->size());
  for (const Layer& layer : *scope.layers) {
    std::string scope_prefix = ScopePrefix(layer.branch_id, scope.space_id, scope.primitive);
    std::string stop = scope_prefix + std::string(inline_prefix);
    layers.push_back(
        std::make_unique<LayerNames>(txn, dbi, scope_prefix, stop, std::min(at_version, layer.max_version)));
    STRATA_RETURN_IF_ERROR(layers.back()->Start(start));
  }
  return Status::Ok();
}

}  // namespace

Result<Record> RecordStore::Decode(std::string_view record_key, std::string_view value) {
  if (value.size() < kRecordHeaderBytes) return Status::Internal("corrupt record: short header");
  Record rec;
  uint8_t flags = static_cast<uint8_t>(value[0]);
  rec.tombstone = (flags & kTombstone) != 0;
  rec.timestamp = static_cast<int64_t>(ReadU64(value.substr(1)));
  rec.version = RecordKeyVersion(record_key);
  size_t offset = kRecordHeaderBytes;
  if ((flags & kFullName) != 0) {
    if (value.size() < offset + 2) return Status::Internal("corrupt record: short name length");
    size_t len = (static_cast<uint8_t>(value[offset]) << 8) | static_cast<uint8_t>(value[offset + 1]);
    offset += 2;
    if (value.size() < offset + len) return Status::Internal("corrupt record: short name");
    rec.name = std::string(value.substr(offset, len));
    offset += len;
  } else {
    rec.name = std::string(RecordKeyInlineName(record_key));
  }
  rec.payload = std::string(value.substr(offset));
  return rec;
}

Status RecordStore::Write(Txn& txn, MDB_dbi dbi, uint32_t branch_id, uint32_t space_id, Primitive primitive,
                          std::string_view name, uint64_t version, int64_t timestamp, bool tombstone,
                          std::string_view payload) {
  std::string key = RecordKey(NamePrefix(branch_id, space_id, primitive, name), version);
  bool full_name = name.size() > kInlineNameBytes;
  std::string value;
  value.reserve(kRecordHeaderBytes + (full_name ? 2 + name.size() : 0) + payload.size());
  value.push_back(static_cast<char>((tombstone ? kTombstone : 0) | (full_name ? kFullName : 0)));
  AppendU64(value, static_cast<uint64_t>(timestamp));
  if (full_name) {
    value.push_back(static_cast<char>((name.size() >> 8) & 0xff));
    value.push_back(static_cast<char>(name.size() & 0xff));
    value.append(name);
  }
  value.append(payload);
  // Keyword search indexes the record in this same transaction (storage/text_index.h).
  STRATA_RETURN_IF_ERROR(TextIndex::OnRecordWrite(txn, dbi, branch_id, space_id, primitive, name, version, tombstone, payload));
  STRATA_RETURN_IF_ERROR(txn.Put(dbi, key, value));
  // Every record write is in the branch's change index (branch diff and merge).
  return ChangeIndex::Add(txn, dbi, branch_id, version, space_id, primitive, name);
}

Result<std::optional<Record>> RecordStore::Read(const Txn& txn, MDB_dbi dbi, const RecordScope& scope,
                                                std::string_view name, uint64_t at_version) {
  Cursor cursor(txn, dbi);
  for (const Layer& layer : *scope.layers) {
    std::string prefix = NamePrefix(layer.branch_id, scope.space_id, scope.primitive, name);
    uint64_t cap = std::min(at_version, layer.max_version);
    if (cursor.Seek(RecordKey(prefix, cap)) && StartsWith(cursor.key(), prefix) &&
        cursor.key().size() == prefix.size() + 8) {
      auto rec = Decode(cursor.key(), cursor.value());
      if (!rec.ok()) return rec.status();
      return std::optional<Record>(std::move(rec).value());
    }
    STRATA_RETURN_IF_ERROR(cursor.status());
  }
  return std::optional<Record>();
}

Result<std::vector<Record>> RecordStore::History(const Txn& txn, MDB_dbi dbi, const RecordScope& scope,
                                                 std::string_view name, uint64_t max_version, size_t limit) {
  std::vector<Record> out;
  Cursor cursor(txn, dbi);
  for (const Layer& layer : *scope.layers) {
    if (out.size() >= limit) break;
    std::string prefix = NamePrefix(layer.branch_id, scope.space_id, scope.primitive, name);
    uint64_t cap = std::min(max_version, layer.max_version);
    for (bool ok = cursor.Seek(RecordKey(prefix, cap)); ok && out.size() < limit && StartsWith(cursor.key(), prefix);
         ok = cursor.Next()) {
      if (cursor.key().size() != prefix.size() + 8) break;
      auto rec = Decode(cursor.key(), cursor.value());
      if (!rec.ok()) return rec.status();
      out.push_back(std::move(rec).value());
    }
    STRATA_RETURN_IF_ERROR(cursor.status());
  }
  return out;
}

Result<NamePage> RecordStore::List(const Txn& txn, MDB_dbi dbi, const RecordScope& scope,
                                   std::string_view prefix, const std::optional<std::string>& after,
                                   size_t limit, uint64_t at_version) {
  // Where to start, relative to the scope: at the prefix, or just past `after`.
  // Long names are grouped by their first kInlineNameBytes bytes and ordered by
  // hash inside a group, so a group is read whole and sorted by full name.
  std::string_view inline_prefix = prefix.substr(0, std::min(prefix.size(), kInlineNameBytes));
  std::string start(inline_prefix);
  if (prefix.size() > kInlineNameBytes) start.push_back('\x01');
  if (after.has_value()) {
    std::string after_start = after->size() <= kInlineNameBytes
                                  ? *after + '\x01'
                                  : after->substr(0, kInlineNameBytes) + '\x01';
    start = std::max(start, after_start);
  }

  std::vector<std::unique_ptr<LayerNames>> layers;
  STRATA_RETURN_IF_ERROR(OpenLayers(txn, dbi, scope, inline_prefix, start, at_version, layers));

  NamePage page;
  std::vector<std::string> group;  // live long names of the current group, unsorted
  std::string group_key;
  auto qualifies = [&](const std::string& name) {
    return StartsWith(name, prefix) && (!after.has_value() || name > *after);
  };
  auto flush_group = [&]() {
    std::sort(group.begin(), group.end());
    for (auto& name : group) {
      if (page.names.size() == limit) {
        page.has_more = true;
        break;
      }
      page.names.push_back(std::move(name));
    }
    group.clear();
    group_key.clear();
  };

  while (true) {
    // The smallest encoded name across layers; the first layer holding it decides.
    int best = -1;
    for (size_t i = 0; i < layers.size(); ++i) {
      if (!layers[i]->valid()) continue;
      if (best < 0 || layers[i]->encoded_name() < layers[best]->encoded_name()) best = static_cast<int>(i);
    }
    if (best < 0) break;
    std::string encoded(layers[best]->encoded_name());
    Record rec = layers[best]->record();
    for (auto& layer : layers) {
      if (layer->valid() && layer->encoded_name() == encoded) STRATA_RETURN_IF_ERROR(layer->Next());
    }
    bool is_long = rec.name.size() > kInlineNameBytes;
    if (!group.empty() && (!is_long || rec.name.compare(0, kInlineNameBytes, group_key) != 0)) flush_group();
    if (page.has_more) break;
    if (rec.tombstone || !qualifies(rec.name)) continue;
    if (is_long) {
      if (group.empty()) group_key = rec.name.substr(0, kInlineNameBytes);
      group.push_back(std::move(rec.name));
      continue;
    }
    if (page.names.size() == limit) {
      page.has_more = true;
      break;
    }
    page.names.push_back(std::move(rec.name));
  }
  if (!group.empty()) flush_group();
  return page;
}

Status RecordStore::ScanLive(const Txn& txn, MDB_dbi dbi, const RecordScope& scope, std::string_view prefix,
                             uint64_t at_version, const std::function<Status(const Record&)>& visit) {
  std::string_view inline_prefix = prefix.substr(0, std::min(prefix.size(), kInlineNameBytes));
  std::vector<std::unique_ptr<LayerNames>> layers;
  STRATA_RETURN_IF_ERROR(OpenLayers(txn, dbi, scope, inline_prefix, inline_prefix, at_version, layers));
  while (true) {
    // The smallest encoded name across layers; the first layer holding it decides.
    int best = -1;
    for (size_t i = 0; i < layers.size(); ++i) {
      if (!layers[i]->valid()) continue;
      if (best < 0 || layers[i]->encoded_name() < layers[best]->encoded_name()) best = static_cast<int>(i);
    }
    if (best < 0) return Status::Ok();
    std::string encoded(layers[best]->encoded_name());
    Record rec = layers[best]->record();
    for (auto& layer : layers) {
      if (layer->valid() && layer->encoded_name() == encoded) STRATA_RETURN_IF_ERROR(layer->Next());
    }
    if (rec.tombstone || !StartsWith(rec.name, prefix)) continue;
    STRATA_RETURN_IF_ERROR(visit(rec));
  }
}

}  // namespace strata::storage

#include "storage/text_index.h"


#include <map>
#include <memory>
#include <tuple>
#include <utility>
#include <vector>

#include "storage/event_log.h"
#include "storage/record_store.h"
#include "storage/text_extract.h"
#include "storage/text_tokenizer.h"

namespace strata::storage {

DocTerms Analyze(const std::vector<std::string>& fields) {
  DocTerms d;
  for (const auto& field : fields) {
    for (auto& term : TokenizeTerms(field)) {
      ++d.tf[std::move(term)];
      ++d.length;
    }
  }
  return d;
}

namespace {

constexpr size_t kPostingValueBytes = 16;
constexpr size_t kRebuildBatch = 50000;  // puts buffered before the scan cursor is reopened

std::string EncodeEntityName(std::string_view name) {
  std::string out;
  AppendEncodedName(out, name, kTextInlineNameBytes);
  return out;
}

std::string EncodeEntitySequence(uint64_t sequence) {
  std::string out;
  AppendU64(out, sequence);
  return out;
}

std::string PostingValue(uint64_t to, uint32_t tf, uint32_t doc_len, std::string_view truncated_name) {
  std::string v;
  AppendU64(v, to);
  AppendU32(v, tf);
  AppendU32(v, doc_len);
  v.append(truncated_name);
  return v;
}

std::string StatsKey(uint32_t branch_id, uint32_t space_id, Primitive primitive, uint64_t version) {
  std::string key = ScopePrefix(branch_id, space_id, Primitive::kTextStats);
  key.push_back(static_cast<char>(primitive));
  AppendU64(key, ~version);
  return key;
}

std::string StatsValue(const TextStats& s) {
  std::string v;
  AppendU64(v, static_cast<uint64_t>(s.documents));
  AppendU64(v, static_cast<uint64_t>(s.tokens));
  return v;
}

// Where one entity's postings go.
struct EntityRef {
  uint32_t branch_id;
  uint32_t space_id;
  Primitive primitive;
  std::string encoded;         // the entity part of the key
  std::string truncated_name;  // the full name when `encoded` cut it
};

EntityRef NameRef(uint32_t branch_id, uint32_t space_id, Primitive primitive, std::string_view name) {
  return {branch_id, space_id, primitive, EncodeEntityName(name),
          name.size() > kTextInlineNameBytes ? std::string(name) : std::string()};
}

std::string PostingKey(const EntityRef& e, std::string_view term, uint64_t from) {
  std::string key = TextIndex::TermPrefix(e.branch_id, e.space_id, term, e.primitive);
  key += e.encoded;
  AppendU64(key, from);
  return key;
}

Status WritePostings(Txn& txn, MDB_dbi dbi, const EntityRef& e, const DocTerms& d, uint64_t from, uint64_t to) {
  for (const auto& [term, tf] : d.tf) {
    STRATA_RETURN_IF_ERROR(txn.Put(dbi, PostingKey(e, term, from), PostingValue(to, tf, d.length, e.truncated_name)));
  }
  return Status::Ok();
}

// The postings of version `from` stop being current at `to` (deleted outright
// when `to` is `from`: a version rewritten inside one commit never existed).
Status ClosePostings(Txn& txn, MDB_dbi dbi, const EntityRef& e, const DocTerms& d, uint64_t from, uint64_t to) {
  for (const auto& [term, tf] : d.tf) {
    std::string key = PostingKey(e, term, from);
    if (from == to) {
      STRATA_RETURN_IF_ERROR(txn.Del(dbi, key));
      continue;
    }
    STRATA_RETURN_IF_ERROR(txn.Put(dbi, key, PostingValue(to, tf, d.length, e.truncated_name)));
  }
  return Status::Ok();
}

Status AdjustStats(Txn& txn, MDB_dbi dbi, uint32_t branch_id, uint32_t space_id, Primitive primitive,
                   uint64_t version, int64_t documents, int64_t tokens) {
  if (documents == 0 && tokens == 0) return Status::Ok();
  auto current = TextIndex::StatsAt(txn, dbi, branch_id, space_id, primitive, version);
  if (!current.ok()) return current.status();
  TextStats next{current->documents + documents, current->tokens + tokens};
  return txn.Put(dbi, StatsKey(branch_id, space_id, primitive, version), StatsValue(next));
}

// Replaces document `old_doc` (version old_version, if any) by `new_doc` at `version`.
Status Reindex(Txn& txn, MDB_dbi dbi, const EntityRef& e, const std::optional<DocTerms>& old_doc,
               uint64_t old_version, const std::optional<DocTerms>& new_doc, uint64_t version) {
  int64_t documents = 0, tokens = 0;
  if (old_doc.has_value() && old_doc->length > 0) {
    STRATA_RETURN_IF_ERROR(ClosePostings(txn, dbi, e, *old_doc, old_version, version));
    documents -= 1;
    tokens -= old_doc->length;
  }
  if (new_doc.has_value() && new_doc->length > 0) {
    STRATA_RETURN_IF_ERROR(WritePostings(txn, dbi, e, *new_doc, version, UINT64_MAX));
    documents += 1;
    tokens += new_doc->length;
  }
  return AdjustStats(txn, dbi, e.branch_id, e.space_id, e.primitive, version, documents, tokens);
}

bool IsTextTag(uint8_t tag) {
  return tag == static_cast<uint8_t>(Primitive::kTextPosting) || tag == static_cast<uint8_t>(Primitive::kTextStats);
}

// Walks every key of the records database in order, letting `visit` queue
// writes; the cursor is closed while queued writes are applied, then reopened
// past the last key visited.
template <typename Visit>
Status ScanAndWrite(Txn& txn, MDB_dbi dbi, std::vector<std::pair<std::string, std::string>>& puts,
                    std::vector<std::string>& dels, Visit visit) {
  std::string resume;
  bool first = true;
  while (true) {
    auto cursor = std::make_unique<Cursor>(txn, dbi);
    bool ok = first ? cursor->First() : cursor->Seek(resume);
    if (!first && ok && cursor->key() == resume) ok = cursor->Next();
    first = false;
    bool more = false;
    for (; ok; ok = cursor->Next()) {
      STRATA_RETURN_IF_ERROR(visit(cursor->key(), cursor->value()));
      if (puts.size() + dels.size() >= kRebuildBatch) {
        resume = std::string(cursor->key());
        more = true;
        break;
      }
    }
    STRATA_RETURN_IF_ERROR(cursor->status());
    cursor.reset();
    for (const auto& [k, v] : puts) STRATA_RETURN_IF_ERROR(txn.Put(dbi, k, v));
    for (const auto& k : dels) STRATA_RETURN_IF_ERROR(txn.Del(dbi, k));
    puts.clear();
    dels.clear();
    if (!more) return Status::Ok();
  }
}

}  // namespace

std::string TextIndex::TermPrefix(uint32_t branch_id, uint32_t space_id, std::string_view term, Primitive primitive) {
  std::string key = ScopePrefix(branch_id, space_id, Primitive::kTextPosting);
  key.append(term);
  key.push_back('\0');
  key.push_back(static_cast<char>(primitive));
  return key;
}

std::optional<Posting> TextIndex::ParsePosting(std::string_view key, std::string_view value, size_t prefix_bytes,
                                               Primitive primitive) {
  if (key.size() < prefix_bytes + 8 + 1 || value.size() < kPostingValueBytes) return std::nullopt;
  Posting p;
  p.primitive = primitive;
  p.entity_key = std::string(key.substr(prefix_bytes, key.size() - prefix_bytes - 8));
  p.from = ReadU64(key.substr(key.size() - 8));
  p.to = ReadU64(value);
  p.tf = ReadU32(value.substr(8));
  p.doc_len = ReadU32(value.substr(12));
  if (primitive == Primitive::kEvent) {
    if (p.entity_key.size() != 8) return std::nullopt;
    p.sequence = ReadU64(p.entity_key);
  } else if (value.size() > kPostingValueBytes) {
    p.name = std::string(value.substr(kPostingValueBytes));
  } else {
    p.name = p.entity_key.substr(0, p.entity_key.size() - 1);  // drop the 0x00 terminator
  }
  return p;
}

Result<TextStats> TextIndex::StatsAt(const Txn& txn, MDB_dbi records, uint32_t branch_id, uint32_t space_id,
                                     Primitive primitive, uint64_t version) {
  std::string key = StatsKey(branch_id, space_id, primitive, version);
  std::string_view prefix = std::string_view(key).substr(0, key.size() - 8);
  Cursor c(txn, records);
  TextStats s;
  if (c.Seek(key) && c.key().size() == key.size() && c.key().substr(0, prefix.size()) == prefix) {
    if (c.value().size() != 16) return Status::Internal("corrupt text index statistics");
    s.documents = static_cast<int64_t>(ReadU64(c.value()));
    s.tokens = static_cast<int64_t>(ReadU64(c.value().substr(8)));
  }
  STRATA_RETURN_IF_ERROR(c.status());
  return s;
}

Status TextIndex::OnRecordWrite(Txn& txn, MDB_dbi records, uint32_t branch_id, uint32_t space_id,
                                Primitive primitive, std::string_view name, uint64_t version, bool tombstone,
                                std::string_view payload) {
  if (!IsIndexedRecordPrimitive(primitive)) return Status::Ok();
  // The version this write replaces in the same layer; earlier layers keep
  // their postings, and search drops them when this layer holds the name.
  LayerChain own{{branch_id, UINT64_MAX}};
  auto prev = RecordStore::Read(txn, records, RecordScope{&own, space_id, primitive}, name, UINT64_MAX);
  if (!prev.ok()) return prev.status();
  std::optional<DocTerms> old_doc, new_doc;
  uint64_t old_version = 0;
  if (prev->has_value() && !(*prev)->tombstone) {
    old_doc = Analyze(RecordText(primitive, (*prev)->payload));
    old_version = (*prev)->version;
  }
  if (!tombstone) new_doc = Analyze(RecordText(primitive, payload));
  return Reindex(txn, records, NameRef(branch_id, space_id, primitive, name), old_doc, old_version, new_doc, version);
}

std::vector<std::string> TextIndex::PostingKeysOf(uint32_t branch_id, uint32_t space_id, Primitive primitive,
                                                  std::string_view name, uint64_t version, std::string_view payload) {
  std::vector<std::string> out;
  if (!IsIndexedRecordPrimitive(primitive)) return out;
  DocTerms d = Analyze(RecordText(primitive, payload));
  EntityRef e = NameRef(branch_id, space_id, primitive, name);
  for (const auto& [term, tf] : d.tf) out.push_back(PostingKey(e, term, version));
  return out;
}

Status TextIndex::OnEventWrite(Txn& txn, MDB_dbi records, uint32_t branch_id, uint32_t space_id, uint64_t sequence,
                               uint64_t version, std::string_view type, const Value& payload) {
  // A branch whose space was deleted restarts its log at 0 over its own old events.
  auto old = txn.Get(records, EventLog::EventKey(branch_id, space_id, sequence));
  if (!old.ok()) return old.status();
  std::optional<DocTerms> old_doc;
  uint64_t old_version = 0;
  if (old->has_value()) {
    auto stored = ParseEventRecord(**old);
    if (stored.has_value()) {
      old_doc = Analyze(stored->fields);
      old_version = stored->version;
    }
  }
  EntityRef e{branch_id, space_id, Primitive::kEvent, EncodeEntitySequence(sequence), {}};
  return Reindex(txn, records, e, old_doc, old_version, Analyze(EventText(type, payload)), version);
}

Status TextIndex::BuildIfMissing(Txn& txn, const Databases& dbs) {
  auto marker = txn.Get(dbs.meta, kMetaTextIndex);
  if (!marker.ok()) return marker.status();
  if (marker->has_value()) return Status::Ok();

  using StatsScope = std::tuple<uint32_t, uint32_t, uint8_t>;
  std::map<StatsScope, std::map<uint64_t, TextStats>> deltas;
  std::vector<std::pair<std::string, std::string>> puts;
  std::vector<std::string> dels;
  std::string group;  // name prefix of the record visited last
  uint64_t newer = UINT64_MAX;

  // Postings are queued, not written, while the cursor is on the database.
  auto queue = [&](const EntityRef& e, const DocTerms& d, uint64_t from, uint64_t to) {
    for (const auto& [term, tf] : d.tf) {
      puts.emplace_back(PostingKey(e, term, from), PostingValue(to, tf, d.length, e.truncated_name));
    }
    auto& per_version = deltas[{e.branch_id, e.space_id, static_cast<uint8_t>(e.primitive)}];
    per_version[from].documents += 1;
    per_version[from].tokens += d.length;
    if (to != UINT64_MAX) {
      per_version[to].documents -= 1;
      per_version[to].tokens -= d.length;
    }
  };

  STRATA_RETURN_IF_ERROR(ScanAndWrite(txn, dbs.records, puts, dels, [&](std::string_view key, std::string_view value) {
    if (key.size() < kScopeBytes + 1) return Status::Ok();
    uint32_t branch_id = ReadU32(key);
    uint32_t space_id = ReadU32(key.substr(4));
    auto primitive = static_cast<Primitive>(static_cast<uint8_t>(key[8]));
    if (primitive == Primitive::kEvent) {
      if (key.size() != kScopeBytes + 8) return Status::Ok();
      auto stored = ParseEventRecord(value);
      if (!stored.has_value()) return Status::Ok();  // the log's verify reports it
      DocTerms d = Analyze(stored->fields);
      if (d.length > 0) {
        EntityRef e{branch_id, space_id, primitive, std::string(key.substr(kScopeBytes)), {}};
        queue(e, d, stored->version, UINT64_MAX);
      }
      return Status::Ok();
    }
    if (!IsIndexedRecordPrimitive(primitive) || key.size() < kScopeBytes + 9) return Status::Ok();
    auto rec = RecordStore::Decode(key, value);
    if (!rec.ok()) return rec.status();
    // Records of a name come newest first: the one before closes this one.
    std::string_view name_prefix = RecordKeyNamePrefix(key);
    if (name_prefix != group) {
      group = std::string(name_prefix);
      newer = UINT64_MAX;
    }
    uint64_t to = newer;
    newer = rec->version;
    if (rec->tombstone) return Status::Ok();
    DocTerms d = Analyze(RecordText(primitive, rec->payload));
    if (d.length > 0) queue(NameRef(branch_id, space_id, primitive, rec->name), d, rec->version, to);
    return Status::Ok();
  }));

  for (const auto& [scope, per_version] : deltas) {
    TextStats running;
    for (const auto& [version, delta] : per_version) {
      running.documents += delta.documents;
      running.tokens += delta.tokens;
      auto [branch_id, space_id, primitive] = scope;
      STRATA_RETURN_IF_ERROR(txn.Put(dbs.records, StatsKey(branch_id, space_id, static_cast<Primitive>(primitive), version),
                                     StatsValue(running)));
    }
  }
  std::string format;
  AppendU32(format, kTextIndexFormat);
  return txn.Put(dbs.meta, kMetaTextIndex, format);
}

Status TextIndex::Drop(Txn& txn, const Databases& dbs) {
  std::vector<std::pair<std::string, std::string>> puts;
  std::vector<std::string> dels;
  STRATA_RETURN_IF_ERROR(ScanAndWrite(txn, dbs.records, puts, dels, [&](std::string_view key, std::string_view) {
    if (key.size() > kScopeBytes && IsTextTag(static_cast<uint8_t>(key[8]))) dels.emplace_back(key);
    return Status::Ok();
  }));
  return txn.Del(dbs.meta, kMetaTextIndex);
}

}  // namespace strata::storage

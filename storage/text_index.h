// The BM25 inverted index of keyword search, kept in the records database and
// written in the same LMDB write transaction as the records it indexes
// (RecordStore::Write and EventLog::AppendInWriterAt call the hooks below), so
// search is never behind the data.
//
// on disk: never change (docs/format.md "Text index"):
//   posting [branch][space][kTextPosting][term][0x00][primitive u8][entity][from version u64 BE]
//           -> [to version u64 BE][term frequency u32 BE][document length u32 BE][full name if truncated]
//     entity: events: the sequence u64 BE; other primitives: the record name then 0x00
//     when it is at most kTextInlineNameBytes, else its first kTextInlineNameBytes
//     bytes, 0x01 and 16 bytes of SHA-256(name) (the full name is then in the value).
//     A posting is the entity's version `from`; `to` is the version that replaced
//     or deleted it in the same layer (UINT64_MAX while it is current there).
//   stats   [branch][space][kTextStats][primitive u8][~version u64 BE]
//           -> [documents i64 BE][tokens i64 BE]: running totals of this layer's
//     own writes (documents with at least one word), one entry per version that
//     changed them; a read at version v takes the newest entry at or below v.
//   meta    "text_index" -> u32 BE kTextIndexFormat once every record is indexed.
//
// Thread safety: stateless functions over a caller's transaction.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/key_codec.h"
#include "storage/lmdb_env.h"
#include "storage/status.h"
#include "storage/value.h"

namespace strata::storage {

inline constexpr std::string_view kMetaTextIndex = "text_index";
inline constexpr uint32_t kTextIndexFormat = 1;
inline constexpr size_t kTextInlineNameBytes = 300;

// A decoded posting.
struct Posting {
  Primitive primitive = Primitive::kKv;
  std::string entity_key;  // the encoded entity (identity within the key space)
  std::string name;        // record name; empty for events
  uint64_t sequence = 0;   // events only
  uint64_t from = 0;
  uint64_t to = UINT64_MAX;
  uint32_t tf = 0;
  uint32_t doc_len = 0;
};

// One document as the index sees it: each term's frequency and the number of
// terms (0: the document has no words and is not indexed).
struct DocTerms {
  std::map<std::string, uint32_t> tf;  // ordered: deterministic writes
  uint32_t length = 0;
};
// The terms of a document's text fields (RecordText, EventText).
DocTerms Analyze(const std::vector<std::string>& fields);

// Running totals of one layer, primitive and version.
struct TextStats {
  int64_t documents = 0;
  int64_t tokens = 0;
};

class TextIndex {
 public:
  // Called by RecordStore::Write before it stores a record: indexes the new
  // version's words and closes the postings of the version it replaces in the
  // same layer. Primitives without text (collections, indexes) are ignored.
  static Status OnRecordWrite(Txn& txn, MDB_dbi records, uint32_t branch_id, uint32_t space_id,
                              Primitive primitive, std::string_view name, uint64_t version, bool tombstone,
                              std::string_view payload);

  // The keys of the postings of one record version, for retention to delete
  // once it has dropped the version (storage/retention.cc). Empty for
  // primitives without text. The layer's running totals stay as they are:
  // they counted the version in at `from` and out at `to`.
  static std::vector<std::string> PostingKeysOf(uint32_t branch_id, uint32_t space_id, Primitive primitive,
                                                std::string_view name, uint64_t version, std::string_view payload);

  // Called by EventLog::AppendInWriterAt before it stores event `sequence`
  // (an event replacing an older one at the same sequence closes its postings).
  static Status OnEventWrite(Txn& txn, MDB_dbi records, uint32_t branch_id, uint32_t space_id, uint64_t sequence,
                             uint64_t version, std::string_view type, const Value& payload);

  // Builds the index from every record once, when the meta marker says it was
  // never built (a data directory written before the index existed), then sets
  // the marker. A no-op when the marker is there.
  static Status BuildIfMissing(Txn& txn, const Databases& dbs);

  // Removes every posting, stats entry and the marker (tools and tests: the
  // next BuildIfMissing rebuilds it).
  static Status Drop(Txn& txn, const Databases& dbs);

  // Key helpers shared with search.
  static std::string TermPrefix(uint32_t branch_id, uint32_t space_id, std::string_view term, Primitive primitive);
  static std::optional<Posting> ParsePosting(std::string_view key, std::string_view value, size_t prefix_bytes,
                                             Primitive primitive);
  // The layer's running totals at or below `version`.
  static Result<TextStats> StatsAt(const Txn& txn, MDB_dbi records, uint32_t branch_id, uint32_t space_id,
                                   Primitive primitive, uint64_t version);
};

}  // namespace strata::storage

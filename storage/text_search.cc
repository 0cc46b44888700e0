#include "storage/text_search.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <set>
#include <unordered_map>

#include "storage/event_log.h"
#include "storage/record_store.h"
#include "storage/text_extract.h"
#include "storage/text_index.h"
#include "storage/text_snippet.h"
#include "storage/text_staged.h"
#include "storage/text_tokenizer.h"
#include "storage/transaction.h"

namespace strata::storage {
namespace {

struct NamedPrimitive {
  std::string_view name;
  Primitive primitive;
};
// In tie-break order.
constexpr std::array<NamedPrimitive, 5> kSearchable = {{{"kv", Primitive::kKv},
                                                        {"state", Primitive::kState},
                                                        {"json", Primitive::kJson},
                                                        {"event", Primitive::kEvent},
                                                        {"vector", Primitive::kVector}}};

std::string_view NameOf(Primitive p) {
  for (const auto& np : kSearchable) {
    if (np.primitive == p) return np.name;
  }
  return "unknown";
}

Result<std::vector<Primitive>> ParsePrimitives(const std::vector<std::string>& names) {
  std::vector<Primitive> out;
  for (const auto& np : kSearchable) {
    bool wanted = names.empty() || std::find(names.begin(), names.end(), np.name) != names.end();
    if (wanted) out.push_back(np.primitive);
  }
  for (const auto& name : names) {
    bool known = std::any_of(kSearchable.begin(), kSearchable.end(), [&](const auto& np) { return np.name == name; });
    if (!known) {
      return Status::InvalidArgument("unknown primitive \"" + name + "\" in primitives; expected kv, state, json, event or vector");
    }
  }
  return out;
}

// Unicode whitespace, as Python's str.isspace() has it (the client checks a
// query with str.strip()), so every client meets one rule.
bool IsUnicodeSpace(uint32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

// Nothing but whitespace. Malformed UTF-8 is not blank (refused elsewhere).
bool Blank(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<uint8_t>(s[i]);
    size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t c = n == 1 ? b : b & (0x7F >> n);
    for (size_t j = 1; j < n; ++j) {
      auto cont = static_cast<uint8_t>(s[i + j]);
      if ((cont & 0xC0) != 0x80) return false;
      c = (c << 6) | (cont & 0x3F);
    }
    if (!IsUnicodeSpace(c)) return false;
    i += n;
  }
  return true;
}

struct Candidate {
  Primitive primitive = Primitive::kKv;
  std::string name;       // records
  uint64_t sequence = 0;  // events
  double score = 0;
  const StagedDoc* staged = nullptr;  // a transaction's own document (its text is there)
};

bool RanksBefore(const Candidate& a, const Candidate& b) {
  if (a.score != b.score) return a.score > b.score;
  if (a.primitive != b.primitive) return a.primitive < b.primitive;  // tag order is kv, state, json, event, vector
  if (a.primitive == Primitive::kEvent) return a.sequence < b.sequence;
  return a.name < b.name;
}

// Whether a layer nearer the branch than `layer` holds the posting's entity
// at the read version: then the posting's layer is not the one readers see.
class Shadows {
 public:
  explicit Shadows(const ReadView& view) : view_(view), cursor_(view.txn, view.records_dbi) {}

  Result<bool> Shadowed(const Posting& p, size_t layer) {
    if (layer == 0) return false;
    std::string cache_key = p.entity_key;
    cache_key.push_back(static_cast<char>(p.primitive));
    cache_key.push_back(static_cast<char>(layer));
    auto it = cache_.find(cache_key);
    if (it != cache_.end()) return it->second;
    bool shadowed = false;
    for (size_t j = 0; j < layer && !shadowed; ++j) {
      const Layer& l = view_.layers[j];
      uint64_t cap = std::min(view_.version, l.max_version);
      if (p.primitive == Primitive::kEvent) {
        // As the event log reads: an event past a layer's cap falls through to the next layer.
        auto v = view_.txn.Get(view_.records_dbi, EventLog::EventKey(l.branch_id, *view_.space_id, p.sequence));
        if (!v.ok()) return v.status();
        if (!v->has_value()) continue;
        auto version = EventRecordVersion(**v);
        shadowed = version.has_value() && *version <= cap;
      } else {
        std::string prefix = NamePrefix(l.branch_id, *view_.space_id, p.primitive, p.name);
        shadowed = cursor_.Seek(RecordKey(prefix, cap)) && cursor_.key().size() == prefix.size() + 8 &&
                   cursor_.key().substr(0, prefix.size()) == prefix;
        STRATA_RETURN_IF_ERROR(cursor_.status());
      }
    }
    cache_.emplace(std::move(cache_key), shadowed);
    return shadowed;
  }

 private:
  const ReadView& view_;
  Cursor cursor_;
  std::unordered_map<std::string, bool> cache_;
};

Result<std::vector<std::string>> HitText(const ReadView& view, const Candidate& c) {
  using Out = std::vector<std::string>;
  if (c.staged != nullptr) return c.staged->fields;
  if (c.primitive == Primitive::kEvent) {
    for (const Layer& l : view.layers) {
      auto v = view.txn.Get(view.records_dbi, EventLog::EventKey(l.branch_id, *view.space_id, c.sequence));
      if (!v.ok()) return v.status();
      if (!v->has_value()) continue;
      auto e = ParseEventRecord(**v);
      if (!e.has_value() || e->version > std::min(view.version, l.max_version)) continue;
      return std::move(e->fields);
    }
    return Out();
  }
  auto rec = RecordStore::Read(view.txn, view.records_dbi, view.records(c.primitive), c.name, view.version);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value() || (*rec)->tombstone) return Out();
  return RecordText(c.primitive, (*rec)->payload);
}

}  // namespace

Result<std::vector<TextHit>> TextSearch::Search(const Scope& scope, std::string_view query, uint32_t k,
                                                const std::vector<std::string>& primitive_names,
                                                std::optional<int64_t> as_of) {
  if (Blank(query)) return Status::InvalidArgument("query must not be empty");
  if (k == 0) k = kDefaultTextSearchK;
  if (k > kMaxTextSearchK) return Status::InvalidArgument("k must be between 1 and 1000, got " + std::to_string(k));
  auto primitives = ParsePrimitives(primitive_names);
  if (!primitives.ok()) return primitives.status();
  auto view_result = core_.BeginRead(scope, as_of);
  if (!view_result.ok()) return view_result.status();
  const ReadView& view = *view_result;
  // Inside a transaction: its snapshot plus its own staged writes
  // (storage/text_staged.h), the session held for the whole read.
  std::unique_lock<std::mutex> session_lock;
  StagedText staged;
  if (view.session != nullptr) {
    session_lock = std::unique_lock<std::mutex>(view.session->mu());
    auto collected = CollectStagedText(view, *primitives);
    if (!collected.ok()) return collected.status();
    staged = std::move(collected).value();
  }

  std::vector<std::string> terms;
  for (auto& t : TokenizeTerms(query)) {
    if (std::find(terms.begin(), terms.end(), t) == terms.end()) terms.push_back(std::move(t));
  }
  std::vector<TextHit> hits;
  if (terms.empty() || (!view.space_id.has_value() && staged.docs.empty())) return hits;
  // A space the snapshot does not have yet (a transaction creating it) has
  // only its staged documents.
  const bool snapshot_space = view.space_id.has_value();
  uint32_t space_id = view.space_id.value_or(0);

  // Collection statistics: each layer's running totals at its visible version.
  double documents = static_cast<double>(staged.documents), tokens = static_cast<double>(staged.tokens);
  if (snapshot_space) {
    for (Primitive p : *primitives) {
      for (const Layer& l : view.layers) {
        auto s = TextIndex::StatsAt(view.txn, view.records_dbi, l.branch_id, space_id, p,
                                    std::min(view.version, l.max_version));
        if (!s.ok()) return s.status();
        documents += static_cast<double>(s->documents);
        tokens += static_cast<double>(s->tokens);
      }
    }
  }
  if (documents <= 0) return hits;
  double avg_len = tokens / documents;

  std::unordered_map<std::string, size_t> by_entity;  // primitive + entity key -> candidates index
  std::vector<Candidate> candidates;
  Shadows shadows(view);
  Cursor cursor(view.txn, view.records_dbi);
  for (const auto& term : terms) {
    std::vector<Posting> matches;
    for (size_t i = 0; snapshot_space && i < view.layers.size(); ++i) {
      const Layer& l = view.layers[i];
      uint64_t cap = std::min(view.version, l.max_version);
      for (Primitive p : *primitives) {
        std::string prefix = TextIndex::TermPrefix(l.branch_id, space_id, term, p);
        for (bool ok = cursor.Seek(prefix); ok && cursor.key().substr(0, prefix.size()) == prefix; ok = cursor.Next()) {
          auto posting = TextIndex::ParsePosting(cursor.key(), cursor.value(), prefix.size(), p);
          if (!posting.has_value()) return Status::Internal("corrupt text index posting for term \"" + term + "\"");
          // Not the version this layer shows (to == UINT64_MAX: still current, even for a read at UINT64_MAX).
          if (posting->from > cap || (posting->to != UINT64_MAX && posting->to <= cap)) continue;
          if (p == Primitive::kEvent) {
            // Deleting a space purges its events without a write per event (storage/space_store.cc),
            // and the log may restart over the sequence: the event itself must still be this one.
            auto ev = view.txn.Get(view.records_dbi, EventLog::EventKey(l.branch_id, space_id, posting->sequence));
            if (!ev.ok()) return ev.status();
            if (!ev->has_value() || EventRecordVersion(**ev) != std::optional<uint64_t>(posting->from)) continue;
          }
          // Written or deleted by the transaction: its staged document stands instead.
          if (p != Primitive::kEvent && staged.replaced.count({p, posting->name})) continue;
          auto shadowed = shadows.Shadowed(*posting, i);
          if (!shadowed.ok()) return shadowed.status();
          if (!*shadowed) matches.push_back(std::move(*posting));
        }
        STRATA_RETURN_IF_ERROR(cursor.status());
      }
    }
    std::vector<const StagedDoc*> staged_matches;
    for (const StagedDoc& d : staged.docs) {
      if (d.terms.tf.count(term)) staged_matches.push_back(&d);
    }
    // df counts the documents visible on this branch (and in the transaction) that hold the term.
    double df = static_cast<double>(matches.size() + staged_matches.size());
    double idf = std::log(1.0 + (documents - df + 0.5) / (df + 0.5));
    auto bm25 = [&](double tf, double doc_len) {
      double norm = kBm25K1 * (1.0 - kBm25B + kBm25B * doc_len / avg_len);
      return idf * tf * (kBm25K1 + 1.0) / (tf + norm);
    };
    for (auto& m : matches) {
      std::string key = m.entity_key;
      key.push_back(static_cast<char>(m.primitive));
      auto [it, inserted] = by_entity.emplace(std::move(key), candidates.size());
      if (inserted) candidates.push_back(Candidate{m.primitive, std::move(m.name), m.sequence, 0});
      candidates[it->second].score += bm25(m.tf, m.doc_len);
    }
    for (const StagedDoc* d : staged_matches) {
      // Keyed apart from the postings' encoded entities: a staged document's
      // snapshot postings were skipped above.
      std::string key = "staged:" + std::to_string(d - staged.docs.data());
      auto [it, inserted] = by_entity.emplace(std::move(key), candidates.size());
      if (inserted) candidates.push_back(Candidate{d->primitive, d->name, d->sequence, 0, d});
      candidates[it->second].score += bm25(d->terms.tf.at(term), d->terms.length);
    }
  }

  size_t n = std::min<size_t>(k, candidates.size());
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(n), candidates.end(),
                    RanksBefore);
  std::set<std::string> term_set(terms.begin(), terms.end());
  for (size_t i = 0; i < n; ++i) {
    const Candidate& c = candidates[i];
    auto text = HitText(view, c);
    if (!text.ok()) return text.status();
    TextHit hit;
    hit.primitive = std::string(NameOf(c.primitive));
    hit.entity = c.primitive == Primitive::kEvent ? std::to_string(c.sequence) : EntityDisplayName(c.primitive, c.name);
    hit.score = c.score;
    hit.rank = static_cast<uint32_t>(i + 1);
    hit.snippet = MakeSnippet(*text, term_set);
    hits.push_back(std::move(hit));
  }
  return hits;
}

}  // namespace strata::storage

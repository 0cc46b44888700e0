#include "storage/text_staged.h"

#include "storage/record_store.h"
#include "storage/text_extract.h"
#include "storage/transaction.h"

namespace strata::storage {
namespace {

// Adds a staged document when it has words, counting it into the statistics.
void AddDoc(StagedText& out, Primitive primitive, std::string name, uint64_t sequence,
            std::vector<std::string> fields) {
  DocTerms terms = Analyze(fields);
  if (terms.length == 0) return;
  out.documents += 1;
  out.tokens += terms.length;
  out.docs.push_back({primitive, std::move(name), sequence, std::move(terms), std::move(fields)});
}

}  // namespace

Result<StagedText> CollectStagedText(const ReadView& view, const std::vector<Primitive>& primitives) {
  const TxnSession& session = *view.session;
  if (session.closed()) return Status::NotFound("transaction \"" + session.id() + "\" has ended");
  StagedText out;
  for (Primitive p : primitives) {
    if (p == Primitive::kEvent) {
      // Appends only: a staged event replaces nothing in the snapshot.
      for (const StagedEvent* e : session.StagedEvents(view.space_name)) {
        AddDoc(out, p, std::string(), e->sequence, EventText(e->type, e->payload));
      }
      continue;
    }
    for (const auto& [name, staged] : session.WritesWithPrefix(view.space_name, p, "")) {
      out.replaced.emplace(p, name);
      if (view.space_id.has_value()) {
        // The snapshot's document for the name leaves the statistics, as the
        // commit's reindexing would take it out.
        auto rec = RecordStore::Read(view.txn, view.records_dbi, view.records(p), name, view.version);
        if (!rec.ok()) return rec.status();
        if (rec->has_value() && !(*rec)->tombstone) {
          DocTerms old = Analyze(RecordText(p, (*rec)->payload));
          if (old.length > 0) {
            out.documents -= 1;
            out.tokens -= old.length;
          }
        }
      }
      if (!staged->tombstone) AddDoc(out, p, name, 0, RecordText(p, staged->payload));
    }
  }
  return out;
}

}  // namespace strata::storage

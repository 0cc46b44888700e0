// StagedText: a transaction's staged writes in one space as keyword search
// sees them. Search inside a transaction answers the snapshot plus the
// session's own writes, like every other read there (docs/search.md): the
// snapshot's documents for names the session wrote or deleted are left out,
// its staged records and events are scored as documents, and the collection
// statistics (documents, tokens) change by as much as a commit would change them.
//
// Thread safety: the caller holds the session's mutex.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "storage/engine_core.h"
#include "storage/text_index.h"

namespace strata::storage {

struct StagedDoc {
  Primitive primitive = Primitive::kKv;
  std::string name;       // record name; empty for events
  uint64_t sequence = 0;  // events only
  DocTerms terms;
  std::vector<std::string> fields;  // the text, for the snippet
};

struct StagedText {
  std::set<std::pair<Primitive, std::string>> replaced;  // record names the session wrote or deleted
  std::vector<StagedDoc> docs;                           // staged documents with at least one word
  int64_t documents = 0;  // change to the statistics, as the commit would make it
  int64_t tokens = 0;
};

// The session's (view.session, non-null) staged writes of `primitives` in
// the view's space. kNotFound when the transaction has ended.
Result<StagedText> CollectStagedText(const ReadView& view, const std::vector<Primitive>& primitives);

}  // namespace strata::storage

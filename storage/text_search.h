// Keyword (BM25) search over the text index (storage/text_index.h) of one
// branch and space, spec/api.md §12; docs/search.md has the rules.
//
// Thread safety: all methods may be called from any thread (each search is one
// LMDB read transaction).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/engine_core.h"
#include "storage/status.h"

namespace strata::storage {

// BM25 parameters.
inline constexpr double kBm25K1 = 1.2;
inline constexpr double kBm25B = 0.75;
inline constexpr uint32_t kDefaultTextSearchK = 10;
inline constexpr uint32_t kMaxTextSearchK = 1000;

struct TextHit {
  std::string primitive;  // kv, state, json, event, vector
  std::string entity;     // key, cell, document id, "<sequence>", "collection/key"
  double score = 0;
  uint32_t rank = 0;  // 1-based
  std::string snippet;
};

class TextSearch {
 public:
  explicit TextSearch(EngineCore& core) : core_(core) {}

  // The best `k` (0 means kDefaultTextSearchK) entities for `query`, best first; ties
  // broken by primitive (in the order kv, state, json, event, vector), then by
  // entity (events by sequence, others bytewise). `primitives` empty means all.
  // Errors: kInvalidArgument for a blank query, k above kMaxTextSearchK, an unknown
  // primitive (named), a bad space or as_of; kNotFound for a missing branch;
  // kStateError inside a transaction.
  Result<std::vector<TextHit>> Search(const Scope& scope, std::string_view query, uint32_t k,
                                      const std::vector<std::string>& primitives, std::optional<int64_t> as_of);

 private:
  EngineCore& core_;
};

}  // namespace strata::storage

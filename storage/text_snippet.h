// Snippets of keyword search hits (docs/search.md "Snippets"): a short window
// of the first text field that holds a query word.
//
// Format: about kSnippetWordsBefore words before the first match and
// kSnippetWordsAfter after it, cut at kMaxSnippetBytes; every word of the
// window that matches a query term is wrapped in [ and ]; "…" marks text cut
// off at either end; runs of whitespace (newlines included) become one space.
//
// Thread safety: stateless.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <vector>

namespace strata::storage {

inline constexpr size_t kSnippetWordsBefore = 4;
inline constexpr size_t kSnippetWordsAfter = 8;
inline constexpr size_t kMaxSnippetBytes = 240;

// The snippet of `fields` for `terms` (tokenizer terms); the start of the
// first field when none matches, empty when there is no text.
std::string MakeSnippet(const std::vector<std::string>& fields, const std::set<std::string>& terms);

}  // namespace strata::storage

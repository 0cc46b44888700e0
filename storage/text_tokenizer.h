// The text tokenizer of keyword search (docs/search.md "Tokenizer"): the one
// place that decides what a word is, used both to index and to query, so the
// two always agree.
//
// on disk: changing what Tokenize returns changes the terms stored in the text
// index (storage/text_index.h); a change needs a format bump or a rebuild.
//
// Rules: UTF-8 is decoded (invalid bytes separate words); a word is a run of
// Unicode letters and digits (glibc's C.UTF-8 classification); it is
// lower-cased with Unicode simple case mapping; Han ideographs, Hiragana and
// Katakana are one word per character (those scripts do not put spaces between
// words); words of ASCII letters only go through the Snowball English stemmer.
// A word is cut at kMaxTermBytes (on a character boundary). No stop words.
//
// Thread safety: all functions may be called from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace strata::storage {

inline constexpr size_t kMaxTermBytes = 64;

struct Token {
  std::string term;  // lower-cased, stemmed
  size_t begin = 0;  // byte offsets of the word in the input
  size_t end = 0;
};

// The words of `text` in order.
std::vector<Token> Tokenize(std::string_view text);

// Only the terms (what the index stores and the query looks up).
std::vector<std::string> TokenizeTerms(std::string_view text);

}  // namespace strata::storage

#include "storage/text_snippet.h"

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "storage/text_tokenizer.h"

namespace strata::storage {
namespace {

// Appends `text` with whitespace runs collapsed to one space.
void AppendCollapsed(std::string& out, std::string_view text) {
  for (char c : text) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
    if (space) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
}

// Cuts `s` to at most `limit` bytes on a UTF-8 character boundary.
size_t CharBoundary(std::string_view s, size_t limit) {
  if (limit >= s.size()) return s.size();
  while (limit > 0 && (static_cast<uint8_t>(s[limit]) & 0xC0) == 0x80) --limit;
  return limit;
}

}  // namespace

std::string MakeSnippet(const std::vector<std::string>& fields, const std::set<std::string>& terms) {
  for (const auto& field : fields) {
    std::vector<Token> tokens = Tokenize(field);
    auto match = std::find_if(tokens.begin(), tokens.end(), [&](const Token& t) { return terms.count(t.term) > 0; });
    if (match == tokens.end()) continue;
    size_t m = static_cast<size_t>(match - tokens.begin());
    size_t first = m > kSnippetWordsBefore ? m - kSnippetWordsBefore : 0;
    size_t last = std::min(tokens.size() - 1, m + kSnippetWordsAfter);
    size_t begin = first == 0 ? 0 : tokens[first].begin;
    size_t end = last + 1 == tokens.size() ? field.size() : tokens[last].end;
    // A window of very long words still stays short, keeping the match: up
    // to half the bytes before it, fewer when the match itself is long, so
    // that it starts inside the window.
    if (end - begin > kMaxSnippetBytes) {
      size_t match_bytes = tokens[m].end - tokens[m].begin;
      size_t before = std::min(kMaxSnippetBytes / 2, kMaxSnippetBytes - std::min(match_bytes, kMaxSnippetBytes));
      begin = std::max(begin, tokens[m].begin > before ? tokens[m].begin - before : 0);
      while (begin > 0 && (static_cast<uint8_t>(field[begin]) & 0xC0) == 0x80) --begin;
      end = begin + CharBoundary(std::string_view(field).substr(begin), kMaxSnippetBytes);
    }
    std::string out;
    if (begin > 0) out += "…";
    size_t pos = begin;
    bool cut_inside_a_match = false;
    for (size_t i = first; i <= last; ++i) {
      const Token& t = tokens[i];
      if (t.begin < begin) continue;
      if (t.begin >= end) break;
      bool matches = terms.count(t.term) > 0;
      if (t.end > end && !matches) break;  // the rest is cut as plain text below
      AppendCollapsed(out, std::string_view(field).substr(pos, t.begin - pos));
      std::string_view word = std::string_view(field).substr(t.begin, std::min(t.end, end) - t.begin);
      if (matches) {
        // A match the cut goes through stays marked: "[abc…]".
        cut_inside_a_match = t.end > end;
        out += '[';
        out += word;
        if (cut_inside_a_match) out += "…";
        out += ']';
      } else {
        out += word;
      }
      pos = std::min(t.end, end);
      if (cut_inside_a_match) break;
    }
    if (pos < end) AppendCollapsed(out, std::string_view(field).substr(pos, end - pos));
    if (end < field.size() && !cut_inside_a_match) out += "…";
    return out;
  }
  if (fields.empty()) return std::string();
  std::string out;
  size_t end = CharBoundary(fields.front(), kMaxSnippetBytes);
  AppendCollapsed(out, std::string_view(fields.front()).substr(0, end));
  if (end < fields.front().size()) out += "…";
  return out;
}

}  // namespace strata::storage

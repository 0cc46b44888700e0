#include "storage/text_tokenizer.h"

#include <libstemmer.h>
#include <locale.h>
#include <wctype.h>

#include <cstdint>

namespace strata::storage {
namespace {

// C.UTF-8 carries glibc's full Unicode character classes and case mappings;
// a private locale object keeps the process locale untouched.
locale_t UnicodeLocale() {
  static locale_t loc = [] {
    locale_t l = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
    return l;  // null: see IsWordChar and Lower
  }();
  return loc;
}

// Decodes one code point at s[i]; returns its length, 0 for an invalid sequence.
size_t DecodeUtf8(std::string_view s, size_t i, char32_t& cp) {
  auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t b0 = byte(i);
  size_t len;
  char32_t min;
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

void AppendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool IsWordChar(char32_t cp) {
  if (cp < 0x80) return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  locale_t loc = UnicodeLocale();
  if (loc == static_cast<locale_t>(0)) {
    // No C.UTF-8 (a stripped system): letters of any script still make words;
    // only the common punctuation and space blocks separate them.
    return !((cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x2BFF) ||
             (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF0F));
  }
  return iswalnum_l(static_cast<wint_t>(cp), loc) != 0;
}

char32_t Lower(char32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  locale_t loc = UnicodeLocale();
  if (loc == static_cast<locale_t>(0)) return cp;
  return static_cast<char32_t>(towlower_l(static_cast<wint_t>(cp), loc));
}

// Scripts written without spaces between words: each character is a word.
bool IsUnigramScript(char32_t cp) {
  return (cp >= 0x3040 && cp <= 0x30FF) ||    // Hiragana, Katakana
         (cp >= 0x3400 && cp <= 0x4DBF) ||    // CJK extension A
         (cp >= 0x4E00 && cp <= 0x9FFF) ||    // CJK unified ideographs
         (cp >= 0xF900 && cp <= 0xFAFF) ||    // CJK compatibility ideographs
         (cp >= 0x20000 && cp <= 0x3134F);    // CJK extensions B..G
}

// One Snowball stemmer per thread: a stemmer object is not thread-safe.
class Stemmer {
 public:
  Stemmer() : stemmer_(sb_stemmer_new("english", "UTF_8")) {}
  ~Stemmer() {
    if (stemmer_ != nullptr) sb_stemmer_delete(stemmer_);
  }
  void Stem(std::string& word) {
    if (stemmer_ == nullptr) return;
    const sb_symbol* out =
        sb_stemmer_stem(stemmer_, reinterpret_cast<const sb_symbol*>(word.data()), static_cast<int>(word.size()));
    if (out == nullptr) return;  // out of memory: keep the word as it is
    word.assign(reinterpret_cast<const char*>(out), static_cast<size_t>(sb_stemmer_length(stemmer_)));
  }

 private:
  sb_stemmer* stemmer_;
};

void Finish(std::string& term, bool ascii_letters) {
  if (ascii_letters) {
    thread_local Stemmer stemmer;
    stemmer.Stem(term);
  }
  if (term.size() > kMaxTermBytes) {
    size_t cut = kMaxTermBytes;
    while (cut > 0 && (static_cast<uint8_t>(term[cut]) & 0xC0) == 0x80) --cut;
    term.resize(cut);
  }
}

}  // namespace

std::vector<Token> Tokenize(std::string_view text) {
  std::vector<Token> out;
  Token current;
  bool in_word = false;
  bool ascii_letters = true;
  auto close = [&](size_t end) {
    if (!in_word) return;
    current.end = end;
    Finish(current.term, ascii_letters);
    if (!current.term.empty()) out.push_back(std::move(current));
    current = Token();
    in_word = false;
  };
  size_t i = 0;
  while (i < text.size()) {
    char32_t cp = 0;
    size_t len = DecodeUtf8(text, i, cp);
    if (len == 0) {  // invalid byte: a separator
      close(i);
      ++i;
      continue;
    }
    if (!IsWordChar(cp)) {
      close(i);
    } else if (IsUnigramScript(cp)) {
      close(i);
      Token t;
      AppendUtf8(t.term, Lower(cp));
      t.begin = i;
      t.end = i + len;
      out.push_back(std::move(t));
    } else {
      if (!in_word) {
        in_word = true;
        ascii_letters = true;
        current.begin = i;
      }
      char32_t lower = Lower(cp);
      if (!(lower >= 'a' && lower <= 'z')) ascii_letters = false;
      AppendUtf8(current.term, lower);
    }
    i += len;
  }
  close(text.size());
  return out;
}

std::vector<std::string> TokenizeTerms(std::string_view text) {
  std::vector<std::string> out;
  for (auto& t : Tokenize(text)) out.push_back(std::move(t.term));
  return out;
}

}  // namespace strata::storage

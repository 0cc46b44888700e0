// The keyword search tokenizer: what a word is, lower-casing, scripts, stemming.
#include "storage/text_tokenizer.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace strata::storage {
namespace {

using Terms = std::vector<std::string>;

TEST(TextTokenizerTest, LowerCasesAndSplitsOnPunctuationAndSpace) {
  EXPECT_EQ(TokenizeTerms("Hello, World!  foo-bar\tbaz_qux"), (Terms{"hello", "world", "foo", "bar", "baz", "qux"}));
}

TEST(TextTokenizerTest, DigitsAreWordCharacters) {
  EXPECT_EQ(TokenizeTerms("port 50051 and v2"), (Terms{"port", "50051", "and", "v2"}));
}

TEST(TextTokenizerTest, StemsEnglishWords) {
  EXPECT_EQ(TokenizeTerms("Running runs RUN connected connection"), (Terms{"run", "run", "run", "connect", "connect"}));
}

TEST(TextTokenizerTest, KeepsAccentedLettersInOneWordAndLowerCasesThem) {
  EXPECT_EQ(TokenizeTerms("Grüße aus MÜNCHEN, ÉCOLE"), (Terms{"grüße", "aus", "münchen", "école"}));
}

TEST(TextTokenizerTest, LowerCasesCyrillicAndGreek) {
  EXPECT_EQ(TokenizeTerms("Привет, Мир! ΑΘΗΝΑ"), (Terms{"привет", "мир", "αθηνα"}));
}

TEST(TextTokenizerTest, HanAndKanaAreOneWordPerCharacter) {
  EXPECT_EQ(TokenizeTerms("東京タワー"), (Terms{"東", "京", "タ", "ワ", "ー"}));
  EXPECT_EQ(TokenizeTerms("在北京abc"), (Terms{"在", "北", "京", "abc"}));
}

TEST(TextTokenizerTest, HangulWordsStayWhole) {
  EXPECT_EQ(TokenizeTerms("안녕하세요 세계"), (Terms{"안녕하세요", "세계"}));
}

TEST(TextTokenizerTest, UnicodePunctuationSeparatesWords) {
  EXPECT_EQ(TokenizeTerms("alpha—beta «gamma» delta…epsilon"), (Terms{"alpha", "beta", "gamma", "delta", "epsilon"}));
}

TEST(TextTokenizerTest, InvalidUtf8BytesSeparateWords) {
  EXPECT_EQ(TokenizeTerms(std::string("ab\xff" "cd\xc3")), (Terms{"ab", "cd"}));
}

TEST(TextTokenizerTest, OffsetsPointAtTheWordsInTheInput) {
  std::string text = "Die Straße, bitte";
  auto tokens = Tokenize(text);
  ASSERT_EQ(tokens.size(), 3u);
  EXPECT_EQ(text.substr(tokens[1].begin, tokens[1].end - tokens[1].begin), "Straße");
  EXPECT_EQ(text.substr(tokens[2].begin, tokens[2].end - tokens[2].begin), "bitte");
}

TEST(TextTokenizerTest, LongWordsAreCutOnACharacterBoundary) {
  std::string long_word(50, 'x');
  for (int i = 0; i < 20; ++i) long_word += "é";  // 2 bytes each: no stemming, 90 bytes
  auto terms = TokenizeTerms(long_word);
  ASSERT_EQ(terms.size(), 1u);
  EXPECT_EQ(terms[0].size(), 64u);
  EXPECT_EQ(terms[0], std::string(50, 'x') + "ééééééé");
}

TEST(TextTokenizerTest, BlankAndPunctuationOnlyTextHasNoWords) {
  EXPECT_TRUE(TokenizeTerms("").empty());
  EXPECT_TRUE(TokenizeTerms("  \n\t ").empty());
  EXPECT_TRUE(TokenizeTerms("!?, --- ...").empty());
}

}  // namespace
}  // namespace strata::storage

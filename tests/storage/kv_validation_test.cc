// KvStore rejects bad keys, spaces, limits and prefixes with kInvalidArgument,
// and writes nothing when it does.
#include <gtest/gtest.h>

#include "storage/engine.h"
#include "tests/storage/engine_test_env.h"

namespace strata::storage {
namespace {

using testing::EngineTest;
using KvValidationTest = EngineTest;

// Every operation taking a key must refuse `key` with kInvalidArgument.
void ExpectKeyRejected(KvStore& kv, const std::string& key, const std::string& what) {
  Scope scope;
  auto put = kv.Put(scope, key, Value(1));
  EXPECT_EQ(put.status().code(), Code::kInvalidArgument) << what << ": put " << put.status().message();
  EXPECT_FALSE(put.status().message().empty()) << what;
  EXPECT_EQ(kv.Get(scope, key, std::nullopt).status().code(), Code::kInvalidArgument) << what << ": get";
  EXPECT_EQ(kv.Delete(scope, key).status().code(), Code::kInvalidArgument) << what << ": delete";
  EXPECT_EQ(kv.History(scope, key).status().code(), Code::kInvalidArgument) << what << ": history";
}

TEST_F(KvValidationTest, EmptyKeyIsInvalid) { ExpectKeyRejected(kv(), "", "empty key"); }

TEST_F(KvValidationTest, KeyOf1025BytesIsInvalidAndNamesTheLimit) {
  ExpectKeyRejected(kv(), std::string(1025, 'k'), "1025-byte key");
  auto put = kv().Put(scope_, std::string(1025, 'k'), Value(1));
  EXPECT_NE(put.status().message().find("1024"), std::string::npos) << put.status().message();
}

TEST_F(KvValidationTest, KeyWithNulByteIsInvalid) {
  ExpectKeyRejected(kv(), std::string("a\0b", 3), "NUL in key");
  ExpectKeyRejected(kv(), std::string("\0", 1), "key that is one NUL");
}

TEST_F(KvValidationTest, KeyThatIsNotUtf8IsInvalid) {
  ExpectKeyRejected(kv(), "\xff\xfe", "bytes 0xff 0xfe");
  ExpectKeyRejected(kv(), "abc\xc3", "truncated two-byte sequence");
  ExpectKeyRejected(kv(), "\xc0\xaf", "overlong encoding of '/'");
  ExpectKeyRejected(kv(), "\xed\xa0\x80", "UTF-16 surrogate");
  ExpectKeyRejected(kv(), "\xf4\x90\x80\x80", "code point above U+10FFFF");
}

TEST_F(KvValidationTest, ReservedPrefixIsInvalid) {
  ExpectKeyRejected(kv(), "_strata/x", "reserved _strata/ prefix");
  ExpectKeyRejected(kv(), "_strata/", "bare reserved prefix");
  // Near misses are ordinary keys.
  EXPECT_GT(MustPut("_strata", Value(1)), 0u);
  EXPECT_GT(MustPut("_stratax/y", Value(1)), 0u);
  EXPECT_GT(MustPut("x/_strata/y", Value(1)), 0u);
}

TEST_F(KvValidationTest, KeysAtTheLimitsAreValid) {
  EXPECT_GT(MustPut(std::string(1024, 'k'), Value(1)), 0u);
  EXPECT_GT(MustPut("k", Value(1)), 0u);
  // 1024 bytes of 4-byte UTF-8 characters.
  std::string emoji;
  for (int i = 0; i < 256; ++i) emoji += "\xf0\x9f\x98\x80";
  ASSERT_EQ(emoji.size(), 1024u);
  EXPECT_GT(MustPut(emoji, Value(1)), 0u);
  auto got = kv().Get(scope_, emoji, std::nullopt);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->has_value());
}

TEST_F(KvValidationTest, RejectedWritesSpendNoVersion) {
  uint64_t v = MustPut("k", Value(1));
  (void)kv().Put(scope_, "", Value(1)).ok();
  (void)kv().Put(scope_, std::string(2000, 'x'), Value(1)).ok();
  (void)kv().Put(Scope{"", "Bad Space"}, "k", Value(1)).ok();
  (void)kv().Put(Scope{"missing-branch", ""}, "k", Value(1)).ok();
  EXPECT_EQ(MustPut("k2", Value(1)), v + 1);
}

TEST_F(KvValidationTest, BadSpaceNamesAreInvalid) {
  const std::vector<std::string> bad = {"Upper", "1starts-with-digit", "has space", "_system_", "_leading",
                                        std::string(65, 'a'), "dot.ted", "sl/ash", "caf\xc3\xa9"};
  for (const std::string& space : bad) {
    Scope scope{"", space};
    EXPECT_EQ(kv().Put(scope, "k", Value(1)).status().code(), Code::kInvalidArgument) << space;
    EXPECT_EQ(kv().Get(scope, "k", std::nullopt).status().code(), Code::kInvalidArgument) << space;
    EXPECT_EQ(kv().Delete(scope, "k").status().code(), Code::kInvalidArgument) << space;
    EXPECT_EQ(kv().List(scope, "", std::nullopt, 10, std::nullopt).status().code(), Code::kInvalidArgument)
        << space;
    EXPECT_EQ(kv().History(scope, "k").status().code(), Code::kInvalidArgument) << space;
  }
  // The longest and oddest valid names work.
  EXPECT_GT(MustPut("k", Value(1), Scope{"", "a" + std::string(63, 'z')}), 0u);
  EXPECT_GT(MustPut("k", Value(1), Scope{"", "a-b_c9"}), 0u);
}

TEST_F(KvValidationTest, ListLimitMustBeBetween1And10000) {
  MustPut("k", Value(1));
  auto zero = kv().List(scope_, "", std::nullopt, 0, std::nullopt);
  EXPECT_EQ(zero.status().code(), Code::kInvalidArgument);
  auto over = kv().List(scope_, "", std::nullopt, 10001, std::nullopt);
  EXPECT_EQ(over.status().code(), Code::kInvalidArgument);
  EXPECT_NE(over.status().message().find("10000"), std::string::npos) << over.status().message();
  auto one = kv().List(scope_, "", std::nullopt, 1, std::nullopt);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->names.size(), 1u);
  auto max = kv().List(scope_, "", std::nullopt, 10000, std::nullopt);
  ASSERT_TRUE(max.ok()) << max.status().message();
}

TEST_F(KvValidationTest, ListPrefixMustBeUtf8OfAtMost1024Bytes) {
  EXPECT_EQ(kv().List(scope_, "\xff", std::nullopt, 10, std::nullopt).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(kv().List(scope_, std::string(1025, 'p'), std::nullopt, 10, std::nullopt).status().code(),
            Code::kInvalidArgument);
  auto ok = kv().List(scope_, std::string(1024, 'p'), std::nullopt, 10, std::nullopt);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_TRUE(ok->names.empty());
}

TEST_F(KvValidationTest, NegativeAsOfIsInvalid) {
  MustPut("k", Value(1));
  EXPECT_EQ(kv().Get(scope_, "k", int64_t{-1}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(kv().List(scope_, "", std::nullopt, 10, int64_t{-5}).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace strata::storage

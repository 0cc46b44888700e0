#include "storage/key_codec.h"

#include <gtest/gtest.h>

namespace strata::storage {
namespace {

TEST(KeyCodec, InvertedVersionsSortNewestFirst) {
  std::string prefix = NamePrefix(1, 1, Primitive::kKv, "a");
  EXPECT_LT(RecordKey(prefix, 10), RecordKey(prefix, 9));
  EXPECT_EQ(RecordKeyVersion(RecordKey(prefix, 12345)), 12345u);
}

TEST(KeyCodec, NameTerminatorKeepsBytewiseNameOrder) {
  // "a" (every version) sorts before "a\x01" and "ab", whatever the versions.
  std::string a = RecordKey(NamePrefix(1, 1, Primitive::kKv, "a"), 1);
  std::string a1 = RecordKey(NamePrefix(1, 1, Primitive::kKv, std::string("a\x01", 2)), UINT64_MAX - 1);
  std::string ab = RecordKey(NamePrefix(1, 1, Primitive::kKv, "ab"), UINT64_MAX - 1);
  EXPECT_LT(a, a1);
  EXPECT_LT(a1, ab);
}

TEST(KeyCodec, LongNamesFitLmdbKeyLimitAndStayDistinct) {
  std::string n1(1024, 'x');
  std::string n2 = n1;
  n2.back() = 'y';
  std::string k1 = RecordKey(NamePrefix(1, 1, Primitive::kKv, n1), 1);
  std::string k2 = RecordKey(NamePrefix(1, 1, Primitive::kKv, n2), 1);
  EXPECT_LE(k1.size(), 511u);
  EXPECT_NE(k1, k2);
  EXPECT_TRUE(RecordKeyNameTruncated(k1));
  std::string short_key = RecordKey(NamePrefix(1, 1, Primitive::kKv, std::string(kInlineNameBytes, 'x')), 1);
  EXPECT_FALSE(RecordKeyNameTruncated(short_key));
  EXPECT_EQ(RecordKeyInlineName(short_key), std::string(kInlineNameBytes, 'x'));
}

TEST(KeyCodec, PrefixSuccessorCarries) {
  EXPECT_EQ(PrefixSuccessor("ab"), "ac");
  EXPECT_EQ(PrefixSuccessor(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixSuccessor(std::string("\xff\xff", 2)), "");
}

}  // namespace
}  // namespace strata::storage

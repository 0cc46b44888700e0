// Regression tests for inputs found by fuzzing the stored-value decoder
// (tests/fuzz/fuzz_value_decoder.cc, fuzz_vector_filter.cc). DecodeValue also
// reads bytes from the network (event payloads of an imported bundle), so any
// bytes must give a value or a status: before the fix, a CBOR array or map
// declaring more elements than a vector can hold threw out of the decoder
// (std::terminate: the server died), and deep nesting recursed without bound.
#include <gtest/gtest.h>

#include <string>

#include "storage/value.h"

namespace strata::storage {
namespace {

TEST(ValueDecodeRegressionTest, ArrayDeclaringAHugeLengthIsAStatusNotACrash) {
  // fuzz_value_decoder-crash-028e9a8c: 0x9b = array with a 64-bit length.
  const std::string bytes("\x9b\xc0\xff\xff\xff\xff\xff\xff\xff\x84\xff", 11);
  auto v = DecodeValue(bytes);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Code::kInternal);
  EXPECT_NE(v.status().message().find("corrupt"), std::string::npos) << v.status().message();
}

TEST(ValueDecodeRegressionTest, MapDeclaringAHugeLengthIsAStatusNotACrash) {
  // fuzz_vector_filter-crash-22aad59a, its CBOR part: 0xbb = map with a 64-bit length.
  const std::string bytes("\xbb\xbb\xbb\xbb\xbb\xbb\x61\x00\x65\x2c\x00\x00", 12);
  auto v = DecodeValue(bytes);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Code::kInternal);
}

TEST(ValueDecodeRegressionTest, NestingFarBeyondTheLimitIsAStatusNotAStackOverflow) {
  // 1,000,000 one-element arrays: recursing once per level would overflow the stack.
  std::string bytes(1000000, '\x81');
  bytes.push_back('\x01');
  auto v = DecodeValue(bytes);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Code::kInternal);
}

TEST(ValueDecodeRegressionTest, ValuesAtTheNestingLimitStillRoundTrip) {
  Value deep = 1;
  for (size_t i = 0; i < kMaxNestingDepth; ++i) deep = i % 2 == 0 ? Value::array({deep}) : Value::object({{"k", deep}});
  auto v = DecodeValue(EncodeValue(deep));
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(*v, deep);
}

}  // namespace
}  // namespace strata::storage

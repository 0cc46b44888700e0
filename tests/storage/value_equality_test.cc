// StrictlyEqual: the deep, type-strict equality that compare-and-swap uses
// (spec/api.md §5: 1, 1.0 and true all differ; objects compare as maps).
#include <cmath>
#include <cstdint>
#include <limits>

#include <gtest/gtest.h>

#include "storage/value.h"
#include "storage/value_equality.h"

namespace strata::storage {
namespace {

Value Bytes(std::vector<uint8_t> b) { return Value::binary(std::move(b)); }

// A value as it comes back from disk: CBOR stores non-negative ints unsigned.
Value RoundTrip(const Value& v) {
  auto decoded = DecodeValue(EncodeValue(v));
  EXPECT_TRUE(decoded.ok()) << decoded.status().message();
  return decoded.ok() ? *decoded : Value();
}

TEST(ValueEqualityTest, EqualScalarsOfTheSameTypeAreEqual) {
  EXPECT_TRUE(StrictlyEqual(Value(nullptr), Value(nullptr)));
  EXPECT_TRUE(StrictlyEqual(Value(true), Value(true)));
  EXPECT_TRUE(StrictlyEqual(Value(false), Value(false)));
  EXPECT_TRUE(StrictlyEqual(Value(int64_t{-7}), Value(int64_t{-7})));
  EXPECT_TRUE(StrictlyEqual(Value(2.5), Value(2.5)));
  EXPECT_TRUE(StrictlyEqual(Value("abc"), Value("abc")));
  EXPECT_TRUE(StrictlyEqual(Bytes({0, 1, 255}), Bytes({0, 1, 255})));
}

TEST(ValueEqualityTest, DifferentScalarsAreNotEqual) {
  EXPECT_FALSE(StrictlyEqual(Value(true), Value(false)));
  EXPECT_FALSE(StrictlyEqual(Value(int64_t{1}), Value(int64_t{2})));
  EXPECT_FALSE(StrictlyEqual(Value(2.5), Value(2.25)));
  EXPECT_FALSE(StrictlyEqual(Value("abc"), Value("abd")));
  EXPECT_FALSE(StrictlyEqual(Bytes({0, 1}), Bytes({0, 2})));
}

TEST(ValueEqualityTest, IntFloatAndBoolOfTheSameMagnitudeDiffer) {
  Value i(int64_t{1});
  Value d(1.0);
  Value b(true);
  EXPECT_FALSE(StrictlyEqual(i, d));
  EXPECT_FALSE(StrictlyEqual(d, i));
  EXPECT_FALSE(StrictlyEqual(i, b));
  EXPECT_FALSE(StrictlyEqual(b, i));
  EXPECT_FALSE(StrictlyEqual(d, b));
  EXPECT_FALSE(StrictlyEqual(b, d));
  EXPECT_FALSE(StrictlyEqual(Value(int64_t{0}), Value(false)));
  EXPECT_FALSE(StrictlyEqual(Value(int64_t{0}), Value(0.0)));
  EXPECT_FALSE(StrictlyEqual(Value(int64_t{0}), Value(nullptr)));
  EXPECT_FALSE(StrictlyEqual(Value(false), Value(nullptr)));
}

TEST(ValueEqualityTest, StringAndBytesWithTheSameContentDiffer) {
  EXPECT_FALSE(StrictlyEqual(Value("ab"), Bytes({'a', 'b'})));
  EXPECT_FALSE(StrictlyEqual(Bytes({'a', 'b'}), Value("ab")));
  EXPECT_FALSE(StrictlyEqual(Value("1"), Value(int64_t{1})));
}

TEST(ValueEqualityTest, SignedAndUnsignedIntsCompareByValue) {
  EXPECT_TRUE(StrictlyEqual(Value(int64_t{5}), Value(uint64_t{5})));
  EXPECT_TRUE(StrictlyEqual(Value(uint64_t{5}), Value(int64_t{5})));
  EXPECT_TRUE(StrictlyEqual(Value(uint64_t{0}), Value(int64_t{0})));
  EXPECT_FALSE(StrictlyEqual(Value(int64_t{5}), Value(uint64_t{6})));
  // -1 must not alias UINT64_MAX through a cast.
  EXPECT_FALSE(StrictlyEqual(Value(int64_t{-1}), Value(std::numeric_limits<uint64_t>::max())));
  EXPECT_FALSE(StrictlyEqual(Value(std::numeric_limits<uint64_t>::max()), Value(int64_t{-1})));
  EXPECT_TRUE(StrictlyEqual(Value(std::numeric_limits<int64_t>::max()),
                            Value(static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))));
  EXPECT_TRUE(StrictlyEqual(Value(std::numeric_limits<int64_t>::min()), Value(std::numeric_limits<int64_t>::min())));
}

TEST(ValueEqualityTest, ValuesDecodedFromDiskEqualTheOriginals) {
  Value v = Value::object();
  v["pos"] = int64_t{42};
  v["neg"] = int64_t{-42};
  v["zero"] = int64_t{0};
  v["f"] = 0.1;
  v["half"] = 1.5;
  v["list"] = Value::array({int64_t{1}, "x", nullptr, true});
  v["bytes"] = Bytes({9, 8, 7});
  Value back = RoundTrip(v);
  EXPECT_TRUE(StrictlyEqual(v, back)) << back.dump();
  EXPECT_TRUE(StrictlyEqual(back, v));
  // Type strictness survives the round trip: a stored 1 is not 1.0.
  EXPECT_FALSE(StrictlyEqual(RoundTrip(Value(int64_t{1})), Value(1.0)));
  EXPECT_FALSE(StrictlyEqual(RoundTrip(Value(1.0)), Value(int64_t{1})));
}

TEST(ValueEqualityTest, FloatsUseIeeeEqualitySoNanNeverEqualsNan) {
  double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(StrictlyEqual(Value(nan), Value(nan)));
  // Unless asked for the stored-value view (branch diff and merge), also nested.
  EXPECT_TRUE(StrictlyEqual(Value(nan), Value(nan), NanRule::kEqualsNan));
  EXPECT_TRUE(StrictlyEqual(Value::array({1, nan}), Value::array({1, nan}), NanRule::kEqualsNan));
  EXPECT_FALSE(StrictlyEqual(Value(nan), Value(1.0), NanRule::kEqualsNan));
  EXPECT_TRUE(StrictlyEqual(Value(0.0), Value(-0.0)));
  double inf = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(StrictlyEqual(Value(inf), Value(inf)));
  EXPECT_FALSE(StrictlyEqual(Value(inf), Value(-inf)));
}

TEST(ValueEqualityTest, ArraysCompareElementByElementInOrder) {
  EXPECT_TRUE(StrictlyEqual(Value::array(), Value::array()));
  EXPECT_TRUE(StrictlyEqual(Value::array({int64_t{1}, "a"}), Value::array({int64_t{1}, "a"})));
  EXPECT_FALSE(StrictlyEqual(Value::array({int64_t{1}, "a"}), Value::array({"a", int64_t{1}})));
  EXPECT_FALSE(StrictlyEqual(Value::array({int64_t{1}}), Value::array({int64_t{1}, int64_t{1}})));
  EXPECT_FALSE(StrictlyEqual(Value::array({int64_t{1}}), Value::array({1.0})));
  EXPECT_FALSE(StrictlyEqual(Value::array(), Value::object()));
  EXPECT_FALSE(StrictlyEqual(Value::array(), Value(nullptr)));
}

TEST(ValueEqualityTest, ObjectsEqualRegardlessOfKeyOrder) {
  Value a = Value::object();
  a["x"] = int64_t{1};
  a["y"] = Value::array({true, "z"});
  Value b = Value::object();
  b["y"] = Value::array({true, "z"});
  b["x"] = int64_t{1};
  ASSERT_NE(a.dump(), b.dump()) << "the test needs two key orders";
  EXPECT_TRUE(StrictlyEqual(a, b));
  EXPECT_TRUE(StrictlyEqual(b, a));
}

TEST(ValueEqualityTest, ObjectsDifferOnMissingExtraOrDifferentlyTypedMembers) {
  Value base = Value::object();
  base["x"] = int64_t{1};
  base["y"] = "s";

  Value missing = Value::object();
  missing["x"] = int64_t{1};
  EXPECT_FALSE(StrictlyEqual(base, missing));
  EXPECT_FALSE(StrictlyEqual(missing, base));

  Value renamed = Value::object();
  renamed["x"] = int64_t{1};
  renamed["z"] = "s";
  EXPECT_FALSE(StrictlyEqual(base, renamed));

  Value retyped = Value::object();
  retyped["x"] = 1.0;
  retyped["y"] = "s";
  EXPECT_FALSE(StrictlyEqual(base, retyped));

  Value with_null = Value::object();
  with_null["x"] = int64_t{1};
  with_null["y"] = "s";
  with_null["w"] = nullptr;
  EXPECT_FALSE(StrictlyEqual(base, with_null));
  EXPECT_FALSE(StrictlyEqual(with_null, base));
}

TEST(ValueEqualityTest, NestedStructuresCompareDeeplyAndStrictly) {
  auto make = [](Value leaf) {
    Value v = Value::object();
    v["outer"] = Value::object();
    v["outer"]["list"] = Value::array({Value::object(), std::move(leaf)});
    v["outer"]["list"][0]["k"] = "v";
    return v;
  };
  EXPECT_TRUE(StrictlyEqual(make(Value(int64_t{3})), make(Value(uint64_t{3}))));
  EXPECT_FALSE(StrictlyEqual(make(Value(int64_t{3})), make(Value(3.0))));
  EXPECT_FALSE(StrictlyEqual(make(Value(true)), make(Value(int64_t{1}))));
  EXPECT_FALSE(StrictlyEqual(make(Value("a")), make(Value("b"))));
}

}  // namespace
}  // namespace strata::storage

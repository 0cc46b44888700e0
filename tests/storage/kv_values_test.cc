// Every value kind round-trips through Put and Get unchanged: type, bits, order.
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "storage/engine.h"
#include "tests/storage/engine_test_env.h"

namespace strata::storage {
namespace {

using testing::EngineTest;

class KvValuesTest : public EngineTest {
 protected:
  Value RoundTrip(const Value& in) {
    std::string key = "v" + std::to_string(counter_++);
    MustPut(key, in);
    auto got = kv().Get(scope_, key, std::nullopt);
    EXPECT_TRUE(got.ok()) << got.status().message();
    if (!got.ok() || !got->has_value()) {
      ADD_FAILURE() << "value not found after put";
      return Value();
    }
    return (*got)->value;
  }
  int counter_ = 0;
};

TEST_F(KvValuesTest, NullRoundTrips) { EXPECT_TRUE(RoundTrip(Value(nullptr)).is_null()); }

TEST_F(KvValuesTest, BoolsRoundTripAsBools) {
  Value t = RoundTrip(Value(true));
  Value f = RoundTrip(Value(false));
  ASSERT_TRUE(t.is_boolean());
  ASSERT_TRUE(f.is_boolean());
  EXPECT_TRUE(t.get<bool>());
  EXPECT_FALSE(f.get<bool>());
}

TEST_F(KvValuesTest, Int64ExtremesRoundTripAsIntegers) {
  for (int64_t v : {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), int64_t{0},
                    int64_t{-1}, int64_t{1}, int64_t{1} << 53, (int64_t{1} << 53) + 1}) {
    Value out = RoundTrip(Value(v));
    ASSERT_TRUE(out.is_number_integer()) << v << " came back as " << out.type_name();
    EXPECT_FALSE(out.is_number_float()) << v;
    // CBOR stores non-negative ints as unsigned; the number must be exact either way.
    if (v >= 0) {
      EXPECT_EQ(out.get<uint64_t>(), static_cast<uint64_t>(v));
    } else {
      EXPECT_EQ(out.get<int64_t>(), v);
    }
  }
}

TEST_F(KvValuesTest, DoublesRoundTripBitExactIncludingSpecialValues) {
  const double inf = std::numeric_limits<double>::infinity();
  for (double d : {0.5, -2.25, 1e308, 5e-324, 0.1, 3.0, inf, -inf}) {
    Value out = RoundTrip(Value(d));
    ASSERT_TRUE(out.is_number_float()) << d << " came back as " << out.type_name();
    EXPECT_EQ(out.get<double>(), d);
  }
  Value nan = RoundTrip(Value(std::numeric_limits<double>::quiet_NaN()));
  ASSERT_TRUE(nan.is_number_float());
  EXPECT_TRUE(std::isnan(nan.get<double>()));
  Value neg_zero = RoundTrip(Value(-0.0));
  ASSERT_TRUE(neg_zero.is_number_float());
  EXPECT_EQ(neg_zero.get<double>(), 0.0);
  EXPECT_TRUE(std::signbit(neg_zero.get<double>())) << "-0.0 lost its sign";
  Value whole = RoundTrip(Value(1.0));
  EXPECT_TRUE(whole.is_number_float()) << "1.0 must not become the integer 1";
}

TEST_F(KvValuesTest, StringsRoundTripIncludingUnicode) {
  for (const std::string& s : {std::string(""), std::string("plain"), std::string("caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80"),
                               std::string("tab\tnewline\n"), std::string(100000, 's')}) {
    Value out = RoundTrip(Value(s));
    ASSERT_TRUE(out.is_string());
    EXPECT_EQ(out.get<std::string>(), s);
  }
}

TEST_F(KvValuesTest, BinaryRoundTripsAsBinaryWithNulBytes) {
  std::vector<uint8_t> bytes = {0x00, 0x01, 0xff, 0x00, 'a', 0x80, 0x00};
  Value out = RoundTrip(Value::binary(bytes));
  ASSERT_TRUE(out.is_binary()) << "bytes came back as " << out.type_name();
  EXPECT_EQ(std::vector<uint8_t>(out.get_binary().begin(), out.get_binary().end()), bytes);
  Value empty = RoundTrip(Value::binary({}));
  ASSERT_TRUE(empty.is_binary());
  EXPECT_TRUE(empty.get_binary().empty());
}

TEST_F(KvValuesTest, NestedArraysAndObjectsRoundTrip) {
  Value in = Value::object();
  in["list"] = Value::array({1, "two", 3.5, nullptr, true, Value::array({Value::array()}), Value::object()});
  in["nested"] = Value::object();
  in["nested"]["deeper"] = Value::object();
  in["nested"]["deeper"]["bin"] = Value::binary({1, 2, 3});
  in["nested"]["deeper"]["neg"] = -7;
  Value out = RoundTrip(in);
  EXPECT_EQ(out, in);
  EXPECT_TRUE(out["nested"]["deeper"]["bin"].is_binary());
  EXPECT_TRUE(out["list"][2].is_number_float());
}

TEST_F(KvValuesTest, ObjectKeyOrderIsPreserved) {
  Value in = Value::object();
  for (const char* k : {"zebra", "apple", "mango", "banana", "\xc3\xa9", "A"}) in[k] = k;
  Value out = RoundTrip(in);
  std::vector<std::string> keys;
  for (const auto& [k, v] : out.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"zebra", "apple", "mango", "banana", "\xc3\xa9", "A"}));
}

TEST_F(KvValuesTest, DeeplyNestedValueAtTheLimitRoundTrips) {
  Value in = 1;
  for (size_t i = 1; i < kMaxNestingDepth; ++i) in = Value::array({in});
  Value out = RoundTrip(in);
  EXPECT_EQ(out, in);
}

}  // namespace
}  // namespace strata::storage

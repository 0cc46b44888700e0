// Reads as of a timestamp: Get and List see the state at that instant.
#include <chrono>
#include <limits>
#include <thread>

#include <gtest/gtest.h>

#include "storage/engine.h"
#include "tests/storage/engine_test_env.h"

namespace strata::storage {
namespace {

using testing::EngineTest;

class KvTimeTravelTest : public EngineTest {
 protected:
  // Writes land in distinct microseconds: the writer stamps each batch with the
  // system clock, so a short sleep separates consecutive commits in time.
  static void Tick() { std::this_thread::sleep_for(std::chrono::milliseconds(3)); }

  int64_t TimestampOf(std::string_view key) {
    auto got = kv().Get(scope_, key, std::nullopt);
    EXPECT_TRUE(got.ok() && got->has_value()) << key;
    return got.ok() && got->has_value() ? (*got)->timestamp : 0;
  }

  std::optional<Value> ValueAt(std::string_view key, int64_t as_of) {
    auto got = kv().Get(scope_, key, as_of);
    EXPECT_TRUE(got.ok()) << got.status().message();
    if (!got.ok() || !got->has_value()) return std::nullopt;
    return (*got)->value;
  }
};

TEST_F(KvTimeTravelTest, GetAtTimestampBeforeFirstWriteReturnsNothing) {
  MustPut("k", Value("v1"));
  int64_t ts = TimestampOf("k");
  EXPECT_FALSE(ValueAt("k", ts - 1).has_value());
  EXPECT_FALSE(ValueAt("k", 0).has_value());
  EXPECT_EQ(ValueAt("k", ts), Value("v1"));
}

TEST_F(KvTimeTravelTest, GetAtTimestampBetweenWritesReturnsTheOlderValue) {
  uint64_t v1 = MustPut("k", Value("old"));
  int64_t ts1 = TimestampOf("k");
  Tick();
  MustPut("k", Value("new"));
  int64_t ts2 = TimestampOf("k");
  ASSERT_GT(ts2, ts1);

  auto between = kv().Get(scope_, "k", ts1 + (ts2 - ts1) / 2);
  ASSERT_TRUE(between.ok());
  ASSERT_TRUE(between->has_value());
  EXPECT_EQ((*between)->value, Value("old"));
  EXPECT_EQ((*between)->version, v1);
  EXPECT_EQ((*between)->timestamp, ts1);
  EXPECT_EQ(ValueAt("k", ts2 - 1), Value("old"));
  EXPECT_EQ(ValueAt("k", ts2), Value("new"));
  EXPECT_EQ(ValueAt("k", ts2 + 60'000'000), Value("new")) << "a future instant reads the latest state";
  EXPECT_EQ(ValueAt("k", std::numeric_limits<int64_t>::max()), Value("new"));
}

TEST_F(KvTimeTravelTest, GetAtTimestampBeforeDeleteStillSeesTheValue) {
  MustPut("k", Value(42));
  int64_t put_ts = TimestampOf("k");
  Tick();
  MustDelete("k");
  auto history = kv().History(scope_, "k");
  ASSERT_TRUE(history.ok() && history->has_value());
  int64_t delete_ts = (**history)[0].timestamp;
  ASSERT_GT(delete_ts, put_ts);
  EXPECT_EQ(ValueAt("k", put_ts), Value(42));
  EXPECT_EQ(ValueAt("k", delete_ts - 1), Value(42));
  EXPECT_FALSE(ValueAt("k", delete_ts).has_value());
}

TEST_F(KvTimeTravelTest, ListAsOfShowsTheKeysLiveAtThatInstant) {
  MustPut("a", Value(1));
  MustPut("b", Value(1));
  int64_t t1 = TimestampOf("b");
  Tick();
  MustDelete("a");
  MustPut("c", Value(1));
  int64_t t2 = TimestampOf("c");
  ASSERT_GT(t2, t1);

  auto then = kv().List(scope_, "", std::nullopt, 100, t1);
  ASSERT_TRUE(then.ok()) << then.status().message();
  EXPECT_EQ(then->names, (std::vector<std::string>{"a", "b"}));
  auto now = kv().List(scope_, "", std::nullopt, 100, t2);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->names, (std::vector<std::string>{"b", "c"}));
  auto before_all = kv().List(scope_, "", std::nullopt, 100, int64_t{1});
  ASSERT_TRUE(before_all.ok());
  EXPECT_TRUE(before_all->names.empty());
}

TEST_F(KvTimeTravelTest, ListAsOfPagesThroughThePastState) {
  for (char c = 'a'; c <= 'j'; ++c) MustPut(std::string(1, c), Value(1));
  int64_t t = TimestampOf("j");
  Tick();
  for (char c = 'a'; c <= 'j'; c += 2) MustDelete(std::string(1, c));
  MustPut("aa", Value(1));

  std::vector<std::string> seen;
  std::optional<std::string> after;
  for (int page = 0; page < 20; ++page) {
    auto got = kv().List(scope_, "", after, 3, t);
    ASSERT_TRUE(got.ok()) << got.status().message();
    seen.insert(seen.end(), got->names.begin(), got->names.end());
    if (!got->has_more) break;
    after = got->names.back();
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}));
}

}  // namespace
}  // namespace strata::storage

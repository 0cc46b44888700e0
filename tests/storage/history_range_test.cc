// History read a range at a time: before_version and limit, across a fork's
// layers, and "never existed" kept apart from "nothing older".
#include <optional>
#include <vector>

#include <gtest/gtest.h>

#include "storage/engine.h"
#include "tests/storage/engine_test_env.h"

namespace strata::storage {
namespace {

using testing::EngineTest;

class HistoryRangeTest : public EngineTest {
 protected:
  std::vector<uint64_t> VersionsOf(const Scope& scope, std::string_view key, const HistoryRange& range) {
    auto history = kv().History(scope, key, range);
    EXPECT_TRUE(history.ok()) << history.status().message();
    EXPECT_TRUE(history.ok() && history->has_value()) << key << " should exist";
    std::vector<uint64_t> out;
    if (history.ok() && history->has_value()) {
      for (const auto& entry : **history) out.push_back(entry.version);
    }
    return out;
  }
};

TEST_F(HistoryRangeTest, PagesWalkTheWholeHistoryNewestFirst) {
  std::vector<uint64_t> written;
  for (int i = 0; i < 7; ++i) written.insert(written.begin(), MustPut("k", Value(i)));

  EXPECT_EQ(VersionsOf(scope_, "k", {}), written);
  std::vector<uint64_t> paged;
  uint64_t before = 0;
  for (int page = 0; page < 10; ++page) {
    auto got = VersionsOf(scope_, "k", HistoryRange{before, 3});
    ASSERT_LE(got.size(), 3u);
    if (got.empty()) break;
    paged.insert(paged.end(), got.begin(), got.end());
    before = got.back();
  }
  EXPECT_EQ(paged, written);
}

TEST_F(HistoryRangeTest, BeforeVersionIsExclusiveAndNeedNotBeAVersionOfTheKey) {
  uint64_t v1 = MustPut("k", Value(1));
  MustPut("other", Value(0));
  uint64_t v3 = MustPut("k", Value(3));
  EXPECT_EQ(VersionsOf(scope_, "k", HistoryRange{v3, 10}), std::vector<uint64_t>{v1});
  EXPECT_EQ(VersionsOf(scope_, "k", HistoryRange{v3 + 100, 10}), (std::vector<uint64_t>{v3, v1}));
}

TEST_F(HistoryRangeTest, ARangePastTheOldestVersionIsEmptyButTheKeyStillExists) {
  uint64_t v1 = MustPut("k", Value(1));
  MustDelete("k");
  auto past = kv().History(scope_, "k", HistoryRange{v1, 10});
  ASSERT_TRUE(past.ok()) << past.status().message();
  ASSERT_TRUE(past->has_value()) << "an empty page of a key that exists is not 'never existed'";
  EXPECT_TRUE((*past)->empty());
  auto none = kv().History(scope_, "k", HistoryRange{0, 0});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->has_value()) << "limit 0 reads nothing but the key exists";

  auto never = kv().History(scope_, "never", HistoryRange{v1, 10});
  ASSERT_TRUE(never.ok());
  EXPECT_FALSE(never->has_value());
}

TEST_F(HistoryRangeTest, AForkPagesThroughItsOwnVersionsThenItsParentsUpToTheForkPoint) {
  uint64_t p1 = MustPut("k", Value(1));
  uint64_t p2 = MustPut("k", Value(2));
  ASSERT_TRUE(engine_->branches().Fork("default", "child").ok());
  MustPut("k", Value(3));  // the parent's, after the fork: not the child's
  Scope child{"child", ""};
  uint64_t c1 = MustPut("k", Value(10), child);
  uint64_t c2 = MustPut("k", Value(11), child);

  EXPECT_EQ(VersionsOf(child, "k", {}), (std::vector<uint64_t>{c2, c1, p2, p1}));
  EXPECT_EQ(VersionsOf(child, "k", HistoryRange{0, 3}), (std::vector<uint64_t>{c2, c1, p2}));
  EXPECT_EQ(VersionsOf(child, "k", HistoryRange{c1, 1}), std::vector<uint64_t>{p2});
  EXPECT_EQ(VersionsOf(child, "k", HistoryRange{p2, 5}), std::vector<uint64_t>{p1});
}

}  // namespace
}  // namespace strata::storage

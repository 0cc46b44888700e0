// StateStore: init never overwrites, compare-and-swap by value (deep and
// type-strict), by version and create-only, atomically under concurrency
// (spec/api.md §5). Real LMDB in a temporary directory.
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "storage/engine.h"
#include "storage/value_equality.h"
#include "tests/storage/engine_test_env.h"

namespace strata::storage {
namespace {

class StateStoreTest : public testing::EngineTest {
 protected:
  StateStore& state() { return engine_->state(); }
  uint64_t committed() { return engine_->core().writer().committed_version(); }

  uint64_t MustSet(std::string_view cell, const Value& value) {
    auto v = state().Put(scope_, cell, value);
    EXPECT_TRUE(v.ok()) << "Set(" << cell << "): " << v.status().message();
    return v.ok() ? *v : 0;
  }

  // The live value and version; fails the test when absent.
  VersionedValue MustGet(std::string_view cell) {
    auto got = state().Get(scope_, cell, std::nullopt);
    EXPECT_TRUE(got.ok()) << got.status().message();
    if (!got.ok() || !got->has_value()) {
      ADD_FAILURE() << "cell " << cell << " is absent";
      return {};
    }
    return **got;
  }

  size_t HistoryLength(std::string_view cell) {
    auto h = state().History(scope_, cell);
    EXPECT_TRUE(h.ok()) << h.status().message();
    if (!h.ok() || !h->has_value()) return 0;
    return (*h)->size();
  }

  static CasExpectation ByValue(Value v) { return CasExpectation{std::move(v), std::nullopt}; }
  static CasExpectation ByVersion(uint64_t v) { return CasExpectation{std::nullopt, v}; }
  static CasExpectation CreateOnly() { return CasExpectation{}; }
};

// ---- init ----

TEST_F(StateStoreTest, InitCreatesAMissingCellAndReturnsItsVersion) {
  auto v = state().Init(scope_, "c", Value(int64_t{7}));
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_GT(*v, 0u);
  VersionedValue got = MustGet("c");
  EXPECT_EQ(got.value, Value(int64_t{7}));
  EXPECT_EQ(got.version, *v);
}

TEST_F(StateStoreTest, InitNeverOverwritesAndReturnsTheExistingVersion) {
  uint64_t set = MustSet("c", Value("original"));
  uint64_t before = committed();
  auto v = state().Init(scope_, "c", Value("replacement"));
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(*v, set);
  VersionedValue got = MustGet("c");
  EXPECT_EQ(got.value, Value("original"));
  EXPECT_EQ(got.version, set);
  EXPECT_EQ(HistoryLength("c"), 1u);
  EXPECT_EQ(committed(), before) << "an init that changed nothing must not take a version";
}

TEST_F(StateStoreTest, InitTwiceReturnsTheFirstVersionBothTimes) {
  auto first = state().Init(scope_, "c", Value(int64_t{1}));
  auto second = state().Init(scope_, "c", Value(int64_t{2}));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(*first, *second);
  EXPECT_EQ(MustGet("c").value, Value(int64_t{1}));
}

TEST_F(StateStoreTest, InitAfterDeleteCreatesTheCellAgain) {
  MustSet("c", Value(int64_t{1}));
  auto del = state().Delete(scope_, "c");
  ASSERT_TRUE(del.ok() && del->existed);
  auto v = state().Init(scope_, "c", Value(int64_t{2}));
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_GT(*v, del->version);
  EXPECT_EQ(MustGet("c").value, Value(int64_t{2}));
}

TEST_F(StateStoreTest, InitRejectsABadCellName) {
  auto empty = state().Init(scope_, "", Value(int64_t{1}));
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), Code::kInvalidArgument);
  auto reserved = state().Init(scope_, "_strata/x", Value(int64_t{1}));
  ASSERT_FALSE(reserved.ok());
  EXPECT_EQ(reserved.status().code(), Code::kInvalidArgument);
}

// ---- CAS by value ----

TEST_F(StateStoreTest, CasByValueSwapsWhenTheCurrentValueMatches) {
  uint64_t set = MustSet("c", Value(int64_t{1}));
  auto v = state().Cas(scope_, "c", Value(int64_t{2}), ByValue(Value(int64_t{1})));
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_GT(*v, set);
  VersionedValue got = MustGet("c");
  EXPECT_EQ(got.value, Value(int64_t{2}));
  EXPECT_EQ(got.version, *v);
}

TEST_F(StateStoreTest, CasByValueIsTypeStrictIntVersusFloatAndBool) {
  MustSet("c", Value(int64_t{1}));
  for (const Value& expected : {Value(1.0), Value(true), Value("1"), Value(nullptr)}) {
    auto v = state().Cas(scope_, "c", Value(int64_t{99}), ByValue(expected));
    ASSERT_FALSE(v.ok()) << "expected " << expected.dump() << " must not match a stored int 1";
    EXPECT_EQ(v.status().code(), Code::kConflict) << v.status().message();
  }
  EXPECT_EQ(MustGet("c").value, Value(int64_t{1}));
}

TEST_F(StateStoreTest, CasByValueStoredFloatDoesNotMatchExpectedInt) {
  MustSet("f", Value(1.0));
  auto v = state().Cas(scope_, "f", Value(2.0), ByValue(Value(int64_t{1})));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Code::kConflict);
  auto ok = state().Cas(scope_, "f", Value(2.0), ByValue(Value(1.0)));
  EXPECT_TRUE(ok.ok()) << ok.status().message();

  MustSet("b", Value(true));
  auto b = state().Cas(scope_, "b", Value(false), ByValue(Value(int64_t{1})));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), Code::kConflict);
}

TEST_F(StateStoreTest, CasByValueMatchesObjectsRegardlessOfKeyOrder) {
  Value stored = Value::object();
  stored["a"] = int64_t{1};
  stored["b"] = Value::array({"x", Value::object()});
  stored["b"][1]["deep"] = true;
  MustSet("c", stored);

  Value expected = Value::object();
  expected["b"] = Value::array({"x", Value::object()});
  expected["b"][1]["deep"] = true;
  expected["a"] = int64_t{1};
  auto v = state().Cas(scope_, "c", Value("swapped"), ByValue(expected));
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(MustGet("c").value, Value("swapped"));
}

TEST_F(StateStoreTest, CasByValueComparesNestedValuesStrictly) {
  Value stored = Value::object();
  stored["n"] = Value::array({int64_t{1}, int64_t{2}});
  MustSet("c", stored);
  Value expected = Value::object();
  expected["n"] = Value::array({int64_t{1}, 2.0});
  auto v = state().Cas(scope_, "c", Value("x"), ByValue(expected));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Code::kConflict);
  Value extra = stored;
  extra["more"] = nullptr;
  auto w = state().Cas(scope_, "c", Value("x"), ByValue(extra));
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), Code::kConflict);
}

TEST_F(StateStoreTest, CasByValueComparesBytesAsBytesNotAsText) {
  MustSet("c", Value::binary({'a', 'b', 0}));
  auto as_text = state().Cas(scope_, "c", Value(int64_t{1}), ByValue(Value(std::string("ab\0", 3))));
  ASSERT_FALSE(as_text.ok());
  EXPECT_EQ(as_text.status().code(), Code::kConflict);
  auto as_bytes = state().Cas(scope_, "c", Value(int64_t{1}), ByValue(Value::binary({'a', 'b', 0})));
  ASSERT_TRUE(as_bytes.ok()) << as_bytes.status().message();
}

TEST_F(StateStoreTest, CasByValueMatchesAStoredNull) {
  MustSet("c", Value(nullptr));
  auto v = state().Cas(scope_, "c", Value(int64_t{1}), ByValue(Value(nullptr)));
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(MustGet("c").value, Value(int64_t{1}));
}

TEST_F(StateStoreTest, CasByValueOnAMissingCellConflicts) {
  auto v = state().Cas(scope_, "absent", Value(int64_t{1}), ByValue(Value(nullptr)));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Code::kConflict);
  EXPECT_NE(v.status().message().find("absent"), std::string::npos) << v.status().message();
  auto got = state().Get(scope_, "absent", std::nullopt);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

TEST_F(StateStoreTest, CasByValueAgainstStoredNanNeverMatches) {
  double nan = std::numeric_limits<double>::quiet_NaN();
  MustSet("c", Value(nan));  // NaN is allowed in state cells
  auto v = state().Cas(scope_, "c", Value(1.0), ByValue(Value(nan)));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Code::kConflict);
}

// ---- CAS by version ----

TEST_F(StateStoreTest, CasByVersionSwapsOnlyAtTheCurrentVersion) {
  uint64_t v1 = MustSet("c", Value("a"));
  uint64_t v2 = MustSet("c", Value("b"));
  auto stale = state().Cas(scope_, "c", Value("z"), ByVersion(v1));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), Code::kConflict);
  EXPECT_NE(stale.status().message().find(std::to_string(v2)), std::string::npos) << stale.status().message();

  auto fresh = state().Cas(scope_, "c", Value("c"), ByVersion(v2));
  ASSERT_TRUE(fresh.ok()) << fresh.status().message();
  EXPECT_GT(*fresh, v2);
  EXPECT_EQ(MustGet("c").value, Value("c"));
}

TEST_F(StateStoreTest, CasByVersionOnAMissingCellConflicts) {
  auto v = state().Cas(scope_, "absent", Value(int64_t{1}), ByVersion(1));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Code::kConflict);
}

TEST_F(StateStoreTest, CasByVersionOnADeletedCellConflicts) {
  uint64_t v = MustSet("c", Value(int64_t{1}));
  ASSERT_TRUE(state().Delete(scope_, "c").ok());
  auto r = state().Cas(scope_, "c", Value(int64_t{2}), ByVersion(v));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kConflict);
}

TEST_F(StateStoreTest, CasWithValueAndVersionNeedsBothToHold) {
  uint64_t v = MustSet("c", Value(int64_t{1}));
  auto wrong_value = state().Cas(scope_, "c", Value(int64_t{2}), CasExpectation{Value(int64_t{5}), v});
  ASSERT_FALSE(wrong_value.ok());
  EXPECT_EQ(wrong_value.status().code(), Code::kConflict);
  auto wrong_version = state().Cas(scope_, "c", Value(int64_t{2}), CasExpectation{Value(int64_t{1}), v + 100});
  ASSERT_FALSE(wrong_version.ok());
  EXPECT_EQ(wrong_version.status().code(), Code::kConflict);
  auto both = state().Cas(scope_, "c", Value(int64_t{2}), CasExpectation{Value(int64_t{1}), v});
  ASSERT_TRUE(both.ok()) << both.status().message();
  EXPECT_EQ(MustGet("c").value, Value(int64_t{2}));
}

// ---- CAS create-only ----

TEST_F(StateStoreTest, CasWithNoExpectationCreatesOnlyWhenTheCellIsMissing) {
  auto created = state().Cas(scope_, "c", Value("first"), CreateOnly());
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_EQ(MustGet("c").value, Value("first"));
  EXPECT_EQ(MustGet("c").version, *created);

  auto again = state().Cas(scope_, "c", Value("second"), CreateOnly());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Code::kConflict);
  EXPECT_EQ(MustGet("c").value, Value("first"));
}

TEST_F(StateStoreTest, CasCreateOnlySucceedsAfterTheCellWasDeleted) {
  MustSet("c", Value(int64_t{1}));
  ASSERT_TRUE(state().Delete(scope_, "c").ok());
  auto created = state().Cas(scope_, "c", Value(int64_t{2}), CreateOnly());
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_EQ(MustGet("c").value, Value(int64_t{2}));
}

TEST_F(StateStoreTest, CasRejectsABadCellNameAsInvalidArgument) {
  auto v = state().Cas(scope_, "", Value(int64_t{1}), CreateOnly());
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Code::kInvalidArgument);
  auto nul = state().Cas(scope_, std::string("a\0b", 3), Value(int64_t{1}), CreateOnly());
  ASSERT_FALSE(nul.ok());
  EXPECT_EQ(nul.status().code(), Code::kInvalidArgument);
}

// ---- a failed CAS writes nothing ----

TEST_F(StateStoreTest, FailedCasLeavesHistoryAndVersionCounterUnchanged) {
  MustSet("c", Value(int64_t{1}));
  uint64_t v2 = MustSet("c", Value(int64_t{2}));
  MustSet("other", Value("x"));
  uint64_t before = committed();
  size_t history_before = HistoryLength("c");
  ASSERT_EQ(history_before, 2u);

  EXPECT_EQ(state().Cas(scope_, "c", Value(int64_t{3}), ByValue(Value(int64_t{1}))).status().code(), Code::kConflict);
  EXPECT_EQ(state().Cas(scope_, "c", Value(int64_t{3}), ByValue(Value(2.0))).status().code(), Code::kConflict);
  EXPECT_EQ(state().Cas(scope_, "c", Value(int64_t{3}), ByVersion(v2 - 1)).status().code(), Code::kConflict);
  EXPECT_EQ(state().Cas(scope_, "c", Value(int64_t{3}), CreateOnly()).status().code(), Code::kConflict);
  EXPECT_EQ(state().Cas(scope_, "nope", Value(int64_t{3}), ByVersion(1)).status().code(), Code::kConflict);

  EXPECT_EQ(committed(), before);
  EXPECT_EQ(HistoryLength("c"), history_before);
  VersionedValue got = MustGet("c");
  EXPECT_EQ(got.value, Value(int64_t{2}));
  EXPECT_EQ(got.version, v2);
  auto nope = state().History(scope_, "nope");
  ASSERT_TRUE(nope.ok());
  EXPECT_FALSE(nope->has_value()) << "a failed cas on a missing cell must not create it";

  // The next successful write takes the very next version.
  uint64_t next = MustSet("c", Value(int64_t{4}));
  EXPECT_EQ(next, before + 1);
}

// ---- set, get, history, as_of, list ----

TEST_F(StateStoreTest, HistoryIsNewestFirstAndRecordsEveryCas) {
  uint64_t a = MustSet("c", Value(int64_t{0}));
  auto b = state().Cas(scope_, "c", Value(int64_t{1}), ByValue(Value(int64_t{0})));
  auto c = state().Cas(scope_, "c", Value(int64_t{2}), ByVersion(*b));
  ASSERT_TRUE(b.ok() && c.ok());
  auto h = state().History(scope_, "c");
  ASSERT_TRUE(h.ok() && h->has_value());
  ASSERT_EQ((*h)->size(), 3u);
  EXPECT_EQ((**h)[0].version, *c);
  EXPECT_EQ((**h)[0].value, Value(int64_t{2}));
  EXPECT_EQ((**h)[1].version, *b);
  EXPECT_EQ((**h)[2].version, a);
  EXPECT_EQ((**h)[2].value, Value(int64_t{0}));
}

TEST_F(StateStoreTest, GetAsOfSeesTheValueAtThatTime) {
  MustSet("c", Value("old"));
  int64_t t_old = MustGet("c").timestamp;
  std::this_thread::sleep_for(std::chrono::milliseconds(3));
  MustSet("c", Value("new"));
  auto then = state().Get(scope_, "c", t_old);
  ASSERT_TRUE(then.ok()) << then.status().message();
  ASSERT_TRUE(then->has_value());
  EXPECT_EQ((*then)->value, Value("old"));
  auto before = state().Get(scope_, "c", t_old - 1);
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(before->has_value());
}

TEST_F(StateStoreTest, ListReturnsLiveCellsWithThePrefix) {
  MustSet("job/1", Value(int64_t{1}));
  MustSet("job/2", Value(int64_t{2}));
  MustSet("other", Value(int64_t{3}));
  ASSERT_TRUE(state().Cas(scope_, "job/3", Value(int64_t{3}), CreateOnly()).ok());
  ASSERT_TRUE(state().Delete(scope_, "job/2").ok());
  auto page = state().List(scope_, "job/", std::nullopt, 100, std::nullopt);
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_EQ(page->names, (std::vector<std::string>{"job/1", "job/3"}));
  EXPECT_FALSE(page->has_more);
}

TEST_F(StateStoreTest, CellsInDifferentSpacesAreIndependent) {
  Scope a{"", "alpha"};
  Scope b{"", "beta"};
  ASSERT_TRUE(state().Cas(a, "c", Value(int64_t{1}), CreateOnly()).ok());
  ASSERT_TRUE(state().Cas(b, "c", Value(int64_t{2}), CreateOnly()).ok());
  auto ga = state().Get(a, "c", std::nullopt);
  auto gb = state().Get(b, "c", std::nullopt);
  ASSERT_TRUE(ga.ok() && gb.ok() && ga->has_value() && gb->has_value());
  EXPECT_EQ((*ga)->value, Value(int64_t{1}));
  EXPECT_EQ((*gb)->value, Value(int64_t{2}));
  auto gd = state().Get(scope_, "c", std::nullopt);
  ASSERT_TRUE(gd.ok());
  EXPECT_FALSE(gd->has_value());
}

// ---- concurrency ----

// 8 threads each make 500 successful read-then-CAS increments of one counter.
// Every lost race must be a kConflict, and no increment may be lost.
TEST_F(StateStoreTest, ConcurrentCasIncrementsByValueNeverLoseAnUpdate) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 500;
  ASSERT_TRUE(state().Init(scope_, "counter", Value(int64_t{0})).ok());
  std::atomic<int> other_errors{0};
  std::atomic<int> conflicts{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> versions(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      int done = 0;
      while (done < kPerThread && !stop.load()) {
        auto cur = state().Get(scope_, "counter", std::nullopt);
        if (!cur.ok() || !cur->has_value()) {
          other_errors++;
          stop = true;
          return;
        }
        int64_t n = (*cur)->value.get<int64_t>();
        auto r = state().Cas(scope_, "counter", Value(n + 1), ByValue(Value(n)));
        if (r.ok()) {
          versions[t].push_back(*r);
          ++done;
        } else if (r.status().code() == Code::kConflict) {
          conflicts++;
        } else {
          ADD_FAILURE() << "cas failed with code " << static_cast<int>(r.status().code()) << ": "
                        << r.status().message();
          other_errors++;
          stop = true;
          return;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(other_errors.load(), 0);
  VersionedValue final_value = MustGet("counter");
  EXPECT_TRUE(StrictlyEqual(final_value.value, Value(int64_t{kThreads * kPerThread}))) << final_value.value.dump();
  std::set<uint64_t> all;
  for (const auto& vs : versions) {
    EXPECT_EQ(vs.size(), static_cast<size_t>(kPerThread));
    for (size_t i = 1; i < vs.size(); ++i) EXPECT_LT(vs[i - 1], vs[i]);
    all.insert(vs.begin(), vs.end());
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread)) << "two successful swaps shared a version";
  EXPECT_EQ(HistoryLength("counter"), static_cast<size_t>(kThreads * kPerThread + 1));
  RecordProperty("conflicts", conflicts.load());
}

// The same with expected_version: exactly one of the racers at a version wins.
TEST_F(StateStoreTest, ConcurrentCasIncrementsByVersionNeverLoseAnUpdate) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 100;
  ASSERT_TRUE(state().Init(scope_, "counter", Value(int64_t{0})).ok());
  std::atomic<int> other_errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      int done = 0;
      while (done < kPerThread && other_errors.load() == 0) {
        auto cur = state().Get(scope_, "counter", std::nullopt);
        if (!cur.ok() || !cur->has_value()) {
          other_errors++;
          return;
        }
        int64_t n = (*cur)->value.get<int64_t>();
        auto r = state().Cas(scope_, "counter", Value(n + 1), ByVersion((*cur)->version));
        if (r.ok()) {
          ++done;
        } else if (r.status().code() != Code::kConflict) {
          ADD_FAILURE() << r.status().message();
          other_errors++;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(other_errors.load(), 0);
  EXPECT_TRUE(StrictlyEqual(MustGet("counter").value, Value(int64_t{kThreads * kPerThread})));
}

}  // namespace
}  // namespace strata::storage

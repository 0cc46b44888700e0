// EventLog: 0-based gap-free sequences per (branch, space), the hash chain,
// listing by type through the index, len/get as of a time, validation
// (spec/api.md §6). Real LMDB in a temporary directory.
#include <algorithm>
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
#include "storage/event_hash.h"
#include "tests/storage/engine_test_env.h"

namespace strata::storage {
namespace {

const std::string kZeroHash(kHashBytes, '\0');

class EventLogTest : public testing::EngineTest {
 protected:
  EventLog& events() { return engine_->events(); }

  uint64_t MustAppend(std::string_view type, const Value& payload, const Scope& scope = {}) {
    auto r = events().Append(scope, type, payload);
    EXPECT_TRUE(r.ok()) << "Append(" << type << "): " << r.status().message();
    return r.ok() ? r->sequence : UINT64_MAX;
  }

  Event MustGetEvent(uint64_t sequence, std::optional<int64_t> as_of = std::nullopt) {
    auto e = events().Get(scope_, sequence, as_of);
    EXPECT_TRUE(e.ok()) << e.status().message();
    if (!e.ok() || !e->has_value()) {
      ADD_FAILURE() << "event " << sequence << " is missing";
      return {};
    }
    return **e;
  }

  uint64_t MustLen(std::optional<int64_t> as_of = std::nullopt, const Scope& scope = {}) {
    auto n = events().Len(scope, as_of);
    EXPECT_TRUE(n.ok()) << n.status().message();
    return n.ok() ? *n : UINT64_MAX;
  }

  std::vector<uint64_t> Sequences(const std::optional<std::string>& type, size_t limit = 10000,
                                  std::optional<uint64_t> after = std::nullopt) {
    auto list = events().List(scope_, type, limit, after, std::nullopt);
    EXPECT_TRUE(list.ok()) << list.status().message();
    std::vector<uint64_t> out;
    if (list.ok()) {
      for (const auto& e : *list) out.push_back(e.sequence);
    }
    return out;
  }

  VerifyResult MustVerify(const Scope& scope = {}) {
    auto v = events().Verify(scope);
    EXPECT_TRUE(v.ok()) << v.status().message();
    return v.ok() ? *v : VerifyResult{false, 0, "", std::nullopt, "verify failed"};
  }
};

Value Payload(int64_t n) {
  Value v = Value::object();
  v["n"] = n;
  return v;
}

// ---- empty log ----

TEST_F(EventLogTest, AnEmptyLogHasLengthZeroAndVerifiesWithAZeroHead) {
  EXPECT_EQ(MustLen(), 0u);
  auto got = events().Get(scope_, 0, std::nullopt);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  EXPECT_TRUE(Sequences(std::nullopt).empty());
  VerifyResult v = MustVerify();
  EXPECT_TRUE(v.valid);
  EXPECT_EQ(v.length, 0u);
  EXPECT_EQ(v.head_hash, kZeroHash);
  EXPECT_FALSE(v.first_broken.has_value());
}

TEST_F(EventLogTest, AnUnwrittenSpaceVerifiesAsAnEmptyLog) {
  VerifyResult v = MustVerify(Scope{"", "neverwritten"});
  EXPECT_TRUE(v.valid);
  EXPECT_EQ(v.length, 0u);
  EXPECT_EQ(v.head_hash, kZeroHash);
  EXPECT_EQ(MustLen(std::nullopt, Scope{"", "neverwritten"}), 0u);
}

// ---- sequences and the chain ----

TEST_F(EventLogTest, SequencesAreZeroBasedAndGapFree) {
  for (uint64_t i = 0; i < 20; ++i) {
    auto r = events().Append(scope_, i % 3 == 0 ? "a" : "b", Payload(static_cast<int64_t>(i)));
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->sequence, i);
  }
  EXPECT_EQ(MustLen(), 20u);
  std::vector<uint64_t> expected(20);
  for (uint64_t i = 0; i < 20; ++i) expected[i] = i;
  EXPECT_EQ(Sequences(std::nullopt), expected);
}

TEST_F(EventLogTest, AppendTakesAVersionAndGetReturnsEveryField) {
  uint64_t before = engine_->core().writer().committed_version();
  auto r = events().Append(scope_, "order.created", Payload(42));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->sequence, 0u);
  EXPECT_EQ(r->version, before + 1);
  Event e = MustGetEvent(0);
  EXPECT_EQ(e.sequence, 0u);
  EXPECT_EQ(e.type, "order.created");
  EXPECT_EQ(e.payload, Payload(42));
  EXPECT_GT(e.timestamp, 0);
  EXPECT_EQ(e.version, r->version);
  EXPECT_EQ(e.prev_hash, kZeroHash);
  ASSERT_EQ(e.hash.size(), kHashBytes);
  EXPECT_EQ(e.hash, EventHash(kZeroHash, 0, "order.created", e.timestamp, Payload(42)));
}

TEST_F(EventLogTest, EachEventLinksToThePreviousHash) {
  for (int i = 0; i < 5; ++i) MustAppend("t", Payload(i));
  std::string prev = kZeroHash;
  for (uint64_t s = 0; s < 5; ++s) {
    Event e = MustGetEvent(s);
    EXPECT_EQ(e.prev_hash, prev) << "event " << s;
    EXPECT_EQ(e.hash, EventHash(prev, s, "t", e.timestamp, e.payload)) << "event " << s;
    EXPECT_NE(e.hash, prev);
    prev = e.hash;
  }
  VerifyResult v = MustVerify();
  EXPECT_TRUE(v.valid) << v.reason;
  EXPECT_EQ(v.length, 5u);
  EXPECT_EQ(v.head_hash, prev);
}

TEST_F(EventLogTest, PayloadsOfEveryKindRoundTripAndVerify) {
  Value rich = Value::object();
  rich["null"] = nullptr;
  rich["bool"] = true;
  rich["neg"] = int64_t{-5};
  rich["big"] = std::numeric_limits<int64_t>::max();
  rich["float"] = 0.1;
  rich["float32ish"] = 1.5;
  rich["negzero"] = -0.0;
  rich["str"] = "h\xc3\xa9llo";
  rich["bytes"] = Value::binary({0, 1, 2, 255});
  rich["list"] = Value::array({int64_t{1}, "two", Value::array()});
  rich["zkey_then_akey"] = Value::object();
  rich["zkey_then_akey"]["z"] = int64_t{1};
  rich["zkey_then_akey"]["a"] = int64_t{2};
  MustAppend("rich", rich);
  MustAppend("scalar", Value("just a string"));
  MustAppend("null", Value(nullptr));
  MustAppend("array", Value::array({1.25, false}));
  Event e = MustGetEvent(0);
  EXPECT_EQ(e.payload.dump(), rich.dump()) << "payloads keep their key order";
  VerifyResult v = MustVerify();
  EXPECT_TRUE(v.valid) << v.reason;
  EXPECT_EQ(v.length, 4u);
}

TEST_F(EventLogTest, EachSpaceHasItsOwnSequenceAndChain) {
  Scope a{"", "alpha"};
  Scope b{"", "beta"};
  EXPECT_EQ(MustAppend("t", Payload(1), a), 0u);
  EXPECT_EQ(MustAppend("t", Payload(2), a), 1u);
  EXPECT_EQ(MustAppend("t", Payload(3), b), 0u);
  EXPECT_EQ(MustLen(std::nullopt, a), 2u);
  EXPECT_EQ(MustLen(std::nullopt, b), 1u);
  EXPECT_EQ(MustLen(), 0u);
  EXPECT_TRUE(MustVerify(a).valid);
  EXPECT_TRUE(MustVerify(b).valid);
  auto eb = events().Get(b, 0, std::nullopt);
  ASSERT_TRUE(eb.ok() && eb->has_value());
  EXPECT_EQ((*eb)->payload, Payload(3));
  EXPECT_EQ((*eb)->prev_hash, kZeroHash);
}

TEST_F(EventLogTest, TheLogSurvivesReopenAndContinuesItsSequence) {
  for (int i = 0; i < 3; ++i) MustAppend("t", Payload(i));
  std::string head = MustVerify().head_hash;
  engine_.reset();
  engine_ = testing::OpenOrFail(testing::OptionsFor(dir_.path()));
  ASSERT_NE(engine_, nullptr);
  EXPECT_EQ(MustLen(), 3u);
  EXPECT_EQ(MustAppend("t", Payload(3)), 3u);
  Event e = MustGetEvent(3);
  EXPECT_EQ(e.prev_hash, head);
  VerifyResult v = MustVerify();
  EXPECT_TRUE(v.valid) << v.reason;
  EXPECT_EQ(v.length, 4u);
}

TEST_F(EventLogTest, ConcurrentAppendersGetAGapFreeSequenceAndAValidChain) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 150;
  std::vector<std::vector<uint64_t>> got(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string type = "writer-" + std::to_string(t);
      for (int i = 0; i < kPerThread; ++i) {
        Value p = Value::object();
        p["thread"] = t;
        p["i"] = i;
        auto r = events().Append(scope_, type, p);
        if (!r.ok()) {
          failures++;
          return;
        }
        got[t].push_back(r->sequence);
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);
  std::set<uint64_t> all;
  for (const auto& seqs : got) {
    ASSERT_EQ(seqs.size(), static_cast<size_t>(kPerThread));
    EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end())) << "one thread's appends are ordered";
    all.insert(seqs.begin(), seqs.end());
  }
  constexpr uint64_t kTotal = kThreads * kPerThread;
  ASSERT_EQ(all.size(), kTotal) << "two appends got the same sequence";
  EXPECT_EQ(*all.begin(), 0u);
  EXPECT_EQ(*all.rbegin(), kTotal - 1);
  EXPECT_EQ(MustLen(), kTotal);
  VerifyResult v = MustVerify();
  EXPECT_TRUE(v.valid) << v.reason;
  EXPECT_EQ(v.length, kTotal);
  // Each thread's events are exactly the ones listed under its type.
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(Sequences("writer-" + std::to_string(t)), got[t]);
  }
}

// ---- listing ----

class EventListTest : public EventLogTest {
 protected:
  void SetUp() override {
    EventLogTest::SetUp();
    // 0:a 1:b 2:a 3:ab 4:a 5:b 6:a 7:a.x 8:a 9:b
    const char* types[] = {"a", "b", "a", "ab", "a", "b", "a", "a.x", "a", "b"};
    for (int i = 0; i < 10; ++i) ASSERT_EQ(MustAppend(types[i], Payload(i)), static_cast<uint64_t>(i));
  }
};

TEST_F(EventListTest, ListByTypeReturnsOnlyThatTypeInAscendingOrder) {
  EXPECT_EQ(Sequences("a"), (std::vector<uint64_t>{0, 2, 4, 6, 8}));
  EXPECT_EQ(Sequences("b"), (std::vector<uint64_t>{1, 5, 9}));
  EXPECT_EQ(Sequences("ab"), (std::vector<uint64_t>{3}));
  EXPECT_EQ(Sequences("a.x"), (std::vector<uint64_t>{7}));
  EXPECT_TRUE(Sequences("zzz").empty());
  auto list = events().List(scope_, "b", 100, std::nullopt, std::nullopt);
  ASSERT_TRUE(list.ok());
  for (const Event& e : *list) {
    EXPECT_EQ(e.type, "b");
    EXPECT_EQ(e.payload, Payload(static_cast<int64_t>(e.sequence)));
    EXPECT_EQ(e.hash.size(), kHashBytes);
  }
}

TEST_F(EventListTest, ListByTypeHonoursAfterExclusivelyAndLimit) {
  EXPECT_EQ(Sequences("a", 10000, 2), (std::vector<uint64_t>{4, 6, 8}));
  EXPECT_EQ(Sequences("a", 10000, 3), (std::vector<uint64_t>{4, 6, 8}));
  EXPECT_EQ(Sequences("a", 2, 2), (std::vector<uint64_t>{4, 6}));
  EXPECT_EQ(Sequences("a", 1), (std::vector<uint64_t>{0}));
  EXPECT_TRUE(Sequences("a", 10, 8).empty());
  EXPECT_TRUE(Sequences("a", 10, UINT64_MAX).empty());
}

TEST_F(EventListTest, ListAllReturnsEveryTypeWithAfterAndLimit) {
  EXPECT_EQ(Sequences(std::nullopt).size(), 10u);
  EXPECT_EQ(Sequences(std::nullopt, 3), (std::vector<uint64_t>{0, 1, 2}));
  EXPECT_EQ(Sequences(std::nullopt, 3, 6), (std::vector<uint64_t>{7, 8, 9}));
  EXPECT_EQ(Sequences(std::nullopt, 100, 0).size(), 9u);
  EXPECT_TRUE(Sequences(std::nullopt, 10, 9).empty());
  EXPECT_TRUE(Sequences(std::nullopt, 10, UINT64_MAX).empty());
}

TEST_F(EventListTest, PagingByAfterWalksTheWholeLogOnce) {
  std::vector<uint64_t> seen;
  std::optional<uint64_t> after;
  for (int guard = 0; guard < 20; ++guard) {
    auto page = Sequences(std::nullopt, 3, after);
    if (page.empty()) break;
    seen.insert(seen.end(), page.begin(), page.end());
    after = page.back();
  }
  std::vector<uint64_t> expected(10);
  for (uint64_t i = 0; i < 10; ++i) expected[i] = i;
  EXPECT_EQ(seen, expected);
}

TEST_F(EventListTest, ListRejectsALimitOutOfRangeAndABadType) {
  for (size_t limit : {size_t{0}, size_t{10001}}) {
    auto r = events().List(scope_, std::nullopt, limit, std::nullopt, std::nullopt);
    ASSERT_FALSE(r.ok()) << "limit " << limit;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  }
  auto empty = events().List(scope_, std::string(), 10, std::nullopt, std::nullopt);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), Code::kInvalidArgument);
  auto long_type = events().List(scope_, std::string(257, 'x'), 10, std::nullopt, std::nullopt);
  ASSERT_FALSE(long_type.ok());
  EXPECT_EQ(long_type.status().code(), Code::kInvalidArgument);
}

// ---- as_of ----

TEST_F(EventLogTest, LenGetAndListAsOfSeeOnlyEventsCommittedByThen) {
  std::vector<int64_t> ts;
  for (int i = 0; i < 4; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(3));
    MustAppend(i % 2 == 0 ? "even" : "odd", Payload(i));
    ts.push_back(MustGetEvent(static_cast<uint64_t>(i)).timestamp);
  }
  ASSERT_LT(ts[0], ts[1]);
  ASSERT_LT(ts[1], ts[2]);
  EXPECT_EQ(MustLen(ts[1]), 2u);
  EXPECT_EQ(MustLen(ts[3]), 4u);
  EXPECT_EQ(MustLen(ts[0]), 1u);
  EXPECT_EQ(MustLen(ts[0] - 1), 0u);
  EXPECT_EQ(MustLen(ts[2] - 1), 2u);

  auto seen = events().Get(scope_, 1, ts[1]);
  ASSERT_TRUE(seen.ok());
  EXPECT_TRUE(seen->has_value());
  auto unseen = events().Get(scope_, 2, ts[1]);
  ASSERT_TRUE(unseen.ok());
  EXPECT_FALSE(unseen->has_value());

  auto list = events().List(scope_, std::nullopt, 100, std::nullopt, ts[1]);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 2u);
  auto even = events().List(scope_, "even", 100, std::nullopt, ts[1]);
  ASSERT_TRUE(even.ok());
  ASSERT_EQ(even->size(), 1u);
  EXPECT_EQ((*even)[0].sequence, 0u);

  auto bad = events().Len(scope_, -1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
}

// ---- validation ----

TEST_F(EventLogTest, EventTypeMustBeOneTo256BytesOfUtf8WithoutNul) {
  EXPECT_EQ(MustAppend(std::string(256, 't'), Payload(0)), 0u);
  EXPECT_EQ(MustAppend("x", Payload(1)), 1u);
  EXPECT_EQ(MustAppend("caf\xc3\xa9", Payload(2)), 2u);
  const std::string bad_types[] = {
      std::string(),
      std::string(257, 't'),
      std::string("a\0b", 3),
      std::string("\xff\xfe"),
  };
  for (const std::string& type : bad_types) {
    auto r = events().Append(scope_, type, Payload(9));
    ASSERT_FALSE(r.ok()) << "type of " << type.size() << " bytes";
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << r.status().message();
    EXPECT_NE(r.status().message().find("event_type"), std::string::npos) << r.status().message();
  }
  auto too_long = events().Append(scope_, std::string(257, 't'), Payload(9));
  EXPECT_NE(too_long.status().message().find("256"), std::string::npos) << too_long.status().message();
  // Rejected appends take no sequence.
  EXPECT_EQ(MustLen(), 3u);
  EXPECT_EQ(MustAppend("x", Payload(3)), 3u);
  EXPECT_TRUE(MustVerify().valid);
}

TEST_F(EventLogTest, NonFinitePayloadsAreRejectedAndTakeNoSequence) {
  double nan = std::numeric_limits<double>::quiet_NaN();
  double inf = std::numeric_limits<double>::infinity();
  Value nested = Value::object();
  nested["ok"] = 1.0;
  nested["deep"] = Value::array({int64_t{1}, Value::object()});
  nested["deep"][1]["bad"] = nan;
  uint64_t version_before = engine_->core().writer().committed_version();
  for (const Value& payload : {Value(nan), Value(inf), Value(-inf), Value::array({1.0, inf}), nested}) {
    auto r = events().Append(scope_, "t", payload);
    ASSERT_FALSE(r.ok()) << payload.dump();
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << r.status().message();
    EXPECT_NE(r.status().message().find("NaN"), std::string::npos) << r.status().message();
  }
  EXPECT_EQ(engine_->core().writer().committed_version(), version_before);
  EXPECT_EQ(MustLen(), 0u);
  EXPECT_EQ(MustAppend("t", Value(1.5)), 0u);
}

}  // namespace
}  // namespace strata::storage

// Many threads writing at once: every write is acknowledged with its own
// version, every value is stored, and the writer groups them into batches.
#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "storage/engine.h"
#include "tests/storage/engine_test_env.h"

namespace strata::storage {
namespace {

using testing::OpenOrFail;
using testing::OptionsFor;
using testing::ScratchDir;

TEST(KvConcurrencyTest, ConcurrentPutsAllSucceedWithDistinctVersionsAndAreBatched) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  ScratchDir dir;
  // `always`: each batch is one fsync, which is what makes writers queue up.
  auto engine = OpenOrFail(OptionsFor(dir.path(), Durability::kAlways));
  ASSERT_NE(engine, nullptr);

  std::vector<std::vector<uint64_t>> versions(kThreads);
  std::atomic<int> failures{0};
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();
      for (int i = 0; i < kPerThread; ++i) {
        std::string key = "t" + std::to_string(t) + "/" + std::to_string(i);
        auto v = engine->kv().Put({}, key, Value(t * 1000 + i));
        if (!v.ok()) {
          failures.fetch_add(1);
          continue;
        }
        versions[t].push_back(*v);
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);

  std::set<uint64_t> all;
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(versions[t].size(), static_cast<size_t>(kPerThread));
    EXPECT_TRUE(std::is_sorted(versions[t].begin(), versions[t].end()))
        << "one thread's sequential writes must get increasing versions";
    all.insert(versions[t].begin(), versions[t].end());
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread)) << "versions must all be distinct";
  EXPECT_EQ(*all.begin(), 1u);
  EXPECT_EQ(*all.rbegin(), static_cast<uint64_t>(kThreads * kPerThread)) << "versions must have no gaps";

  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      std::string key = "t" + std::to_string(t) + "/" + std::to_string(i);
      auto got = engine->kv().Get({}, key, std::nullopt);
      ASSERT_TRUE(got.ok()) << got.status().message();
      ASSERT_TRUE(got->has_value()) << key;
      EXPECT_EQ((*got)->value, Value(t * 1000 + i));
      EXPECT_EQ((*got)->version, versions[t][i]);
    }
  }
  auto list = engine->kv().List({}, "t", std::nullopt, 10000, std::nullopt);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->names.size(), static_cast<size_t>(kThreads * kPerThread));
  auto stats = engine->Stats("");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->total_keys, static_cast<uint64_t>(kThreads * kPerThread));

  WriterStats ws = engine->core().writer().stats();
  EXPECT_EQ(ws.requests, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_GT(ws.largest_batch, 1u) << "group commit never batched concurrent writers";
  EXPECT_LT(ws.batches, ws.requests);
}

TEST(KvConcurrencyTest, ConcurrentWritersToOneKeyLeaveACompleteHistory) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  ScratchDir dir;
  auto engine = OpenOrFail(OptionsFor(dir.path(), Durability::kRelaxed));
  ASSERT_NE(engine, nullptr);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!engine->kv().Put({}, "hot", Value(t)).ok()) failures.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);
  auto history = engine->kv().History({}, "hot");
  ASSERT_TRUE(history.ok() && history->has_value());
  ASSERT_EQ((*history)->size(), static_cast<size_t>(kThreads * kPerThread));
  for (size_t i = 1; i < (*history)->size(); ++i) {
    EXPECT_GT((**history)[i - 1].version, (**history)[i].version);
    EXPECT_GE((**history)[i - 1].timestamp, (**history)[i].timestamp);
  }
  auto stats = engine->Stats("");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->total_keys, 1u);
}

TEST(KvConcurrencyTest, ReadersSeeConsistentValuesWhileWritersRun) {
  ScratchDir dir;
  auto engine = OpenOrFail(OptionsFor(dir.path(), Durability::kRelaxed));
  ASSERT_NE(engine, nullptr);
  ASSERT_TRUE(engine->kv().Put({}, "counter", Value(0)).ok());
  std::atomic<bool> done{false};
  std::atomic<int> bad_reads{0};
  std::thread reader([&] {
    int64_t last = -1;
    uint64_t last_version = 0;
    while (!done.load()) {
      auto got = engine->kv().Get({}, "counter", std::nullopt);
      if (!got.ok() || !got->has_value()) {
        bad_reads.fetch_add(1);
        continue;
      }
      int64_t now = (*got)->value.get<int64_t>();
      // Values and versions only move forward for a reader.
      if (now < last || (*got)->version < last_version) bad_reads.fetch_add(1);
      last = now;
      last_version = (*got)->version;
    }
  });
  for (int i = 1; i <= 300; ++i) ASSERT_TRUE(engine->kv().Put({}, "counter", Value(i)).ok());
  done.store(true);
  reader.join();
  EXPECT_EQ(bad_reads.load(), 0);
}

}  // namespace
}  // namespace strata::storage

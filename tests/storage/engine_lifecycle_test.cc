// Engine: reopening, the directory lock, stats, time range, a full map and the
// durability modes.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "storage/engine.h"
#include "storage/writer.h"
#include "tests/storage/engine_test_env.h"

namespace strata::storage {
namespace {

using testing::OpenOrFail;
using testing::OptionsFor;
using testing::ScratchDir;

TEST(EngineLifecycleTest, DataSurvivesClosingAndReopening) {
  ScratchDir dir;
  uint64_t v2 = 0;
  {
    auto engine = OpenOrFail(OptionsFor(dir.path()));
    ASSERT_NE(engine, nullptr);
    ASSERT_TRUE(engine->kv().Put({}, "kept", Value("yes")).ok());
    ASSERT_TRUE(engine->kv().Put({}, "gone", Value(1)).ok());
    ASSERT_TRUE(engine->kv().Delete({}, "gone").ok());
    auto v = engine->kv().Put({"", "other"}, "spaced", Value::array({1, 2}));
    ASSERT_TRUE(v.ok());
    v2 = *v;
  }
  auto engine = OpenOrFail(OptionsFor(dir.path()));
  ASSERT_NE(engine, nullptr);
  auto kept = engine->kv().Get({}, "kept", std::nullopt);
  ASSERT_TRUE(kept.ok() && kept->has_value());
  EXPECT_EQ((*kept)->value, Value("yes"));
  auto gone = engine->kv().Get({}, "gone", std::nullopt);
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
  auto history = engine->kv().History({}, "gone");
  ASSERT_TRUE(history.ok() && history->has_value());
  EXPECT_EQ((*history)->size(), 2u);
  auto spaced = engine->kv().Get({"", "other"}, "spaced", std::nullopt);
  ASSERT_TRUE(spaced.ok() && spaced->has_value());
  EXPECT_EQ((*spaced)->value, Value::array({1, 2}));
  // The version counter continues where it stopped.
  auto next = engine->kv().Put({}, "after-reopen", Value(1));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, v2 + 1);
  auto stats = engine->Stats("");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->total_keys, 3u) << "live key count must persist: kept, spaced, after-reopen";
}

TEST(EngineLifecycleTest, TimestampsKeepIncreasingAfterReopen) {
  ScratchDir dir;
  int64_t first_ts = 0;
  {
    auto engine = OpenOrFail(OptionsFor(dir.path()));
    ASSERT_NE(engine, nullptr);
    ASSERT_TRUE(engine->kv().Put({}, "k", Value(1)).ok());
    auto got = engine->kv().Get({}, "k", std::nullopt);
    ASSERT_TRUE(got.ok() && got->has_value());
    first_ts = (*got)->timestamp;
  }
  auto engine = OpenOrFail(OptionsFor(dir.path()));
  ASSERT_NE(engine, nullptr);
  ASSERT_TRUE(engine->kv().Put({}, "k", Value(2)).ok());
  auto history = engine->kv().History({}, "k");
  ASSERT_TRUE(history.ok() && history->has_value());
  ASSERT_EQ((*history)->size(), 2u);
  EXPECT_GE((**history)[0].timestamp, first_ts);
  auto as_of_first = engine->kv().Get({}, "k", first_ts);
  ASSERT_TRUE(as_of_first.ok() && as_of_first->has_value());
  EXPECT_EQ((*as_of_first)->value, Value(1));
}

TEST(EngineLifecycleTest, SecondOpenOfTheSameDirectoryFailsBecauseItIsLocked) {
  ScratchDir dir;
  auto first = OpenOrFail(OptionsFor(dir.path()));
  ASSERT_NE(first, nullptr);
  auto second = Engine::Open(OptionsFor(dir.path()));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kInternal);
  EXPECT_NE(second.status().message().find("in use"), std::string::npos) << second.status().message();
  EXPECT_NE(second.status().message().find(dir.path()), std::string::npos) << second.status().message();
  // The first engine is unaffected.
  EXPECT_TRUE(first->kv().Put({}, "k", Value(1)).ok());
  first.reset();
  // Once closed, the directory can be opened again.
  auto third = OpenOrFail(OptionsFor(dir.path()));
  ASSERT_NE(third, nullptr);
  auto got = third->kv().Get({}, "k", std::nullopt);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->has_value());
}

TEST(EngineLifecycleTest, OpenOfAPathUnderARegularFileFailsNamingThePath) {
  ScratchDir dir;
  std::string file = dir.path() + "/plain-file";
  std::ofstream(file) << "not a directory";
  std::string bad = file + "/data";
  auto engine = Engine::Open(OptionsFor(bad));
  ASSERT_FALSE(engine.ok());
  EXPECT_EQ(engine.status().code(), Code::kInternal);
  EXPECT_NE(engine.status().message().find(bad), std::string::npos) << engine.status().message();
}

TEST(EngineLifecycleTest, OpenWithoutADataDirectoryIsInvalid) {
  EngineOptions options;
  options.data_dir = "";
  auto engine = Engine::Open(options);
  ASSERT_FALSE(engine.ok());
  EXPECT_EQ(engine.status().code(), Code::kInvalidArgument);
}

TEST(EngineLifecycleTest, StatsCountLiveKeys) {
  ScratchDir dir;
  auto engine = OpenOrFail(OptionsFor(dir.path()));
  ASSERT_NE(engine, nullptr);
  auto empty = engine->Stats("");
  ASSERT_TRUE(empty.ok()) << empty.status().message();
  EXPECT_EQ(empty->total_keys, 0u);
  EXPECT_EQ(empty->branch_count, 1u);
  EXPECT_EQ(empty->space_count, 1u);
  EXPECT_EQ(empty->current_version, 0u);

  for (const char* k : {"a", "b", "c"}) ASSERT_TRUE(engine->kv().Put({}, k, Value(1)).ok());
  ASSERT_TRUE(engine->kv().Put({}, "a", Value(2)).ok());  // an overwrite adds no key
  ASSERT_TRUE(engine->kv().Delete({}, "b").ok());
  ASSERT_TRUE(engine->kv().Delete({}, "missing").ok());  // a no-op delete removes no key
  auto stats = engine->Stats("");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->total_keys, 2u);
  EXPECT_EQ(stats->current_version, 5u);
  EXPECT_GT(stats->disk_bytes, 0u);
  EXPECT_EQ(stats->map_size, 1ull << 30);
  EXPECT_GT(stats->map_used_bytes, 0u);
  EXPECT_LE(stats->map_used_bytes, stats->map_size);

  ASSERT_TRUE(engine->kv().Put({"", "second"}, "x", Value(1)).ok());
  auto with_space = engine->Stats("default");
  ASSERT_TRUE(with_space.ok());
  EXPECT_EQ(with_space->space_count, 2u);
  EXPECT_EQ(with_space->total_keys, 3u) << "keys of every space count";

  auto unknown = engine->Stats("no-such-branch");
  EXPECT_EQ(unknown.status().code(), Code::kNotFound);
}

TEST(EngineLifecycleTest, TimeRangeBracketsTheWrites) {
  ScratchDir dir;
  auto engine = OpenOrFail(OptionsFor(dir.path()));
  ASSERT_NE(engine, nullptr);
  auto empty = engine->GetTimeRange();
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->oldest_ts, 0);
  EXPECT_EQ(empty->latest_ts, 0);

  int64_t before = NowMicros();
  ASSERT_TRUE(engine->kv().Put({}, "first", Value(1)).ok());
  ASSERT_TRUE(engine->kv().Put({}, "second", Value(2)).ok());
  ASSERT_TRUE(engine->kv().Put({}, "last", Value(3)).ok());
  int64_t after = NowMicros();
  auto range = engine->GetTimeRange();
  ASSERT_TRUE(range.ok()) << range.status().message();
  EXPECT_LE(before, range->oldest_ts);
  EXPECT_LE(range->oldest_ts, range->latest_ts);
  EXPECT_LE(range->latest_ts, after);
  auto first = engine->kv().Get({}, "first", std::nullopt);
  auto last = engine->kv().Get({}, "last", std::nullopt);
  ASSERT_TRUE(first.ok() && first->has_value() && last.ok() && last->has_value());
  EXPECT_EQ(range->oldest_ts, (*first)->timestamp);
  EXPECT_EQ(range->latest_ts, (*last)->timestamp);
}

TEST(EngineLifecycleTest, FlushSucceeds) {
  ScratchDir dir;
  auto engine = OpenOrFail(OptionsFor(dir.path(), Durability::kRelaxed));
  ASSERT_NE(engine, nullptr);
  ASSERT_TRUE(engine->kv().Put({}, "k", Value(1)).ok());
  Status st = engine->Flush();
  EXPECT_TRUE(st.ok()) << st.message();
}

TEST(EngineLifecycleTest, TinyMapMakesWritesFailWithResourceExhaustedWhileReadsWork) {
  ScratchDir dir;
  auto engine = OpenOrFail(OptionsFor(dir.path(), Durability::kRelaxed, 1ull << 20));
  ASSERT_NE(engine, nullptr);
  const std::string blob(8000, 'x');
  ASSERT_TRUE(engine->kv().Put({}, "early", Value("survives")).ok());
  Status failure;
  int written = 0;
  for (int i = 0; i < 2000; ++i) {
    auto v = engine->kv().Put({}, "fill" + std::to_string(i), Value(blob));
    if (!v.ok()) {
      failure = v.status();
      break;
    }
    ++written;
  }
  ASSERT_FALSE(failure.ok()) << "2000 x 8 KB never filled a 1 MiB map";
  EXPECT_EQ(failure.code(), Code::kResourceExhausted) << failure.message();
  EXPECT_GT(written, 10);

  // Reads keep working, and see everything acknowledged.
  auto early = engine->kv().Get({}, "early", std::nullopt);
  ASSERT_TRUE(early.ok()) << early.status().message();
  ASSERT_TRUE(early->has_value());
  EXPECT_EQ((*early)->value, Value("survives"));
  auto last = engine->kv().Get({}, "fill" + std::to_string(written - 1), std::nullopt);
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(last->has_value());
  auto failed = engine->kv().Get({}, "fill" + std::to_string(written), std::nullopt);
  ASSERT_TRUE(failed.ok());
  EXPECT_FALSE(failed->has_value()) << "the refused write must not be visible";
  auto list = engine->kv().List({}, "fill", std::nullopt, 10000, std::nullopt);
  ASSERT_TRUE(list.ok()) << list.status().message();
  EXPECT_EQ(list->names.size(), static_cast<size_t>(written));

  // Writes keep failing cleanly (no crash, no corruption) and the engine closes.
  auto again = engine->kv().Put({}, "more", Value(blob));
  EXPECT_EQ(again.status().code(), Code::kResourceExhausted) << again.status().message();
  engine.reset();
  auto reopened = OpenOrFail(OptionsFor(dir.path(), Durability::kRelaxed, 1ull << 20));
  ASSERT_NE(reopened, nullptr);
  auto after = reopened->kv().Get({}, "early", std::nullopt);
  ASSERT_TRUE(after.ok() && after->has_value());
}

TEST(EngineLifecycleTest, RelaxedDurabilityOpensWritesAndReads) {
  ScratchDir dir;
  {
    EngineOptions options = OptionsFor(dir.path(), Durability::kRelaxed);
    options.sync_interval_ms = 5;
    auto engine = OpenOrFail(options);
    ASSERT_NE(engine, nullptr);
    EXPECT_EQ(engine->options().durability, Durability::kRelaxed);
    EXPECT_EQ(DurabilityName(Durability::kRelaxed), "relaxed");
    ASSERT_TRUE(engine->kv().Put({}, "k", Value("relaxed")).ok());
    auto got = engine->kv().Get({}, "k", std::nullopt);
    ASSERT_TRUE(got.ok() && got->has_value());
    EXPECT_EQ((*got)->value, Value("relaxed"));
  }
  // A clean close syncs: the write is there after reopening.
  auto engine = OpenOrFail(OptionsFor(dir.path(), Durability::kAlways));
  ASSERT_NE(engine, nullptr);
  auto got = engine->kv().Get({}, "k", std::nullopt);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->value, Value("relaxed"));
}

TEST(EngineLifecycleTest, EphemeralDurabilityWorksAndLeavesNoDirectoryBehind) {
  EngineOptions options;
  options.durability = Durability::kEphemeral;
  options.map_size = 64ull << 20;
  std::string directory;
  {
    auto engine = OpenOrFail(options);
    ASSERT_NE(engine, nullptr);
    directory = engine->directory();
    ASSERT_FALSE(directory.empty());
    EXPECT_TRUE(std::filesystem::is_directory(directory));
    ASSERT_TRUE(engine->kv().Put({}, "k", Value("ephemeral")).ok());
    auto got = engine->kv().Get({}, "k", std::nullopt);
    ASSERT_TRUE(got.ok() && got->has_value());
    EXPECT_EQ((*got)->value, Value("ephemeral"));
    EXPECT_TRUE(engine->Flush().ok());
    auto stats = engine->Stats("");
    ASSERT_TRUE(stats.ok());
    EXPECT_EQ(stats->total_keys, 1u);
  }
  EXPECT_FALSE(std::filesystem::exists(directory)) << directory << " was left behind";
}

TEST(EngineLifecycleTest, TwoEphemeralEnginesAreIndependent) {
  EngineOptions options;
  options.durability = Durability::kEphemeral;
  options.map_size = 64ull << 20;
  auto a = OpenOrFail(options);
  auto b = OpenOrFail(options);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(a->directory(), b->directory());
  ASSERT_TRUE(a->kv().Put({}, "k", Value(1)).ok());
  auto got = b->kv().Get({}, "k", std::nullopt);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

}  // namespace
}  // namespace strata::storage

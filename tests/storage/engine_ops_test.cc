// Database operations through the engine API (spec/api.md §13): Flush forces
// a sync in every durability mode, and Stats reports what was written.
#include <gtest/gtest.h>

#include "storage/engine.h"
#include "tests/storage/engine_test_env.h"

namespace strata::storage {
namespace {

using testing::OpenOrFail;
using testing::OptionsFor;
using testing::ScratchDir;

Scope On(const std::string& branch, const std::string& space = "") {
  Scope s;
  s.branch = branch;
  s.space = space;
  return s;
}

TEST(EngineOpsTest, FlushMakesEverythingDurableInRelaxedDurability) {
  ScratchDir dir;
  EngineOptions options = OptionsFor(dir.path(), Durability::kRelaxed);
  options.sync_interval_ms = 60000;  // no background sync within the test
  auto engine = OpenOrFail(options);
  ASSERT_NE(engine, nullptr);
  auto version = engine->kv().Put({}, "k", Value(1));
  ASSERT_TRUE(version.ok());
  auto before = engine->Stats("default");
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->current_version, *version);
  EXPECT_LT(before->durable_version, *version);
  ASSERT_TRUE(engine->Flush().ok());
  auto after = engine->Stats("default");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->durable_version, *version);
}

TEST(EngineOpsTest, AlwaysDurabilityReportsEveryCommitDurable) {
  ScratchDir dir;
  auto engine = OpenOrFail(OptionsFor(dir.path()));
  ASSERT_NE(engine, nullptr);
  auto version = engine->kv().Put({}, "k", Value(1));
  ASSERT_TRUE(version.ok());
  auto stats = engine->Stats("default");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->durable_version, *version);
}

TEST(EngineOpsTest, StatsMatchWhatWasWritten) {
  ScratchDir dir;
  auto engine = OpenOrFail(OptionsFor(dir.path()));
  ASSERT_NE(engine, nullptr);
  uint64_t last = 0;
  for (int i = 0; i < 6; ++i) last = *engine->kv().Put({}, "d" + std::to_string(i), Value(i));
  for (int i = 0; i < 4; ++i) last = *engine->kv().Put(On("default", "two"), "t" + std::to_string(i), Value(i));
  ASSERT_TRUE(engine->kv().Delete({}, "d5").ok());
  CollectionConfig config;
  config.dimension = 3;
  ASSERT_TRUE(engine->vectors().CreateCollection({}, "c1", config).ok());
  ASSERT_TRUE(engine->vectors().CreateCollection(On("default", "two"), "c2", config).ok());
  ASSERT_TRUE(engine->branches().Create("other").ok());
  for (int i = 0; i < 3; ++i) last = *engine->kv().Put(On("other"), "o" + std::to_string(i), Value(i));

  auto stats = engine->Stats("default");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->branch_count, 2u);
  EXPECT_EQ(stats->space_count, 2u);
  EXPECT_EQ(stats->total_keys, 5u + 4u);
  EXPECT_EQ(stats->collection_count, 2u);
  EXPECT_EQ(stats->current_version, last);
  EXPECT_GT(stats->map_used_bytes, 0u);
  EXPECT_LE(stats->map_used_bytes, stats->map_size);
  EXPECT_GE(stats->disk_bytes, stats->map_used_bytes) << "the sparse file holds at least the pages in use";

  auto other = engine->Stats("other");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->branch_count, 2u);
  EXPECT_EQ(other->space_count, 1u);
  EXPECT_EQ(other->total_keys, 3u);
  EXPECT_EQ(other->collection_count, 0u);
}

}  // namespace
}  // namespace strata::storage

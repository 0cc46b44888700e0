// The engine's background upkeep (EngineOptions::index_maintenance_interval_ms):
// a steady workload that keeps upserting the same keys must not grow the
// in-memory vector index forever. Every upsert leaves a dead hnswlib label
// behind; before the upkeep existed only an explicit Compact() reclaimed them,
// so a server that never called compact grew by ~300 bytes per upsert (the
// soak's ~3 MiB/min, bench/soak/).
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "tests/storage/engine_test_env.h"
#include "tests/storage/vector_test_util.h"

namespace strata::storage {
namespace {

using testing::OpenOrFail;
using testing::OptionsFor;
using testing::RandomVectors;
using testing::ScratchDir;

constexpr size_t kLive = 200;
constexpr size_t kDim = 8;

Status UpsertRound(Engine& engine, uint32_t seed) {
  auto values = RandomVectors(kLive, kDim, seed);
  for (size_t i = 0; i < kLive; ++i) {
    auto r = engine.vectors().Upsert({}, "c", VectorInput{"v" + std::to_string(i), values[i], std::nullopt});
    if (!r.ok()) return r.status();
  }
  return Status::Ok();
}

// An ephemeral engine with index upkeep every `interval_ms` (0: none) and an
// empty euclidean collection "c".
std::unique_ptr<Engine> OpenWithCollection(const ScratchDir& dir, uint32_t interval_ms) {
  EngineOptions options = OptionsFor(dir.path(), Durability::kEphemeral);
  options.index_maintenance_interval_ms = interval_ms;
  auto engine = OpenOrFail(options);
  if (engine == nullptr) return nullptr;
  CollectionConfig config;
  config.dimension = kDim;
  config.metric = Metric::kEuclidean;
  auto created = engine->vectors().CreateCollection({}, "c", config);
  EXPECT_TRUE(created.ok()) << created.status().message();
  return created.ok() ? std::move(engine) : nullptr;
}

TEST(EngineMaintenanceTest, RepeatedUpsertsOfTheSameKeysKeepTheIndexBounded) {
  ScratchDir dir;
  auto engine = OpenWithCollection(dir, 20);
  ASSERT_NE(engine, nullptr);

  ASSERT_TRUE(UpsertRound(*engine, 1).ok());
  const uint64_t fresh = engine->vectors().counters().index_memory_bytes;
  ASSERT_GT(fresh, 0u);

  // 20x the live set in upserts: without upkeep the graph holds 4000 labels
  // (capacity 4096, ~4x `fresh`).
  for (uint32_t round = 2; round <= 20; ++round) ASSERT_TRUE(UpsertRound(*engine, round).ok());
  std::vector<float> last = RandomVectors(kLive, kDim, 20)[7];

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);  // slow sanitizer builds
  VectorCounters c = engine->vectors().counters();
  while (c.index_memory_bytes > fresh * 3 / 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    c = engine->vectors().counters();
  }
  EXPECT_LE(c.index_memory_bytes, fresh * 3 / 2) << "fresh index " << fresh << " bytes";
  EXPECT_GT(c.compactions, 0u);
  EXPECT_EQ(c.index_vectors, kLive);

  // The rebuilt index still answers with the latest value of every key.
  VectorSearchOptions search;
  search.k = 1;
  auto found = engine->vectors().Search({}, "c", last, search);
  ASSERT_TRUE(found.ok()) << found.status().message();
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].key, "v7");
  EXPECT_NEAR((*found)[0].distance, 0.0, 1e-5);
}

TEST(EngineMaintenanceTest, ZeroIntervalLeavesWornIndexesToCompact) {
  ScratchDir dir;
  auto engine = OpenWithCollection(dir, 0);
  ASSERT_NE(engine, nullptr);
  for (uint32_t round = 1; round <= 3; ++round) ASSERT_TRUE(UpsertRound(*engine, round).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(engine->vectors().counters().compactions, 0u);
  auto compacted = engine->Compact();
  ASSERT_TRUE(compacted.ok()) << compacted.status().message();
  EXPECT_EQ(compacted->indexes_rebuilt, 1u);
  EXPECT_EQ(engine->vectors().counters().index_vectors, kLive);
}

}  // namespace
}  // namespace strata::storage

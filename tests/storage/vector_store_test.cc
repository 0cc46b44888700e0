// VectorStore: collections, upserts, gets, deletes and searches through the
// engine API, on real LMDB and real hnswlib indexes (spec/api.md §8).
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "storage/engine.h"
#include "tests/storage/engine_test_env.h"
#include "tests/storage/vector_test_util.h"

namespace strata::storage {
namespace {

using testing::BruteForce;
using testing::RandomVectors;

class VectorStoreTest : public testing::EngineTest {
 protected:
  VectorStore& vectors() { return engine_->vectors(); }

  void Create(const std::string& name, uint32_t dim, Metric metric = Metric::kCosine, const Scope& scope = {}) {
    CollectionConfig c;
    c.dimension = dim;
    c.metric = metric;
    auto r = vectors().CreateCollection(scope, name, c);
    ASSERT_TRUE(r.ok()) << r.status().message();
  }

  uint64_t MustUpsert(const std::string& coll, const std::string& key, const std::vector<float>& v,
                      std::optional<Value> metadata = std::nullopt, const Scope& scope = {}) {
    auto r = vectors().Upsert(scope, coll, VectorInput{key, v, std::move(metadata)});
    EXPECT_TRUE(r.ok()) << "Upsert(" << key << "): " << r.status().message();
    return r.ok() ? *r : 0;
  }

  void LoadAll(const std::string& coll, const std::vector<std::vector<float>>& vs,
               const std::function<Value(size_t)>& metadata = nullptr) {
    std::vector<VectorInput> batch;
    for (size_t i = 0; i < vs.size(); ++i) {
      batch.push_back(VectorInput{"v" + std::to_string(i), vs[i],
                                  metadata ? std::optional<Value>(metadata(i)) : std::nullopt});
    }
    auto r = vectors().BatchUpsert({}, coll, batch);
    ASSERT_TRUE(r.ok()) << r.status().message();
    ASSERT_EQ(r->size(), vs.size());
  }

  std::vector<VectorMatch> MustSearch(const std::string& coll, const std::vector<float>& q, size_t k,
                                      VectorSearchOptions options = {}, const Scope& scope = {}) {
    options.k = k;
    auto r = vectors().Search(scope, coll, q, options);
    EXPECT_TRUE(r.ok()) << "Search: " << r.status().message();
    return r.ok() ? *r : std::vector<VectorMatch>{};
  }

  static std::vector<std::string> Keys(const std::vector<VectorMatch>& ms) {
    std::vector<std::string> out;
    for (const auto& m : ms) out.push_back(m.key);
    return out;
  }
};

TEST_F(VectorStoreTest, CreateListStatsDelete) {
  Create("docs", 4);
  Create("other", 3, Metric::kEuclidean);
  CollectionConfig c;
  c.dimension = 4;
  auto dup = vectors().CreateCollection({}, "docs", c);
  EXPECT_EQ(dup.status().code(), Code::kAlreadyExists);
  MustUpsert("docs", "a", {1, 0, 0, 0});
  MustUpsert("docs", "b", {0, 1, 0, 0});

  auto list = vectors().ListCollections({});
  ASSERT_TRUE(list.ok()) << list.status().message();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "docs");
  EXPECT_EQ((*list)[0].count, 2u);
  EXPECT_EQ((*list)[0].config.dimension, 4u);
  EXPECT_GT((*list)[0].memory_bytes, 0u);
  EXPECT_EQ((*list)[1].name, "other");
  EXPECT_EQ((*list)[1].config.metric, Metric::kEuclidean);

  auto stats = vectors().CollectionStats({}, "docs");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->count, 2u);
  EXPECT_EQ(stats->config.m, kDefaultM);
  EXPECT_EQ(stats->config.ef_construction, kDefaultEfConstruction);
  EXPECT_EQ(vectors().CollectionStats({}, "nope").status().code(), Code::kNotFound);

  auto info = engine_->Stats("default");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->collection_count, 2u);

  auto del = vectors().DeleteCollection({}, "docs");
  ASSERT_TRUE(del.ok());
  EXPECT_TRUE(del->existed);
  auto again = vectors().DeleteCollection({}, "docs");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->existed);
  EXPECT_EQ(vectors().Get({}, "docs", "a", std::nullopt).status().code(), Code::kNotFound);

  // Created again under the same name: the old vectors do not come back.
  Create("docs", 4);
  auto got = vectors().Get({}, "docs", "a", std::nullopt);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  EXPECT_TRUE(MustSearch("docs", {1, 0, 0, 0}, 5).empty());
}

// Listing reads figures from the indexes in memory and counts the others'
// records: it loads or builds none (it did, ~9 ms each). Stats loads one.
TEST_F(VectorStoreTest, ListingLoadsNoIndexAndCountsTheRecords) {
  Create("a", 3);
  Create("b", 3);
  Create("empty", 3);
  LoadAll("a", RandomVectors(50, 3, 1));
  LoadAll("b", RandomVectors(20, 3, 2));
  ASSERT_TRUE(vectors().Delete({}, "b", "v0").ok());
  engine_.reset();
  engine_ = testing::OpenOrFail(testing::OptionsFor(dir_.path()));
  ASSERT_NE(engine_, nullptr);

  auto list = vectors().ListCollections({});
  ASSERT_TRUE(list.ok()) << list.status().message();
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].count, 50u);
  EXPECT_EQ((*list)[1].count, 19u);
  EXPECT_EQ((*list)[2].count, 0u);
  for (const auto& info : *list) EXPECT_EQ(info.memory_bytes, 0u) << info.name << " is not loaded";
  VectorCounters counters = vectors().counters();
  EXPECT_EQ(counters.index_count, 0u);
  EXPECT_EQ(counters.indexes_loaded + counters.indexes_built, 0u);

  auto stats = vectors().CollectionStats({}, "a");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->count, 50u);
  EXPECT_GT(stats->memory_bytes, 0u);
  list = vectors().ListCollections({});
  ASSERT_TRUE(list.ok());
  EXPECT_EQ((*list)[0].memory_bytes, stats->memory_bytes);  // loaded now: its own figures
  EXPECT_EQ((*list)[0].count, 50u);
  EXPECT_EQ((*list)[1].memory_bytes, 0u);
  EXPECT_EQ(vectors().counters().index_count, 1u);

  // In a transaction the count is the records' with its own writes.
  auto txn = engine_->transactions().Begin("");
  ASSERT_TRUE(txn.ok());
  Scope t{"", "", txn->id};
  MustUpsert("a", "new", {1, 2, 3}, std::nullopt, t);
  ASSERT_TRUE(vectors().Delete(t, "a", "v1").ok());
  MustUpsert("b", "new1", {1, 2, 3}, std::nullopt, t);
  MustUpsert("b", "new2", {1, 2, 3}, std::nullopt, t);
  auto in_txn = vectors().ListCollections(t);
  ASSERT_TRUE(in_txn.ok()) << in_txn.status().message();
  EXPECT_EQ((*in_txn)[0].count, 50u);
  EXPECT_EQ((*in_txn)[1].count, 21u);
  EXPECT_EQ((*in_txn)[0].memory_bytes, stats->memory_bytes) << "a loaded index shows its memory in a transaction too";
  // Stats inside agree with the listing (they left the own writes out).
  auto stats_in_txn = vectors().CollectionStats(t, "b");
  ASSERT_TRUE(stats_in_txn.ok()) << stats_in_txn.status().message();
  EXPECT_EQ(stats_in_txn->count, 21u);
  ASSERT_TRUE(engine_->transactions().Rollback(txn->id).ok());
}

// A small collection's index is small: hnswlib kept 65536 update locks
// (2.6 MB) in every index, so 1,000 one-vector collections took 2.6 GB.
TEST_F(VectorStoreTest, ASmallCollectionsIndexTakesLittleMemory) {
  Create("tiny", 8);
  MustUpsert("tiny", "a", {1, 2, 3, 4, 5, 6, 7, 8});
  auto stats = vectors().CollectionStats({}, "tiny");
  ASSERT_TRUE(stats.ok());
  EXPECT_GT(stats->memory_bytes, 0u);
  EXPECT_LT(stats->memory_bytes, 1u << 20);
}

TEST_F(VectorStoreTest, RejectsBadCollectionsAndInputs) {
  CollectionConfig c;
  c.dimension = 0;
  EXPECT_EQ(vectors().CreateCollection({}, "x", c).status().code(), Code::kInvalidArgument);
  c.dimension = 65537;
  EXPECT_EQ(vectors().CreateCollection({}, "x", c).status().code(), Code::kInvalidArgument);
  c.dimension = 3;
  for (const std::string& bad : std::vector<std::string>{"", "_x", "a/b", std::string(257, 'a'), std::string("a\0b", 3)}) {
    EXPECT_EQ(vectors().CreateCollection({}, bad, c).status().code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(vectors().CreateCollection({}, std::string(256, 'a'), c).ok());
  Create("c", 3);
  EXPECT_EQ(vectors().Upsert({}, "c", {"k", {1, 2}, std::nullopt}).status().code(), Code::kConstraint);
  EXPECT_EQ(vectors().Upsert({}, "missing", {"k", {1, 2, 3}, std::nullopt}).status().code(), Code::kNotFound);
  float nan = std::numeric_limits<float>::quiet_NaN();
  float inf = std::numeric_limits<float>::infinity();
  auto r = vectors().Upsert({}, "c", {"k", {1, nan, 3}, std::nullopt});
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("NaN"), std::string::npos) << r.status().message();
  EXPECT_EQ(vectors().Upsert({}, "c", {"k", {inf, 1, 3}, std::nullopt}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(vectors().Upsert({}, "c", {"k", {1, 2, 3}, Value(5)}).status().code(), Code::kInvalidArgument);
  // NaN and infinity in metadata (spec §2) were stored when a client other
  // than the Python one sent them.
  for (double bad : {std::numeric_limits<double>::quiet_NaN(), -std::numeric_limits<double>::infinity()}) {
    Value meta = Value::object({{"score", bad}});
    meta["nested"] = Value::array({1.0, bad});
    auto refused = vectors().Upsert({}, "c", {"k", {1, 2, 3}, meta});
    EXPECT_EQ(refused.status().code(), Code::kInvalidArgument);
    EXPECT_NE(refused.status().message().find("vector metadata must not contain NaN"), std::string::npos)
        << refused.status().message();
    auto batch = vectors().BatchUpsert({}, "c", {{"ok", {1, 2, 3}, std::nullopt}, {"k", {1, 2, 3}, meta}});
    EXPECT_EQ(batch.status().code(), Code::kInvalidArgument);
    EXPECT_NE(batch.status().message().find("entry 1"), std::string::npos) << batch.status().message();
  }
  EXPECT_EQ(vectors().Upsert({}, "c", {"k", {0, 0, 0}, std::nullopt}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(vectors().Upsert({}, "c", {"", {1, 2, 3}, std::nullopt}).status().code(), Code::kInvalidArgument);
  VectorSearchOptions o;
  o.k = 0;
  EXPECT_EQ(vectors().Search({}, "c", {1, 2, 3}, o).status().code(), Code::kInvalidArgument);
  o.k = 10001;
  EXPECT_EQ(vectors().Search({}, "c", {1, 2, 3}, o).status().code(), Code::kInvalidArgument);
  o.k = 3;
  EXPECT_EQ(vectors().Search({}, "c", {1, 2}, o).status().code(), Code::kConstraint);
  EXPECT_EQ(vectors().Search({}, "c", {1, nan, 2}, o).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(vectors().Search({}, "nope", {1, 2, 3}, o).status().code(), Code::kNotFound);
}

TEST_F(VectorStoreTest, UpsertGetDeleteKeepVersionsAndMetadata) {
  Create("c", 3, Metric::kEuclidean);
  uint64_t v1 = MustUpsert("c", "k", {1, 2, 3}, Value{{"tag", "a"}, {"n", 1}});
  auto got = vectors().Get({}, "c", "k", std::nullopt);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->values, (std::vector<float>{1, 2, 3}));
  EXPECT_EQ((*got)->metadata["tag"], "a");
  EXPECT_EQ((*got)->version, v1);
  int64_t between = (*got)->timestamp;

  // Metadata replaces the old one; no metadata means none.
  uint64_t v2 = MustUpsert("c", "k", {4, 5, 6});
  EXPECT_GT(v2, v1);
  got = vectors().Get({}, "c", "k", std::nullopt);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_TRUE((*got)->metadata.is_null());
  EXPECT_EQ((*got)->values, (std::vector<float>{4, 5, 6}));
  auto old = vectors().Get({}, "c", "k", between);
  ASSERT_TRUE(old.ok() && old->has_value());
  EXPECT_EQ((*old)->values, (std::vector<float>{1, 2, 3}));

  auto del = vectors().Delete({}, "c", "k");
  ASSERT_TRUE(del.ok());
  EXPECT_TRUE(del->existed);
  EXPECT_FALSE(vectors().Delete({}, "c", "k")->existed);
  EXPECT_FALSE(vectors().Get({}, "c", "k", std::nullopt)->has_value());
  EXPECT_TRUE(MustSearch("c", {1, 2, 3}, 3).empty());
}

TEST_F(VectorStoreTest, SearchEqualsBruteForceForEveryMetric) {
  auto data = RandomVectors(300, 16, 7);
  auto queries = RandomVectors(20, 16, 8);
  for (Metric metric : {Metric::kCosine, Metric::kEuclidean, Metric::kDotProduct}) {
    std::string name(MetricName(metric));
    Create(name, 16, metric);
    LoadAll(name, data);
    for (const auto& q : queries) {
      VectorSearchOptions o;
      o.ef = 400;  // wider than the collection: the graph search is exact
      auto got = MustSearch(name, q, 10, o);
      auto want = BruteForce(data, q, metric, 10);
      ASSERT_EQ(got.size(), want.size()) << name;
      for (size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(got[i].key, want[i].key) << name << " rank " << i;
        EXPECT_NEAR(got[i].distance, want[i].distance, 1e-4) << name;
        EXPECT_NEAR(got[i].score, ScoreFromDistance(metric, want[i].distance), 1e-4) << name;
      }
      for (size_t i = 1; i < got.size(); ++i) EXPECT_GE(got[i - 1].score, got[i].score) << name;
    }
  }
}

// The graph walks on int8 copies of the vectors (quantized_codes.h) and
// re-ranks its candidates on the float32 ones: at the default ef on a
// collection far larger than ef, recall stays that of a float32 walk, and
// every distance returned is the exact one, also where the norms of the
// vectors differ by six orders of magnitude. (Euclidean recall is not checked
// on those: HNSW itself, float32 walk included, finds only ~2/3 there.)
TEST_F(VectorStoreTest, QuantizedWalkKeepsRecallAndReturnsExactDistances) {
  const size_t n = 4000, dim = 24, k = 10;
  auto plain = RandomVectors(n, dim, 31);
  auto scaled = plain;
  for (size_t i = 0; i < n; ++i) {
    float scale = std::pow(10.0f, static_cast<float>(i % 7) - 3);  // 1e-3 .. 1e3
    for (auto& x : scaled[i]) x *= scale;
  }
  auto queries = RandomVectors(40, dim, 32);
  for (bool mixed_norms : {false, true}) {
    const auto& data = mixed_norms ? scaled : plain;
    for (Metric metric : {Metric::kCosine, Metric::kEuclidean, Metric::kDotProduct}) {
      std::string name = std::string(MetricName(metric)) + (mixed_norms ? "-scaled" : "");
      Create(name, dim, metric);
      LoadAll(name, data);
      size_t found = 0;
      for (const auto& q : queries) {
        auto got = MustSearch(name, q, k);  // default ef
        auto want = BruteForce(data, q, metric, k);
        ASSERT_EQ(got.size(), k) << name;
        std::set<std::string> truth;
        for (const auto& w : want) truth.insert(w.key);
        for (const auto& m : got) {
          found += truth.count(m.key);
          size_t i = std::stoul(m.key.substr(1));
          double exact = Distance(metric, q.data(), data[i].data(), dim);
          EXPECT_NEAR(m.distance, exact, 1e-5 * (1 + std::fabs(exact))) << name << " " << m.key;
        }
        for (size_t i = 1; i < got.size(); ++i) EXPECT_GE(got[i - 1].score, got[i].score) << name;
      }
      double recall = static_cast<double>(found) / (queries.size() * k);
      if (!mixed_norms || metric != Metric::kEuclidean) {
        EXPECT_GE(recall, 0.97) << name;
      }
    }
  }
  // With deleted elements the walk passes through them without keeping them
  // (its other path): still exact distances, no deleted key, the same recall.
  std::vector<std::vector<float>> kept;
  std::vector<size_t> kept_index;
  for (size_t i = 0; i < n; ++i) {
    if (i % 3 == 0) {
      ASSERT_TRUE(vectors().Delete({}, "cosine", "v" + std::to_string(i)).ok());
    } else {
      kept.push_back(plain[i]);
      kept_index.push_back(i);
    }
  }
  size_t found = 0;
  for (const auto& q : queries) {
    auto got = MustSearch("cosine", q, k);
    ASSERT_EQ(got.size(), k);
    std::set<std::string> truth;
    for (const auto& w : BruteForce(kept, q, Metric::kCosine, k)) {
      truth.insert("v" + std::to_string(kept_index[std::stoul(w.key.substr(1))]));
    }
    for (const auto& m : got) {
      size_t i = std::stoul(m.key.substr(1));
      EXPECT_NE(i % 3, 0u) << m.key << " was deleted";
      found += truth.count(m.key);
      EXPECT_NEAR(m.distance, Distance(Metric::kCosine, q.data(), plain[i].data(), dim), 1e-5) << m.key;
    }
  }
  EXPECT_GE(static_cast<double>(found) / (queries.size() * k), 0.97);
}

// The re-ranking reads a candidate's float32 vector only when its walk
// distance, less the quantization's error bound, can still beat the k-th
// exact one. Here the vectors lie on an arc of a circle, 1e-4 radians apart
// (one norm, so every metric orders them alike and the graph links them as
// neighbours): dozens of them share their int8 codes, so the walk's distances
// cannot order them, while their exact distances to the query (off the arc's
// end) differ by ~1e-4 of the norm, far above float rounding. A bound too
// tight would drop true neighbours; the answer must be the exact one, rank by
// rank, at two magnitudes.
TEST_F(VectorStoreTest, SkippingCandidatesNeverChangesTheAnswer) {
  const size_t dim = 32, n = 600;
  auto basis = RandomVectors(2, dim, 41);
  auto unit = [](std::vector<float> v) {
    double norm = 0;
    for (float x : v) norm += static_cast<double>(x) * x;
    for (auto& x : v) x = static_cast<float>(x / std::sqrt(norm));
    return v;
  };
  std::vector<float> c = unit(basis[0]), u = basis[1];
  double along = 0;
  for (size_t j = 0; j < dim; ++j) along += static_cast<double>(u[j]) * c[j];
  for (size_t j = 0; j < dim; ++j) u[j] -= static_cast<float>(along * c[j]);
  u = unit(u);
  // Keys in shuffled order, so their order says nothing of the distances.
  std::vector<size_t> position(n);
  for (size_t i = 0; i < n; ++i) position[i] = i;
  std::shuffle(position.begin(), position.end(), std::mt19937(44));
  for (float magnitude : {1.0f, 1000.0f}) {
    std::vector<std::vector<float>> data(n, std::vector<float>(dim));
    for (size_t i = 0; i < n; ++i) {
      double angle = 1e-4 * static_cast<double>(position[i]);
      for (size_t j = 0; j < dim; ++j) {
        data[i][j] = static_cast<float>(magnitude * (std::cos(angle) * c[j] + std::sin(angle) * u[j]));
      }
    }
    std::vector<float> q(dim);
    for (size_t j = 0; j < dim; ++j) q[j] = magnitude * (c[j] - u[j]);
    for (Metric metric : {Metric::kCosine, Metric::kEuclidean, Metric::kDotProduct}) {
      std::string name = std::string(MetricName(metric)) + "-" + std::to_string(static_cast<int>(magnitude));
      Create(name, dim, metric);
      LoadAll(name, data);
      for (size_t k : {1, 10, 40, 150}) {
        VectorSearchOptions o;
        o.ef = 1000;  // the walk reaches every vector: only the re-ranking can err
        auto got = MustSearch(name, q, k, o);
        auto want = BruteForce(data, q, metric, k);
        ASSERT_EQ(got.size(), want.size()) << name;
        for (size_t i = 0; i < want.size(); ++i) {
          ASSERT_EQ(got[i].key, want[i].key) << name << " k " << k << " rank " << i;
        }
      }
    }
  }
}

// Near-duplicates under dot product: hnswlib's graph leaves some of them
// unreachable (no edge leads to them), and a search returned fewer than k
// (33-82 of 100, with ef at the collection's size). It must return
// min(k, count), the exact answer when the walk cannot reach them.
TEST_F(VectorStoreTest, ASearchReturnsKEvenWhereTheGraphLeavesVectorsUnreached) {
  const size_t n = 600, dim = 64;
  auto base = RandomVectors(1, dim, 51)[0];
  auto noise = RandomVectors(n, dim, 52);
  std::vector<std::vector<float>> data(n, std::vector<float>(dim));
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < dim; ++j) data[i][j] = base[j] + 1e-4f * noise[i][j];
  }
  Create("dup", dim, Metric::kDotProduct);
  LoadAll("dup", data);
  for (const auto& q : RandomVectors(5, dim, 53)) {
    for (size_t k : {100, 600}) {
      VectorSearchOptions o;
      o.ef = 600;
      auto got = MustSearch("dup", q, k, o);
      ASSERT_EQ(got.size(), k);
      auto want = BruteForce(data, q, Metric::kDotProduct, k);
      // Near-duplicates tie within float rounding: compare distances, not keys.
      for (size_t i = 0; i < k; ++i) EXPECT_NEAR(got[i].distance, want[i].distance, 1e-4) << "rank " << i;
    }
  }
}

// Near-duplicates (one vector plus noise of 1e-3): their int8 copies are all
// alike, so the int8 walk could not tell them apart and recall@10 fell to
// 0.015 (euclidean) where hnswlib's float walk finds them all. The walk now
// sees that it was blind (its farthest candidate could still be among the k)
// and walks again on the float32 vectors.
TEST_F(VectorStoreTest, NearDuplicatesKeepTheirRecall) {
  const size_t n = 2000, dim = 32, k = 10;
  auto base = RandomVectors(1, dim, 61)[0];
  auto noise = RandomVectors(n, dim, 62);
  auto query_noise = RandomVectors(20, dim, 63);
  for (Metric metric : {Metric::kCosine, Metric::kEuclidean, Metric::kDotProduct}) {
    // Cosine distances of vectors 1e-3 apart are ~5e-7 from 1.0, below what
    // float32 (and so any float32 index) can order: 1e-2 there.
    const float spread = metric == Metric::kCosine ? 1e-2f : 1e-3f;
    std::vector<std::vector<float>> data(n, std::vector<float>(dim));
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < dim; ++j) data[i][j] = base[j] + spread * noise[i][j];
    }
    auto queries = query_noise;
    for (auto& q : queries) {
      for (size_t j = 0; j < dim; ++j) q[j] = base[j] + spread * q[j];
    }
    std::string name(MetricName(metric));
    Create(name, dim, metric);
    LoadAll(name, data);
    size_t found = 0;
    for (const auto& q : queries) {
      auto got = MustSearch(name, q, k);  // default ef
      ASSERT_EQ(got.size(), k) << name;
      std::set<std::string> truth;
      for (const auto& w : BruteForce(data, q, metric, k)) truth.insert(w.key);
      for (const auto& m : got) found += truth.count(m.key);
    }
    EXPECT_GE(static_cast<double>(found) / (queries.size() * k), 0.9) << name;
  }
}

TEST_F(VectorStoreTest, MetricOverrideIsExact) {
  auto data = RandomVectors(200, 8, 11);
  Create("c", 8, Metric::kCosine);
  LoadAll("c", data);
  auto q = RandomVectors(1, 8, 12)[0];
  for (Metric metric : {Metric::kEuclidean, Metric::kDotProduct}) {
    VectorSearchOptions o;
    o.metric = metric;
    auto got = MustSearch("c", q, 7, o);
    auto want = BruteForce(data, q, metric, 7);
    ASSERT_EQ(got.size(), 7u);
    for (size_t i = 0; i < 7; ++i) {
      EXPECT_EQ(got[i].key, want[i].key);
      EXPECT_NEAR(got[i].distance, want[i].distance, 1e-5);
    }
  }
}

TEST_F(VectorStoreTest, FiltersOfEveryOpOnNestedMetadata) {
  Create("c", 2, Metric::kEuclidean);
  MustUpsert("c", "a", {0, 0}, Value::parse(R"({"n": 1, "s": "apple pie", "tags": ["x", "y"], "d": {"e": {"f": 1.5}}})"));
  MustUpsert("c", "b", {1, 0}, Value::parse(R"({"n": 2, "s": "banana", "tags": ["y"], "d": {"e": {"f": 2}}})"));
  MustUpsert("c", "c", {2, 0}, Value::parse(R"({"n": 3.0, "s": "cherry", "tags": [], "d": {"e": {}}})"));
  MustUpsert("c", "d", {3, 0});
  auto run = [&](const std::string& field, const std::string& op, Value value) {
    auto f = ParseFilter(field, op, std::move(value), 0);
    EXPECT_TRUE(f.ok()) << f.status().message();
    VectorSearchOptions o;
    o.filters = {*f};
    auto got = MustSearch("c", {0, 0}, 10, o);
    std::vector<std::string> keys = Keys(got);
    std::sort(keys.begin(), keys.end());
    return keys;
  };
  using K = std::vector<std::string>;
  EXPECT_EQ(run("n", "eq", 3), (K{"c"}));  // 3 == 3.0
  EXPECT_EQ(run("n", "ne", 1), (K{"b", "c", "d"}));  // a missing field is "not equal"
  EXPECT_EQ(run("n", "gt", 1), (K{"b", "c"}));
  EXPECT_EQ(run("n", "gte", 2), (K{"b", "c"}));
  EXPECT_EQ(run("n", "lt", 2.5), (K{"a", "b"}));
  EXPECT_EQ(run("n", "lte", 1), (K{"a"}));
  EXPECT_EQ(run("s", "gt", "b"), (K{"b", "c"}));
  EXPECT_EQ(run("s", "in", Value::array({"banana", "cherry", 7})), (K{"b", "c"}));
  EXPECT_EQ(run("s", "contains", "an"), (K{"b"}));
  EXPECT_EQ(run("tags", "contains", "y"), (K{"a", "b"}));
  EXPECT_EQ(run("d.e.f", "eq", 2), (K{"b"}));
  EXPECT_EQ(run("d.e.f", "gte", 1.5), (K{"a", "b"}));
  EXPECT_EQ(run("d.e.g", "eq", 1), (K{}));
  EXPECT_EQ(run("s", "gt", 1), (K{}));  // strings and numbers do not order

  // Two conditions: both must hold.
  VectorSearchOptions o;
  o.filters = {*ParseFilter("n", "gte", 2, 0), *ParseFilter("tags", "contains", "y", 1)};
  EXPECT_EQ(Keys(MustSearch("c", {0, 0}, 10, o)), (K{"b"}));

  EXPECT_EQ(ParseFilter("", "eq", 1, 0).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseFilter("a..b", "eq", 1, 0).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseFilter("a", "like", 1, 0).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseFilter("a", "in", 1, 0).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseFilter("a", "gt", Value::array({1}), 0).status().code(), Code::kInvalidArgument);
}

TEST_F(VectorStoreTest, SelectiveFilterReturnsExactlyItsMatches) {
  const size_t n = 10000;
  auto data = RandomVectors(n, 8, 21);
  Create("c", 8);
  std::set<size_t> special = {17, 4242, 9999};
  LoadAll("c", data, [&](size_t i) {
    return Value{{"group", special.count(i) ? "rare" : "common"}, {"i", i}};
  });
  VectorSearchOptions o;
  o.filters = {*ParseFilter("group", "eq", "rare", 0)};
  auto got = MustSearch("c", data[0], 10, o);
  std::vector<std::string> keys = Keys(got);
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"v17", "v4242", "v9999"}));
  // A filter matching about half: k results, every one matching, in order.
  o.filters = {*ParseFilter("i", "lt", 5000, 0)};
  auto half = MustSearch("c", data[1], 50, o);
  ASSERT_EQ(half.size(), 50u);
  for (const auto& m : half) EXPECT_LT(m.metadata["i"].get<int>(), 5000);
  for (size_t i = 1; i < half.size(); ++i) EXPECT_GE(half[i - 1].score, half[i].score);
}

TEST_F(VectorStoreTest, BatchUpsertIsAllOrNothing) {
  Create("c", 3);
  std::vector<VectorInput> batch;
  for (int i = 0; i < 10; ++i) batch.push_back({"k" + std::to_string(i), {1, float(i), 1}, std::nullopt});
  batch[5].values = {1, 2};  // wrong dimension
  auto r = vectors().BatchUpsert({}, "c", batch);
  EXPECT_EQ(r.status().code(), Code::kConstraint);
  EXPECT_NE(r.status().message().find("entry 5"), std::string::npos) << r.status().message();
  EXPECT_EQ(vectors().CollectionStats({}, "c")->count, 0u);
  EXPECT_FALSE(vectors().Get({}, "c", "k0", std::nullopt)->has_value());
  batch[5].values = {1, 2, 3};
  auto ok = vectors().BatchUpsert({}, "c", batch);
  ASSERT_TRUE(ok.ok());
  ASSERT_EQ(ok->size(), 10u);
  for (size_t i = 1; i < ok->size(); ++i) EXPECT_GT((*ok)[i], (*ok)[i - 1]);
  EXPECT_EQ(vectors().CollectionStats({}, "c")->count, 10u);
}

TEST_F(VectorStoreTest, AsOfSearchSeesThePast) {
  Create("c", 2, Metric::kEuclidean);
  MustUpsert("c", "a", {0, 0});
  MustUpsert("c", "b", {10, 10});
  auto before = vectors().Get({}, "c", "b", std::nullopt);
  int64_t t = (*before)->timestamp;
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  MustUpsert("c", "b", {0.5, 0});  // b moves next to the query
  ASSERT_TRUE(vectors().Delete({}, "c", "a").ok());
  EXPECT_EQ(Keys(MustSearch("c", {0, 0}, 2)), (std::vector<std::string>{"b"}));
  VectorSearchOptions o;
  o.as_of = t;
  auto past = MustSearch("c", {0, 0}, 2, o);
  EXPECT_EQ(Keys(past), (std::vector<std::string>{"a", "b"}));
  EXPECT_NEAR(past[1].distance, std::sqrt(200.0), 1e-4);
}

// include_metadata = false: the same matches with null metadata, on every
// path (HNSW, HNSW with a filter, exact filtered, metric override, as_of,
// batch); filters still see the metadata. With it true, each match carries
// its own vector's metadata.
TEST_F(VectorStoreTest, SearchWithoutMetadataOnEveryPath) {
  constexpr size_t kN = 5000;  // above the always-exact size, so a broad filter takes HNSW
  Create("c", 8, Metric::kCosine);
  auto vs = RandomVectors(kN, 8, 11);
  LoadAll("c", vs, [](size_t i) {
    return Value{{"i", static_cast<int64_t>(i)}, {"half", static_cast<int64_t>(i % 2)}, {"rare", i % 1000 == 0}};
  });
  auto t = vectors().Get({}, "c", "v0", std::nullopt);
  ASSERT_TRUE(t.ok() && t->has_value());
  int64_t as_of = (*t)->timestamp;

  auto check = [&](const std::string& what, VectorSearchOptions o, size_t want) -> std::vector<VectorMatch> {
    SCOPED_TRACE(what);
    o.include_metadata = true;
    auto with = MustSearch("c", vs[3], 10, o);
    o.include_metadata = false;
    auto without = MustSearch("c", vs[3], 10, o);
    EXPECT_EQ(with.size(), want);
    EXPECT_EQ(Keys(with), Keys(without));
    for (size_t i = 0; i < with.size() && i < without.size(); ++i) {
      EXPECT_DOUBLE_EQ(with[i].distance, without[i].distance);
      EXPECT_TRUE(without[i].metadata.is_null()) << without[i].key;
      EXPECT_TRUE(with[i].metadata.is_object()) << with[i].key;
      if (!with[i].metadata.is_object()) continue;
      EXPECT_EQ("v" + std::to_string(with[i].metadata["i"].get<int64_t>()), with[i].key);
    }
    return without;
  };
  check("hnsw", {}, 10);
  VectorSearchOptions half;
  half.filters = {*ParseFilter("half", "eq", Value(1), 0)};
  for (const auto& m : check("hnsw filtered", half, 10)) EXPECT_EQ(std::stoi(m.key.substr(1)) % 2, 1) << m.key;
  VectorSearchOptions rare;
  rare.filters = {*ParseFilter("rare", "eq", Value(true), 0)};
  auto r = check("exact filtered", rare, kN / 1000);
  EXPECT_EQ(r.size(), kN / 1000);
  VectorSearchOptions other;
  other.metric = Metric::kEuclidean;
  check("metric override", other, 10);
  VectorSearchOptions past;
  past.as_of = as_of;
  past.filters = half.filters;
  check("as_of filtered", past, 10);

  VectorSearchOptions batch;
  batch.k = 5;
  batch.include_metadata = false;
  auto b = vectors().BatchSearch({}, "c", {vs[1], vs[2]}, batch);
  ASSERT_TRUE(b.ok()) << b.status().message();
  ASSERT_EQ(b->size(), 2u);
  for (const auto& res : *b) {
    ASSERT_EQ(res.size(), 5u);
    for (const auto& m : res) EXPECT_TRUE(m.metadata.is_null());
  }
  EXPECT_EQ(Keys((*b)[0]), Keys(MustSearch("c", vs[1], 5)));
}

TEST_F(VectorStoreTest, ForkSeesParentVectorsAndWritesStayIsolated) {
  Create("c", 2, Metric::kEuclidean);
  MustUpsert("c", "a", {0, 0});
  MustUpsert("c", "b", {1, 0});
  ASSERT_TRUE(engine_->branches().Fork("default", "child").ok());
  Scope child{"child", ""};
  EXPECT_EQ(Keys(MustSearch("c", {0, 0}, 5, {}, child)), (std::vector<std::string>{"a", "b"}));
  MustUpsert("c", "c", {0.1f, 0}, std::nullopt, child);
  ASSERT_TRUE(vectors().Delete(child, "c", "a").ok());
  MustUpsert("c", "p", {0.2f, 0});
  EXPECT_EQ(Keys(MustSearch("c", {0, 0}, 5, {}, child)), (std::vector<std::string>{"c", "b"}));
  EXPECT_EQ(Keys(MustSearch("c", {0, 0}, 5)), (std::vector<std::string>{"a", "p", "b"}));
  EXPECT_EQ(vectors().CollectionStats(child, "c")->count, 2u);
  EXPECT_EQ(vectors().CollectionStats({}, "c")->count, 3u);
}

TEST_F(VectorStoreTest, ConcurrentSearchesDuringUpsertsSeeWholeResults) {
  const size_t dim = 8;
  auto data = RandomVectors(1500, dim, 31);
  Create("c", dim);
  LoadAll("c", std::vector<std::vector<float>>(data.begin(), data.begin() + 500));
  std::atomic<bool> done{false};
  std::atomic<int> errors{0}, searches{0};
  auto searcher = [&](uint32_t seed) {
    auto qs = RandomVectors(50, dim, seed);
    for (size_t i = 0; !done.load() || i < 5; ++i) {
      VectorSearchOptions o;
      o.k = 10;
      auto r = vectors().Search({}, "c", qs[i % qs.size()], o);
      if (!r.ok() || r->size() != 10) {
        ++errors;
        continue;
      }
      std::set<std::string> keys;
      for (size_t j = 0; j < r->size(); ++j) {
        keys.insert((*r)[j].key);
        if ((*r)[j].key.empty() || (j > 0 && (*r)[j - 1].score < (*r)[j].score)) ++errors;
      }
      if (keys.size() != r->size()) ++errors;
      ++searches;
    }
  };
  std::thread s1(searcher, 1), s2(searcher, 2);
  for (size_t i = 500; i < data.size(); ++i) MustUpsert("c", "v" + std::to_string(i % 700), data[i]);
  done = true;
  s1.join();
  s2.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_GT(searches.load(), 0);
  EXPECT_EQ(vectors().CollectionStats({}, "c")->count, 700u);
}

TEST_F(VectorStoreTest, CompactRebuildsWornIndexes) {
  auto data = RandomVectors(400, 8, 41);
  Create("c", 8, Metric::kEuclidean);
  LoadAll("c", data);
  auto moved = RandomVectors(400, 8, 42);
  for (size_t i = 0; i < 200; ++i) data[i] = moved[i];
  std::vector<VectorInput> batch;
  for (size_t i = 0; i < 200; ++i) batch.push_back({"v" + std::to_string(i), data[i], std::nullopt});
  ASSERT_TRUE(vectors().BatchUpsert({}, "c", batch).ok());
  auto rebuilt = vectors().CompactIndexes(0.2);
  ASSERT_TRUE(rebuilt.ok());
  EXPECT_EQ(*rebuilt, 1u);
  EXPECT_EQ(*vectors().CompactIndexes(0.2), 0u);
  auto q = RandomVectors(1, 8, 43)[0];
  VectorSearchOptions o;
  o.ef = 500;
  auto got = MustSearch("c", q, 10, o);
  auto want = BruteForce(data, q, Metric::kEuclidean, 10);
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ(got[i].key, want[i].key);
}

// The rebuild runs beside the live index: searches and writes go on while it
// builds (the hook runs them at that moment, on this very thread, so a rebuild
// holding the index lock would hang here), and what they changed is in the
// rebuilt index.
TEST_F(VectorStoreTest, CompactionBuildsBesideTheIndexWhileSearchesAndWritesGoOn) {
  const size_t dim = 8;
  std::map<std::string, std::vector<float>> live;
  auto data = RandomVectors(400, dim, 51);
  Create("c", dim, Metric::kEuclidean);
  LoadAll("c", data);
  for (size_t i = 0; i < data.size(); ++i) live["v" + std::to_string(i)] = data[i];
  auto moved = RandomVectors(200, dim, 52);
  std::vector<VectorInput> batch;
  for (size_t i = 0; i < 200; ++i) {
    batch.push_back({"v" + std::to_string(i), moved[i], std::nullopt});
    live["v" + std::to_string(i)] = moved[i];
  }
  ASSERT_TRUE(vectors().BatchUpsert({}, "c", batch).ok());
  auto queries = RandomVectors(10, dim, 53);
  VectorSearchOptions wide;
  wide.ef = 600;  // wider than the collection: the graph search is exact
  auto expect_exact = [&](const std::string& when) {
    std::vector<std::vector<float>> vs;
    std::vector<std::string> keys;
    for (const auto& [key, v] : live) {
      keys.push_back(key);
      vs.push_back(v);
    }
    for (const auto& q : queries) {
      auto got = MustSearch("c", q, 10, wide);
      auto want = BruteForce(vs, q, Metric::kEuclidean, 10);  // keys "v<position in vs>"
      ASSERT_EQ(got.size(), want.size()) << when;
      for (size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(got[i].key, keys[std::stoul(want[i].key.substr(1))]) << when << " rank " << i;
      }
    }
  };
  expect_exact("before");  // the index catches up: 200 dead labels of 600

  bool hook_ran = false;
  VectorIndex::SetCompactionHookForTesting([&] {
    hook_ran = true;
    expect_exact("during the rebuild");
    auto replaced = RandomVectors(2, dim, 54);
    MustUpsert("c", "v5", replaced[0]);
    live["v5"] = replaced[0];
    MustUpsert("c", "v250", replaced[1]);
    live["v250"] = replaced[1];
    MustUpsert("c", "new", RandomVectors(1, dim, 55)[0]);
    live["new"] = RandomVectors(1, dim, 55)[0];
    ASSERT_TRUE(vectors().Delete({}, "c", "v7").ok());
    live.erase("v7");
    ASSERT_TRUE(vectors().Delete({}, "c", "v300").ok());
    live.erase("v300");
    // Each written vector is its own nearest neighbour: search at each, and at
    // the old places of the replaced and deleted ones.
    for (const char* key : {"v5", "v250", "new"}) queries.push_back(live[key]);
    for (size_t i : {5, 7, 250, 300}) queries.push_back(i < 200 ? moved[i] : data[i]);
    expect_exact("after writes during the rebuild");  // the live index caught up
  });
  auto rebuilt = vectors().CompactIndexes(0.2);
  VectorIndex::SetCompactionHookForTesting(nullptr);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().message();
  EXPECT_TRUE(hook_ran);
  EXPECT_EQ(*rebuilt, 1u);
  expect_exact("after the swap");
  // Only the labels the writes during the rebuild left dead remain: under
  // the threshold, so a second pass has nothing to do.
  EXPECT_EQ(*vectors().CompactIndexes(0.2), 0u);
  EXPECT_EQ(vectors().Get({}, "c", "v7", std::nullopt)->has_value(), false);
}

TEST_F(VectorStoreTest, BatchSearchSpreadOverThreadsEqualsOneSearchPerQuery) {
  // Enough queries that the batch runs on several threads; each answer must
  // be the one a single search gives, in the batch's order, filters included.
  auto data = RandomVectors(600, 16, 51);
  auto queries = RandomVectors(100, 16, 52);
  Create("c", 16);
  LoadAll("c", data, [](size_t i) { return Value{{"even", i % 2 == 0}}; });
  for (bool filtered : {false, true}) {
    VectorSearchOptions o;
    o.k = 7;
    if (filtered) o.filters.push_back(*ParseFilter("even", "eq", Value(true), 0));
    auto batch = vectors().BatchSearch({}, "c", queries, o);
    ASSERT_TRUE(batch.ok()) << batch.status().message();
    ASSERT_EQ(batch->size(), queries.size());
    for (size_t i = 0; i < queries.size(); ++i) {
      auto one = MustSearch("c", queries[i], 7, o);
      ASSERT_EQ((*batch)[i].size(), one.size()) << "query " << i;
      for (size_t j = 0; j < one.size(); ++j) {
        EXPECT_EQ((*batch)[i][j].key, one[j].key) << "query " << i << " rank " << j;
        EXPECT_EQ((*batch)[i][j].score, one[j].score);
        EXPECT_EQ((*batch)[i][j].metadata, one[j].metadata);
        if (filtered) {
          EXPECT_EQ(one[j].metadata["even"], true);
        }
      }
    }
  }
  // A bad query anywhere in the batch fails the whole call and is named.
  queries[63] = std::vector<float>(15, 1.0f);
  auto bad = vectors().BatchSearch({}, "c", queries, VectorSearchOptions{});
  EXPECT_EQ(bad.status().code(), Code::kConstraint);
  EXPECT_NE(bad.status().message().find("query 63"), std::string::npos) << bad.status().message();
}

// Before, queries x k had no bound: a request of a few hundred bytes (80
// queries, k 10000) made the server build ~1 GB of matches.
TEST_F(VectorStoreTest, BatchSearchBoundsQueriesTimesK) {
  Create("c", 4);
  LoadAll("c", RandomVectors(20, 4, 71));
  VectorSearchOptions o;
  o.k = 10000;
  std::vector<std::vector<float>> ten(10, std::vector<float>{1, 0, 0, 0});
  auto ok = vectors().BatchSearch({}, "c", ten, o);
  ASSERT_TRUE(ok.ok()) << ok.status().message();  // 10 x 10000 = the limit
  EXPECT_EQ((*ok)[0].size(), 20u);
  std::vector<std::vector<float>> eleven(11, std::vector<float>{1, 0, 0, 0});
  auto bad = vectors().BatchSearch({}, "c", eleven, o);
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("11 x 10000"), std::string::npos) << bad.status().message();
}

// Searches at an unchanged latest version reuse what the last one resolved
// (vector_search_targets.h): every kind of change in between must show.
TEST_F(VectorStoreTest, RepeatedSearchesSeeEveryChangeInBetween) {
  Create("c", 2, Metric::kEuclidean);
  MustUpsert("c", "a", {1, 0});
  EXPECT_EQ(MustSearch("c", {1, 0}, 5).size(), 1u);
  EXPECT_EQ(MustSearch("c", {1, 0}, 5).size(), 1u);  // the same version again
  MustUpsert("c", "b", {0, 1});
  EXPECT_EQ(MustSearch("c", {1, 0}, 5).size(), 2u);
  VectorSearchOptions dot;
  dot.metric = Metric::kDotProduct;
  auto exact = MustSearch("c", {0, 1}, 1, dot);
  ASSERT_EQ(exact.size(), 1u);
  EXPECT_EQ(exact[0].key, "b");
  ASSERT_TRUE(vectors().DeleteCollection({}, "c").ok());
  VectorSearchOptions o;
  o.k = 1;
  EXPECT_EQ(vectors().Search({}, "c", {1, 0}, o).status().code(), Code::kNotFound);
  Create("c", 3);
  EXPECT_EQ(vectors().Search({}, "c", {1, 0}, o).status().code(), Code::kConstraint) << "the new dimension";
  MustUpsert("c", "z", {0, 0, 1});
  auto z = MustSearch("c", {0, 0, 1}, 5);
  ASSERT_EQ(z.size(), 1u);
  EXPECT_EQ(z[0].key, "z");
  ASSERT_TRUE(engine_->branches().Fork("default", "f").ok());
  MustUpsert("c", "y", {0, 1, 0}, std::nullopt, Scope{"f", ""});
  EXPECT_EQ(MustSearch("c", {0, 0, 1}, 5).size(), 1u) << "the fork's write is not the parent's";
  EXPECT_EQ(MustSearch("c", {0, 0, 1}, 5, {}, Scope{"f", ""}).size(), 2u);
}

// Before, an all-zero query was answered in cosine (every vector scored 0)
// although an all-zero upsert is refused there.
TEST_F(VectorStoreTest, AnAllZeroQueryIsRefusedWhereverCosineAnswersIt) {
  Create("cos", 3);
  Create("l2", 3, Metric::kEuclidean);
  MustUpsert("cos", "a", {1, 0, 0});
  MustUpsert("l2", "a", {1, 0, 0});
  VectorSearchOptions o;
  o.k = 1;
  auto cos = vectors().Search({}, "cos", {0, 0, 0}, o);
  EXPECT_EQ(cos.status().code(), Code::kInvalidArgument);
  EXPECT_NE(cos.status().message().find("all zeros"), std::string::npos) << cos.status().message();
  EXPECT_TRUE(vectors().Search({}, "l2", {0, 0, 0}, o).ok()) << "euclidean has a distance from zero";
  o.metric = Metric::kCosine;
  EXPECT_EQ(vectors().Search({}, "l2", {0, 0, 0}, o).status().code(), Code::kInvalidArgument);
  o.metric.reset();
  auto batch = vectors().BatchSearch({}, "cos", {{1, 0, 0}, {0, 0, 0}}, o);
  EXPECT_NE(batch.status().message().find("query 1"), std::string::npos) << batch.status().message();
}

TEST_F(VectorStoreTest, MemoryFigureFollowsAddsDeletesAndCompaction) {
  // The figure is a running total (no walk per call): check that it moves
  // with every kind of change.
  auto data = RandomVectors(300, 8, 61);
  Create("c", 8);
  auto memory = [&] { return vectors().CollectionStats({}, "c")->memory_bytes; };
  uint64_t empty = memory();
  EXPECT_GT(empty, 0u);  // the graph's preallocated block
  auto with_metadata = [](size_t i) { return Value{{"i", i}, {"tag", "t" + std::to_string(i)}}; };
  LoadAll("c", std::vector<std::vector<float>>(data.begin(), data.begin() + 100), with_metadata);
  uint64_t hundred = memory();
  EXPECT_GT(hundred, empty);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(vectors().Delete({}, "c", "v" + std::to_string(i)).ok());
  uint64_t after_deletes = memory();
  EXPECT_LT(after_deletes, hundred);  // the deleted labels' keys and metadata are gone
  EXPECT_EQ(*vectors().CompactIndexes(0.2), 1u);
  uint64_t compacted = memory();
  EXPECT_LT(compacted, after_deletes);  // the graph no longer holds the dead labels
  EXPECT_EQ(vectors().CollectionStats({}, "c")->count, 50u);
  // The engine-wide gauge is the sum of the collections' figures.
  Create("d", 8);
  std::vector<VectorInput> batch;
  for (size_t i = 50; i < 100; ++i) batch.push_back({"v" + std::to_string(i), data[i], with_metadata(i)});
  ASSERT_TRUE(vectors().BatchUpsert({}, "d", batch).ok());
  EXPECT_GT(vectors().CollectionStats({}, "d")->memory_bytes, 0u);
  auto counters = vectors().counters();
  EXPECT_EQ(counters.index_memory_bytes, compacted + vectors().CollectionStats({}, "d")->memory_bytes);
}

TEST_F(VectorStoreTest, IndexesOfDeletedBranchesAndReplacedCollectionsAreDropped) {
  Create("docs", 3);
  MustUpsert("docs", "a", {1, 0, 0});
  Scope fork{"fork", ""};
  ASSERT_TRUE(engine_->branches().Fork("default", "fork").ok());
  ASSERT_TRUE(engine_->branches().Fork("default", "feature").ok());
  Scope feature{"feature", ""};
  EXPECT_EQ(MustSearch("docs", {1, 0, 0}, 1).size(), 1u);
  EXPECT_EQ(MustSearch("docs", {1, 0, 0}, 1, {}, fork).size(), 1u);
  EXPECT_EQ(vectors().counters().index_count, 2u);

  // Nothing unused yet: nothing dropped, the indexes stay warm.
  auto none = vectors().DropUnusedIndexes();
  ASSERT_TRUE(none.ok()) << none.status().message();
  EXPECT_EQ(*none, 0u);

  // A deleted branch's index goes.
  ASSERT_TRUE(engine_->branches().Delete("fork").ok());
  auto dropped = vectors().DropUnusedIndexes();
  ASSERT_TRUE(dropped.ok()) << dropped.status().message();
  EXPECT_EQ(*dropped, 1u);
  EXPECT_EQ(vectors().counters().index_count, 1u);

  // A collection a merge replaced: the old incarnation's index goes, the new one answers.
  ASSERT_TRUE(vectors().DeleteCollection(feature, "docs").ok());
  Create("docs", 2, Metric::kCosine, feature);
  MustUpsert("docs", "b", {0, 1}, std::nullopt, feature);  // the upsert brings feature's index up
  EXPECT_EQ(vectors().counters().index_count, 2u);
  ASSERT_TRUE(engine_->branches().Merge("feature", "default", "").ok());
  auto compacted = vectors().CompactIndexes(0.2);  // compact() sweeps too
  ASSERT_TRUE(compacted.ok()) << compacted.status().message();
  EXPECT_EQ(vectors().counters().index_count, 1u);  // feature's; default's old one is gone
  auto found = MustSearch("docs", {0, 1}, 5);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].key, "b");
  EXPECT_EQ(vectors().counters().index_count, 2u);
}

// Every key whose search for its own vector does not find it first, at distance 0.
std::vector<std::string> Unreachable(VectorStore& store, const std::vector<std::vector<float>>& vs) {
  std::vector<std::string> missed;
  for (size_t i = 0; i < vs.size(); ++i) {
    VectorSearchOptions options;
    options.k = 1;
    options.include_metadata = false;
    auto r = store.Search({}, "c", vs[i], options);
    std::string key = "v" + std::to_string(i);
    if (!r.ok() || r->empty() || (*r)[0].key != key || (*r)[0].distance != 0.0) missed.push_back(key);
  }
  return missed;
}

// hnswlib links a new element to live ones only. Before, a batch replacing
// every vector deleted the old elements first and so was inserted into a
// graph with none live: its first elements got no links and no search found
// them again (also after a restart, whose replay of the same updates did the same).
TEST_F(VectorStoreTest, ABatchReplacingEveryVectorLeavesEachReachable) {
  Create("c", 16, Metric::kEuclidean);
  LoadAll("c", RandomVectors(2000, 16, 1));
  ASSERT_EQ(MustSearch("c", RandomVectors(1, 16, 9)[0], 1).size(), 1u);  // the index is built
  auto replacements = RandomVectors(2000, 16, 2);
  LoadAll("c", replacements);
  EXPECT_EQ(Unreachable(vectors(), replacements), std::vector<std::string>{});
}

TEST_F(VectorStoreTest, VectorsAddedAfterEveryOtherWasDeletedAreReachable) {
  Create("c", 16, Metric::kEuclidean);
  auto first = RandomVectors(500, 16, 3);
  LoadAll("c", first);
  ASSERT_EQ(MustSearch("c", first[0], 1).size(), 1u);
  for (size_t i = 0; i < first.size(); ++i) ASSERT_TRUE(vectors().Delete({}, "c", "v" + std::to_string(i)).ok());
  auto second = RandomVectors(500, 16, 4);
  LoadAll("c", second);
  EXPECT_EQ(Unreachable(vectors(), second), std::vector<std::string>{});
}

}  // namespace
}  // namespace strata::storage

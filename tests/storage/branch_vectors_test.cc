// Vector collections through branch diff, merge and bundles (spec/api.md §9:
// a branch is a complete copy of every primitive): vectors are compared and
// merged per collection incarnation, a collection replaced on one side is
// replaced whole on the other, and a bundle carries collections and vectors
// with their history. Real LMDB in temporary directories.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/bundle.h"
#include "storage/engine.h"
#include "tests/storage/engine_test_env.h"

namespace strata::storage {
namespace {

class BranchVectorsTest : public testing::EngineTest {
 protected:
  VectorStore& vectors() { return engine_->vectors(); }
  BranchStore& branches() { return engine_->branches(); }
  static Scope On(std::string_view branch) { return Scope{std::string(branch), ""}; }

  void Create(std::string_view branch, std::string_view coll, uint32_t dim = 3, Metric metric = Metric::kEuclidean) {
    CollectionConfig c;
    c.dimension = dim;
    c.metric = metric;
    auto r = vectors().CreateCollection(On(branch), coll, c);
    ASSERT_TRUE(r.ok()) << r.status().message();
  }
  void Upsert(std::string_view branch, std::string_view coll, std::string_view key, std::vector<float> v,
              Value metadata = Value()) {
    VectorInput in{std::string(key), std::move(v), std::nullopt};
    if (!metadata.is_null()) in.metadata = std::move(metadata);
    auto r = vectors().Upsert(On(branch), coll, in);
    ASSERT_TRUE(r.ok()) << r.status().message();
  }
  void DeleteVector(std::string_view branch, std::string_view coll, std::string_view key) {
    auto r = vectors().Delete(On(branch), coll, key);
    ASSERT_TRUE(r.ok()) << r.status().message();
    ASSERT_TRUE(r->existed);
  }
  void DeleteCollection(std::string_view branch, std::string_view coll) {
    auto r = vectors().DeleteCollection(On(branch), coll);
    ASSERT_TRUE(r.ok()) << r.status().message();
  }
  void Fork(std::string_view s, std::string_view d) {
    auto r = branches().Fork(s, d);
    ASSERT_TRUE(r.ok()) << r.status().message();
  }
  // The embedding of `key`, empty when there is none.
  std::vector<float> Embedding(std::string_view branch, std::string_view coll, std::string_view key) {
    auto r = vectors().Get(On(branch), coll, key, std::nullopt);
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (!r.ok() || !r->has_value()) return {};
    return (*r)->values;
  }
  bool HasCollection(std::string_view branch, std::string_view coll) {
    auto r = vectors().CollectionStats(On(branch), coll);
    EXPECT_TRUE(r.ok() || r.status().code() == Code::kNotFound) << r.status().message();
    return r.ok();
  }
  CollectionInfo Stats(std::string_view branch, std::string_view coll) {
    auto r = vectors().CollectionStats(On(branch), coll);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : CollectionInfo{};
  }
  // Every key the index finds for `query` (k large enough for all), nearest first.
  std::vector<std::string> SearchKeys(std::string_view branch, std::string_view coll, std::vector<float> query) {
    VectorSearchOptions options;
    options.k = 100;
    auto r = vectors().Search(On(branch), coll, query, options);
    EXPECT_TRUE(r.ok()) << r.status().message();
    std::vector<std::string> out;
    if (r.ok()) {
      for (const auto& m : *r) out.push_back(m.key);
    }
    return out;
  }
  BranchMergeResult Merge(std::string_view s, std::string_view t, std::string_view strategy = "") {
    auto r = branches().Merge(s, t, strategy);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : BranchMergeResult{};
  }
  BranchDiff Diff(std::string_view a, std::string_view b) {
    auto r = branches().Diff(a, b);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : BranchDiff{};
  }
  static const BranchDiffEntry* Find(const BranchDiff& d, std::string_view primitive, std::string_view key) {
    for (const auto& e : d.entries) {
      if (e.primitive == primitive && e.key == key) return &e;
    }
    return nullptr;
  }
  uint64_t LiveKeys(std::string_view branch) {
    auto stats = engine_->Stats(branch);
    EXPECT_TRUE(stats.ok()) << stats.status().message();
    return stats.ok() ? stats->total_keys : 0;
  }
};

TEST_F(BranchVectorsTest, DiffShowsVectorsAndCollectionsPerSide) {
  Create("default", "docs");
  Upsert("default", "docs", "same", {1, 0, 0});
  Upsert("default", "docs", "changed", {0, 1, 0}, Value{{"tag", "old"}});
  Upsert("default", "docs", "dropped", {0, 0, 1});
  Fork("default", "feature");
  Upsert("feature", "docs", "changed", {0, 2, 0}, Value{{"tag", "new"}});
  DeleteVector("feature", "docs", "dropped");
  Upsert("feature", "docs", "added", {1, 1, 1});
  Create("feature", "notes", 2);

  BranchDiff d = Diff("default", "feature");
  EXPECT_EQ(Find(d, "vector", "docs/same"), nullptr);
  const BranchDiffEntry* changed = Find(d, "vector", "docs/changed");
  ASSERT_NE(changed, nullptr);
  EXPECT_EQ(changed->change, "modified");
  EXPECT_EQ(changed->value_a["metadata"]["tag"], "old");
  EXPECT_EQ(changed->value_b["metadata"]["tag"], "new");
  EXPECT_EQ(changed->value_b["embedding"], Value::array({0.0, 2.0, 0.0}));
  const BranchDiffEntry* dropped = Find(d, "vector", "docs/dropped");
  ASSERT_NE(dropped, nullptr);
  EXPECT_EQ(dropped->change, "removed");
  EXPECT_TRUE(dropped->value_b.is_null());
  const BranchDiffEntry* added = Find(d, "vector", "docs/added");
  ASSERT_NE(added, nullptr);
  EXPECT_EQ(added->change, "added");
  const BranchDiffEntry* notes = Find(d, "collection", "notes");
  ASSERT_NE(notes, nullptr);
  EXPECT_EQ(notes->change, "added");
  EXPECT_EQ(notes->value_b["dimension"], 2);
  EXPECT_EQ(notes->value_b["metric"], "euclidean");
  EXPECT_EQ(Find(d, "collection", "docs"), nullptr);  // the same collection on both sides
  EXPECT_EQ(d.added, 2u);
  EXPECT_EQ(d.removed, 1u);
  EXPECT_EQ(d.modified, 1u);
}

TEST_F(BranchVectorsTest, DiffOfARecreatedCollectionComparesWhatEachSideHasLive) {
  Create("default", "docs");
  Upsert("default", "docs", "a", {1, 0, 0});
  Upsert("default", "docs", "b", {0, 1, 0});
  Fork("default", "feature");
  DeleteCollection("feature", "docs");
  Create("feature", "docs");
  Upsert("feature", "docs", "a", {1, 0, 0});  // the same vector in the new collection

  BranchDiff d = Diff("default", "feature");
  const BranchDiffEntry* coll = Find(d, "collection", "docs");
  ASSERT_NE(coll, nullptr);
  EXPECT_EQ(coll->change, "modified");  // same settings, another incarnation
  EXPECT_NE(coll->value_a["created_version"], coll->value_b["created_version"]);
  EXPECT_EQ(Find(d, "vector", "docs/a"), nullptr);
  const BranchDiffEntry* b = Find(d, "vector", "docs/b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->change, "removed");
}

TEST_F(BranchVectorsTest, OneSidedVectorChangesMergeAndTheIndexFindsThem) {
  Create("default", "docs");
  Upsert("default", "docs", "keep", {1, 0, 0});
  Upsert("default", "docs", "edit", {0, 1, 0});
  Upsert("default", "docs", "drop", {0, 0, 1});
  ASSERT_EQ(SearchKeys("default", "docs", {0, 1, 0}).size(), 3u);  // the target's index exists before the merge
  Fork("default", "feature");
  Upsert("feature", "docs", "edit", {0, 5, 0}, Value{{"v", 2}});
  DeleteVector("feature", "docs", "drop");
  Upsert("feature", "docs", "new", {9, 9, 9});
  uint64_t keys_before = LiveKeys("default");

  BranchMergeResult r = Merge("feature", "default");
  EXPECT_TRUE(r.conflicts.empty());
  EXPECT_EQ(r.keys_applied, 3u);
  EXPECT_EQ(Embedding("default", "docs", "edit"), (std::vector<float>{0, 5, 0}));
  EXPECT_TRUE(Embedding("default", "docs", "drop").empty());
  EXPECT_EQ(Embedding("default", "docs", "new"), (std::vector<float>{9, 9, 9}));
  EXPECT_EQ(Stats("default", "docs").count, 3u);
  EXPECT_EQ(LiveKeys("default"), keys_before);  // one added, one deleted
  std::vector<std::string> found = SearchKeys("default", "docs", {9, 9, 9});
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found.front(), "new");
  EXPECT_EQ(std::count(found.begin(), found.end(), "drop"), 0);
  // Nothing left to merge: a second merge applies nothing.
  EXPECT_EQ(Merge("feature", "default").keys_applied, 0u);
  EXPECT_TRUE(Diff("default", "feature").entries.empty());
}

TEST_F(BranchVectorsTest, AVectorChangedOnBothSidesIsAConflictResolvedByTheStrategy) {
  Create("default", "docs");
  Upsert("default", "docs", "k", {1, 1, 1});
  Fork("default", "feature");
  Upsert("default", "docs", "k", {2, 2, 2});  // target
  Upsert("feature", "docs", "k", {3, 3, 3});  // source, later

  auto strict = branches().Merge("feature", "default", "strict");
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.status().code(), Code::kConflict);
  EXPECT_NE(strict.status().message().find("vector \"docs/k\""), std::string::npos) << strict.status().message();
  EXPECT_EQ(Embedding("default", "docs", "k"), (std::vector<float>{2, 2, 2}));

  BranchMergeResult keep = Merge("feature", "default", "target_wins");
  ASSERT_EQ(keep.conflicts.size(), 1u);
  EXPECT_EQ(keep.conflicts[0].primitive, "vector");
  EXPECT_EQ(keep.conflicts[0].key, "docs/k");
  EXPECT_EQ(keep.conflicts[0].resolution, "target");
  EXPECT_EQ(keep.conflicts[0].source_value["embedding"], Value::array({3.0, 3.0, 3.0}));
  EXPECT_EQ(Embedding("default", "docs", "k"), (std::vector<float>{2, 2, 2}));
}

TEST_F(BranchVectorsTest, LastWriterWinsTakesTheLaterVector) {
  Create("default", "docs");
  Upsert("default", "docs", "k", {1, 1, 1});
  Fork("default", "feature");
  Upsert("default", "docs", "k", {2, 2, 2});
  Upsert("feature", "docs", "k", {3, 3, 3});  // later
  BranchMergeResult r = Merge("feature", "default");
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].resolution, "source");
  EXPECT_EQ(Embedding("default", "docs", "k"), (std::vector<float>{3, 3, 3}));
  EXPECT_EQ(SearchKeys("default", "docs", {3, 3, 3}).front(), "k");
}

TEST_F(BranchVectorsTest, ACollectionCreatedOnTheSourceArrivesWithAllItsVectors) {
  Fork("default", "feature");
  Create("feature", "fresh", 2, Metric::kCosine);
  for (int i = 0; i < 50; ++i) Upsert("feature", "fresh", "v" + std::to_string(i), {1.0f + i, 1.0f});
  uint64_t keys_before = LiveKeys("default");

  BranchMergeResult r = Merge("feature", "default");
  EXPECT_TRUE(r.conflicts.empty());
  EXPECT_EQ(r.keys_applied, 51u);  // the collection and its vectors
  CollectionInfo info = Stats("default", "fresh");
  EXPECT_EQ(info.config.dimension, 2u);
  EXPECT_EQ(info.config.metric, Metric::kCosine);
  EXPECT_EQ(info.count, 50u);
  EXPECT_EQ(LiveKeys("default"), keys_before + 50);
  EXPECT_EQ(SearchKeys("default", "fresh", {1, 1}).size(), 50u);
  // The branches now hold the same collection: new vectors on either side merge one by one.
  Upsert("feature", "fresh", "late", {0, 1});
  EXPECT_EQ(Merge("feature", "default").keys_applied, 1u);
  EXPECT_EQ(Stats("default", "fresh").count, 51u);
}

TEST_F(BranchVectorsTest, ACollectionDeletedOnTheSourceIsDeletedOnTheTarget) {
  Create("default", "docs");
  Upsert("default", "docs", "a", {1, 0, 0});
  Upsert("default", "docs", "b", {0, 1, 0});
  Fork("default", "feature");
  DeleteCollection("feature", "docs");
  uint64_t keys_before = LiveKeys("default");

  BranchMergeResult r = Merge("feature", "default");
  EXPECT_TRUE(r.conflicts.empty());
  EXPECT_FALSE(HasCollection("default", "docs"));
  EXPECT_EQ(LiveKeys("default"), keys_before - 2);
  // Created again, it is empty: the old vectors never come back.
  Create("default", "docs");
  EXPECT_TRUE(Embedding("default", "docs", "a").empty());
}

TEST_F(BranchVectorsTest, DeletingACollectionWhoseVectorsTheOtherSideChangedIsAConflict) {
  Create("default", "docs");
  Upsert("default", "docs", "a", {1, 0, 0});
  Fork("default", "feature");
  Upsert("default", "docs", "target_only", {0, 1, 0});  // the target changed the collection
  DeleteCollection("feature", "docs");                  // the source deleted it, later

  auto strict = branches().Merge("feature", "default", "strict");
  ASSERT_FALSE(strict.ok());
  EXPECT_NE(strict.status().message().find("collection \"docs\""), std::string::npos) << strict.status().message();

  EXPECT_EQ(Stats("default", "docs").count, 2u);  // strict wrote nothing

  BranchMergeResult later = Merge("feature", "default");  // last writer: the delete
  ASSERT_EQ(later.conflicts.size(), 1u);
  EXPECT_EQ(later.conflicts[0].primitive, "collection");
  EXPECT_TRUE(later.conflicts[0].source_value.is_null());  // deleted there
  EXPECT_EQ(later.conflicts[0].target_value["dimension"], 3);
  EXPECT_EQ(later.conflicts[0].resolution, "source");
  EXPECT_FALSE(HasCollection("default", "docs"));
}

TEST_F(BranchVectorsTest, ACollectionReplacedOnTheSourceReplacesTheTargetsWhole) {
  Create("default", "docs", 3);
  Upsert("default", "docs", "a", {1, 0, 0});
  Upsert("default", "docs", "old", {0, 1, 0});
  Fork("default", "feature");
  DeleteCollection("feature", "docs");
  Create("feature", "docs", 2);  // another dimension
  Upsert("feature", "docs", "a", {1, 1});
  Upsert("feature", "docs", "b", {1, 2});
  uint64_t keys_before = LiveKeys("default");

  BranchMergeResult r = Merge("feature", "default");
  EXPECT_TRUE(r.conflicts.empty());  // only the source changed the collection
  CollectionInfo info = Stats("default", "docs");
  EXPECT_EQ(info.config.dimension, 2u);
  EXPECT_EQ(info.count, 2u);
  EXPECT_EQ(LiveKeys("default"), keys_before);  // two went, two came
  EXPECT_EQ(Embedding("default", "docs", "a"), (std::vector<float>{1, 1}));
  EXPECT_TRUE(Embedding("default", "docs", "old").empty());
  std::vector<std::string> found = SearchKeys("default", "docs", {1, 2});
  EXPECT_EQ(found, (std::vector<std::string>{"b", "a"}));
}

TEST_F(BranchVectorsTest, ACollectionReplacedOnOneSideAndChangedOnTheOtherIsOneConflict) {
  for (const char* strategy : {"target_wins", "source_wins"}) {
    SCOPED_TRACE(strategy);
    std::string target = std::string("t-") + strategy, source = std::string("s-") + strategy;
    Fork("default", target);
    Create(target, "docs", 3);
    Upsert(target, "docs", "a", {1, 0, 0});
    Fork(target, source);
    DeleteCollection(target, "docs");
    Create(target, "docs", 2);
    Upsert(target, "docs", "mine", {1, 1});
    Upsert(source, "docs", "theirs", {0, 0, 1});

    BranchMergeResult r = Merge(source, target, strategy);
    ASSERT_EQ(r.conflicts.size(), 1u);
    EXPECT_EQ(r.conflicts[0].primitive, "collection");
    CollectionInfo info = Stats(target, "docs");
    if (std::string(strategy) == "target_wins") {
      EXPECT_EQ(r.keys_applied, 0u);
      EXPECT_EQ(info.config.dimension, 2u);
      EXPECT_EQ(info.count, 1u);
      EXPECT_TRUE(Embedding(target, "docs", "theirs").empty());
    } else {
      EXPECT_EQ(info.config.dimension, 3u);
      EXPECT_EQ(info.count, 2u);  // the source's collection, whole: "a" and "theirs"
      EXPECT_EQ(Embedding(target, "docs", "theirs"), (std::vector<float>{0, 0, 1}));
      EXPECT_TRUE(Embedding(target, "docs", "mine").empty());
      EXPECT_EQ(SearchKeys(target, "docs", {0, 0, 1}).front(), "theirs");
    }
  }
}

TEST_F(BranchVectorsTest, CollectionsCreatedOnBothSidesConflict) {
  Fork("default", "feature");
  Create("default", "docs", 3);
  Upsert("default", "docs", "t", {1, 0, 0});
  Create("feature", "docs", 2);
  Upsert("feature", "docs", "s", {1, 0});

  auto strict = branches().Merge("feature", "default", "strict");
  ASSERT_FALSE(strict.ok());
  EXPECT_NE(strict.status().message().find("collection \"docs\""), std::string::npos) << strict.status().message();

  BranchMergeResult r = Merge("feature", "default", "source_wins");
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].primitive, "collection");
  EXPECT_EQ(r.conflicts[0].source_value["dimension"], 2);
  EXPECT_EQ(r.conflicts[0].target_value["dimension"], 3);
  CollectionInfo info = Stats("default", "docs");
  EXPECT_EQ(info.config.dimension, 2u);
  EXPECT_EQ(info.count, 1u);
  EXPECT_EQ(Embedding("default", "docs", "s"), (std::vector<float>{1, 0}));
  EXPECT_TRUE(Embedding("default", "docs", "t").empty());
}

TEST_F(BranchVectorsTest, ForceDeletedSpaceTakesItsCollectionsIntoTheMerge) {
  Scope inner{"default", "inner"};
  CollectionConfig c;
  c.dimension = 2;
  ASSERT_TRUE(vectors().CreateCollection(inner, "docs", c).ok());
  ASSERT_TRUE(vectors().Upsert(inner, "docs", VectorInput{"a", {1, 2}, std::nullopt}).ok());
  Fork("default", "feature");
  ASSERT_TRUE(engine_->spaces().Delete("feature", "inner", true).ok());
  BranchDiff d = Diff("default", "feature");
  const BranchDiffEntry* coll = Find(d, "collection", "docs");
  ASSERT_NE(coll, nullptr);
  EXPECT_EQ(coll->change, "removed");
  const BranchDiffEntry* a = Find(d, "vector", "docs/a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->space, "inner");
}

class BranchVectorsBundleTest : public BranchVectorsTest {
 protected:
  std::string ExportOf(std::string_view branch) {
    std::string bytes;
    auto r = branches().Export(branch, [&](std::string_view piece) {
      bytes.append(piece);
      return Status::Ok();
    });
    EXPECT_TRUE(r.ok()) << r.status().message();
    return bytes;
  }
};

TEST_F(BranchVectorsBundleTest, ExportAndImportCarryCollectionsVectorsAndHistory) {
  Create("default", "gone", 2);
  Upsert("default", "gone", "x", {1, 2});
  DeleteCollection("default", "gone");
  Create("default", "docs", 3, Metric::kCosine);
  Upsert("default", "docs", "a", {1, 0, 0}, Value{{"tag", "first"}});
  Upsert("default", "docs", "a", {1, 1, 0}, Value{{"tag", "second"}});
  Upsert("default", "docs", "b", {0, 0, 1});
  Upsert("default", "docs", "c", {0, 1, 1});
  DeleteVector("default", "docs", "c");

  std::string bundle = ExportOf("default");
  auto parsed = ReadBundle(bundle);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->format_version, kBundleFormatVersion);
  auto imported = branches().Import(bundle, "copy");
  ASSERT_TRUE(imported.ok()) << imported.status().message();

  EXPECT_FALSE(HasCollection("copy", "gone"));
  CollectionInfo info = Stats("copy", "docs");
  EXPECT_EQ(info.config.dimension, 3u);
  EXPECT_EQ(info.config.metric, Metric::kCosine);
  EXPECT_EQ(info.count, 2u);
  auto a = vectors().Get(On("copy"), "docs", "a", std::nullopt);
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->values, (std::vector<float>{1, 1, 0}));
  EXPECT_EQ((*a)->metadata["tag"], "second");
  EXPECT_TRUE(Embedding("copy", "docs", "c").empty());
  EXPECT_EQ(SearchKeys("copy", "docs", {0, 0, 1}), SearchKeys("default", "docs", {0, 0, 1}));
  EXPECT_EQ(LiveKeys("copy"), LiveKeys("default"));
  // The history came too: both versions of "a", and the deleted collection.
  size_t versions_of_a = 0, gone_records = 0;
  for (const BundleEntry& e : parsed->entries) {
    if (e.kind != 'R') continue;
    if (e.primitive == Primitive::kVector && e.name.size() > 2 && e.name.substr(e.name.size() - 2) == "/a") {
      ++versions_of_a;
    }
    if (e.primitive == Primitive::kCollection && e.name == "gone") ++gone_records;
  }
  EXPECT_EQ(versions_of_a, 2u);
  EXPECT_EQ(gone_records, 2u);  // created, deleted

  // The import got its own incarnation: a merge with the branch it came from
  // sees two different collections, never one with mixed vectors.
  Upsert("copy", "docs", "only_copy", {1, 0, 1});
  BranchMergeResult r = Merge("copy", "default", "target_wins");
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].primitive, "collection");
  EXPECT_TRUE(Embedding("default", "docs", "only_copy").empty());
}

TEST_F(BranchVectorsBundleTest, ImportRejectsAVectorOfTheWrongDimension) {
  Create("default", "docs", 3);
  Upsert("default", "docs", "a", {1, 0, 0});
  auto parsed = ReadBundle(ExportOf("default"));
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  std::string forged;
  BundleWriter writer("default", [&](std::string_view piece) {
    forged.append(piece);
    return Status::Ok();
  });
  bool changed = false;
  for (BundleEntry e : parsed->entries) {
    if (e.kind == 'R' && e.primitive == Primitive::kVector && !e.tombstone) {
      e.payload = EncodeVector({1, 0}, "");
      changed = true;
    }
    ASSERT_TRUE(writer.Add(e).ok());
  }
  ASSERT_TRUE(changed);
  ASSERT_TRUE(writer.Finish().ok());
  auto r = branches().Import(forged, "forged");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("has 2 components; collection \"docs\" has dimension 3"), std::string::npos)
      << r.status().message();
  auto exists = branches().Exists("forged");
  ASSERT_TRUE(exists.ok());
  EXPECT_FALSE(*exists);
}

}  // namespace
}  // namespace strata::storage

// Vector index snapshots across engine restarts: a good snapshot is loaded
// (no rebuild), a missing, corrupt or stale one is rebuilt or replayed from
// LMDB, and the answers are the same either way.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "storage/engine.h"
#include "tests/storage/engine_test_env.h"
#include "tests/storage/vector_test_util.h"

namespace strata::storage {
namespace {

namespace fs = std::filesystem;
using testing::RandomVectors;

class VectorSnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Open();
    CollectionConfig c;
    c.dimension = 16;
    ASSERT_TRUE(engine_->vectors().CreateCollection({}, "c", c).ok());
    data_ = RandomVectors(3000, 16, 5);
    Upsert(0, 2000);
    queries_ = RandomVectors(10, 16, 6);
    expected_ = SearchAll();
  }

  void Open() {
    engine_ = testing::OpenOrFail(testing::OptionsFor(dir_.path()));
    ASSERT_NE(engine_, nullptr);
  }
  void Reopen() {
    engine_.reset();  // a clean close snapshots the indexes
    Open();
  }

  void Upsert(size_t from, size_t to) {
    std::vector<VectorInput> batch;
    for (size_t i = from; i < to; ++i) batch.push_back({"v" + std::to_string(i), data_[i], Value{{"i", i}}});
    auto r = engine_->vectors().BatchUpsert({}, "c", batch);
    ASSERT_TRUE(r.ok()) << r.status().message();
  }

  std::vector<std::vector<std::string>> SearchAll() {
    std::vector<std::vector<std::string>> out;
    for (const auto& q : queries_) {
      VectorSearchOptions o;
      o.k = 10;
      auto r = engine_->vectors().Search({}, "c", q, o);
      EXPECT_TRUE(r.ok()) << r.status().message();
      std::vector<std::string> keys;
      if (r.ok()) {
        for (const auto& m : *r) keys.push_back(m.key);
      }
      out.push_back(keys);
    }
    return out;
  }

  std::vector<fs::path> SnapshotFiles(const std::string& ext) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir_.path() + "/vectors")) {
      if (e.path().extension() == ext) out.push_back(e.path());
    }
    return out;
  }

  testing::ScratchDir dir_;
  std::unique_ptr<Engine> engine_;
  std::vector<std::vector<float>> data_, queries_;
  std::vector<std::vector<std::string>> expected_;
};

TEST_F(VectorSnapshotTest, RestartLoadsTheSnapshotWithoutRebuilding) {
  Reopen();
  EXPECT_EQ(SearchAll(), expected_);
  auto c = engine_->vectors().counters();
  EXPECT_EQ(c.indexes_loaded, 1u);
  EXPECT_EQ(c.indexes_built, 0u);
  EXPECT_EQ(engine_->vectors().CollectionStats({}, "c")->count, 2000u);
}

TEST_F(VectorSnapshotTest, MissingSnapshotIsRebuiltFromLmdb) {
  engine_.reset();
  fs::remove_all(dir_.path() + "/vectors");
  Open();
  EXPECT_EQ(SearchAll(), expected_);
  auto c = engine_->vectors().counters();
  EXPECT_EQ(c.indexes_loaded, 0u);
  EXPECT_EQ(c.indexes_built, 1u);
}

TEST_F(VectorSnapshotTest, CorruptSnapshotIsRebuilt) {
  for (const char* ext : {".hnsw", ".meta"}) {
    engine_.reset();
    auto files = SnapshotFiles(ext);
    ASSERT_EQ(files.size(), 1u) << ext;
    {
      std::fstream f(files[0], std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(static_cast<std::streamoff>(fs::file_size(files[0]) / 2));
      char byte = 0x5a;
      f.write(&byte, 1);
    }
    Open();
    EXPECT_EQ(SearchAll(), expected_) << ext;
    auto c = engine_->vectors().counters();
    EXPECT_EQ(c.indexes_loaded, 0u) << ext;
    EXPECT_EQ(c.indexes_built, 1u) << ext;
    Reopen();  // writes a good snapshot again for the next round
  }
  // A truncated graph file is caught too.
  engine_.reset();
  auto files = SnapshotFiles(".hnsw");
  fs::resize_file(files[0], fs::file_size(files[0]) / 3);
  Open();
  EXPECT_EQ(SearchAll(), expected_);
  EXPECT_EQ(engine_->vectors().counters().indexes_built, 1u);
}

// Before, a snapshot that failed part way (a full disk) left its temp files
// behind, holding the space the next writes needed.
TEST_F(VectorSnapshotTest, AFailedSnapshotLeavesNoTempFilesBehind) {
  Reopen();  // a first snapshot: its base name is the one the next uses
  auto graphs = SnapshotFiles(".hnsw");
  ASSERT_EQ(graphs.size(), 1u);
  fs::path base = graphs[0];
  base.replace_extension();
  // The sidecar's temp name taken by a directory: writing it fails.
  fs::create_directory(base.string() + ".meta.tmp");
  Upsert(2000, 2100);
  SearchAll();  // the index catches up: a snapshot is due
  engine_.reset();
  EXPECT_FALSE(fs::exists(base.string() + ".hnsw.tmp"));
  EXPECT_FALSE(fs::exists(base.string() + ".meta.tmp"));
  Open();
  EXPECT_EQ(SearchAll().size(), queries_.size());
}

TEST_F(VectorSnapshotTest, OlderSnapshotIsLoadedThenCaughtUp) {
  // Keep the snapshot as of 2000 vectors, as if the process died later.
  engine_.reset();
  fs::path saved = dir_.path() + "/saved";
  fs::copy(dir_.path() + "/vectors", saved);
  Open();
  Upsert(2000, 3000);
  ASSERT_TRUE(engine_->vectors().Delete({}, "c", "v1").ok());
  auto now = SearchAll();
  engine_.reset();
  fs::remove_all(dir_.path() + "/vectors");
  fs::rename(saved, dir_.path() + "/vectors");
  Open();
  EXPECT_EQ(SearchAll(), now);
  auto c = engine_->vectors().counters();
  EXPECT_EQ(c.indexes_loaded, 1u);
  EXPECT_EQ(c.indexes_built, 0u);
  EXPECT_EQ(engine_->vectors().CollectionStats({}, "c")->count, 2999u);
}

TEST_F(VectorSnapshotTest, SnapshotNewerThanTheDatabaseIsNotTrusted) {
  // A snapshot from another copy of the data (here: a later state of this
  // one) must never be used over LMDB.
  fs::path backup = dir_.path() + "-backup";
  engine_.reset();
  fs::copy(dir_.path(), backup, fs::copy_options::recursive);
  Open();
  Upsert(2000, 2500);
  engine_.reset();  // snapshot now covers 2500 vectors
  fs::path newer_snapshot = dir_.path() + "/vectors";
  fs::remove(backup / "vectors" / "placeholder");
  fs::remove_all(backup / "vectors");
  fs::copy(newer_snapshot, backup / "vectors");
  fs::remove_all(dir_.path());
  fs::rename(backup, dir_.path());
  Open();
  EXPECT_EQ(SearchAll(), expected_);
  EXPECT_EQ(engine_->vectors().CollectionStats({}, "c")->count, 2000u);
  EXPECT_EQ(engine_->vectors().counters().indexes_built, 1u);
}

}  // namespace
}  // namespace strata::storage

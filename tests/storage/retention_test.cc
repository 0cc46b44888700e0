// History retention (storage/retention.h) through the engine API: what
// compaction keeps, what as_of still answers, and that branches, merges,
// vectors, bundles and key counts stay consistent.
#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "storage/engine.h"
#include "storage/retention.h"
#include "tests/storage/engine_test_env.h"
#include "tests/storage/vector_test_util.h"

namespace strata::storage {
namespace {

using testing::OpenOrFail;
using testing::OptionsFor;
using testing::RandomVectors;

Scope On(const std::string& branch) {
  Scope s;
  s.branch = branch;
  return s;
}

class RetentionTest : public testing::EngineTest {
 protected:
  PruneResult Prune(RetentionPolicy policy, uint64_t floor = UINT64_MAX, size_t chunk = 4096) {
    auto r = Retention::Apply(engine_->core(), policy, [floor] { return floor; }, PruneLimits{chunk});
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : PruneResult{};
  }

  static RetentionPolicy Versions(uint64_t n) { return RetentionPolicy{n, 0}; }

  Value Get(std::string_view key, const Scope& scope = {}, std::optional<int64_t> as_of = std::nullopt) {
    auto r = kv().Get(scope, key, as_of);
    EXPECT_TRUE(r.ok()) << "Get(" << key << "): " << r.status().message();
    if (!r.ok() || !r->has_value()) return Value("<absent>");
    return (*r)->value;
  }

  int64_t TimestampOf(std::string_view key, const Scope& scope = {}) {
    auto r = kv().Get(scope, key, std::nullopt);
    EXPECT_TRUE(r.ok() && r->has_value());
    return r.ok() && r->has_value() ? (*r)->timestamp : 0;
  }

  std::vector<uint64_t> HistoryVersions(std::string_view key, const Scope& scope = {}) {
    auto h = kv().History(scope, key);
    EXPECT_TRUE(h.ok()) << h.status().message();
    std::vector<uint64_t> out;
    if (h.ok() && h->has_value()) {
      for (const auto& e : **h) out.push_back(e.version);
    }
    return out;
  }

  void Reopen(EngineOptions options) {
    engine_.reset();
    engine_ = OpenOrFail(options);
    ASSERT_NE(engine_, nullptr);
  }

  // What as_of reads of `keys` answer at each commit timestamp they hold.
  using Snapshot = std::map<std::pair<int64_t, std::string>, Value>;
  Snapshot ReadAll(const std::vector<std::string>& keys, const std::vector<int64_t>& stamps, const Scope& scope = {}) {
    Snapshot out;
    for (int64_t ts : stamps) {
      for (const auto& k : keys) out[{ts, k}] = Get(k, scope, ts);
    }
    return out;
  }

  // Every read at or after the retained history answers as before; every
  // read before it is refused with a message naming where history starts.
  void ExpectAsOfExactOrRefused(const Snapshot& before, const RetainedFrom& from, const Scope& scope = {}) {
    size_t answered = 0, refused = 0;
    for (const auto& [at, value] : before) {
      auto r = kv().Get(scope, at.second, at.first);
      if (at.first >= from.timestamp) {
        ASSERT_TRUE(r.ok()) << r.status().message();
        Value now = r->has_value() ? (*r)->value : Value("<absent>");
        EXPECT_EQ(now, value) << "as_of " << at.first << " key " << at.second;
        ++answered;
      } else {
        ASSERT_FALSE(r.ok()) << "as_of " << at.first << " before " << from.timestamp << " was answered";
        EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
        EXPECT_NE(r.status().message().find("is before the retained history, which starts at " +
                                            std::to_string(from.timestamp)),
                  std::string::npos)
            << r.status().message();
        ++refused;
      }
    }
    EXPECT_GT(answered, 0u);
    EXPECT_GT(refused, 0u);
  }
};

TEST_F(RetentionTest, NoPolicyKeepsEveryVersion) {
  for (int i = 0; i < 5; ++i) MustPut("k", Value(i));
  PruneResult r = Prune(RetentionPolicy{});
  EXPECT_EQ(r.versions_removed, 0u);
  EXPECT_EQ(r.retained.version, 0u);
  EXPECT_EQ(HistoryVersions("k").size(), 5u);
}

TEST_F(RetentionTest, CountRuleKeepsTheNewestVersionsOfEachName) {
  std::vector<uint64_t> k_versions;
  for (int i = 0; i < 10; ++i) k_versions.push_back(MustPut("k", Value(i)));
  MustPut("j", Value("a"));
  uint64_t j2 = MustPut("j", Value("b"));
  uint64_t j3 = MustPut("j", Value("c"));
  uint64_t m = MustPut("m", Value(true));

  PruneResult r = Prune(Versions(2));
  EXPECT_EQ(r.versions_removed, 8u + 1u);
  EXPECT_EQ(HistoryVersions("k"), (std::vector<uint64_t>{k_versions[9], k_versions[8]}));
  EXPECT_EQ(HistoryVersions("j"), (std::vector<uint64_t>{j3, j2}));
  EXPECT_EQ(HistoryVersions("m"), (std::vector<uint64_t>{m}));
  EXPECT_EQ(Get("k"), Value(9));
  EXPECT_EQ(Get("j"), Value("c"));
  EXPECT_EQ(Get("m"), Value(true));
  // Reads at or after j2 still see every name's full history.
  EXPECT_EQ(r.retained.version, j2);

  // A second run with the same policy has nothing left to drop.
  EXPECT_EQ(Prune(Versions(2)).versions_removed, 0u);
}

// Search postings of the records in the database (every branch and space).
size_t CountPostings(Engine& engine) {
  auto txn = Txn::BeginRead(engine.core().env());
  EXPECT_TRUE(txn.ok());
  if (!txn.ok()) return 0;
  size_t n = 0;
  Cursor c(*txn, engine.core().dbs().records);
  for (bool ok = c.First(); ok; ok = c.Next()) {
    if (c.key().size() > 8 && static_cast<uint8_t>(c.key()[8]) == static_cast<uint8_t>(Primitive::kTextPosting)) ++n;
  }
  return n;
}

TEST_F(RetentionTest, DroppedVersionsTakeTheirSearchPostingsWithThem) {
  for (int i = 0; i < 10; ++i) MustPut("doc", Value("common word" + std::to_string(i)));
  MustPut("other", Value("common unrelated"));
  size_t before = CountPostings(*engine_);
  EXPECT_EQ(before, 10u * 2 + 2);  // two terms per version

  PruneResult r = Prune(Versions(1));
  EXPECT_EQ(r.versions_removed, 9u);
  EXPECT_EQ(r.postings_versions_removed, 9u);
  EXPECT_EQ(CountPostings(*engine_), 2u + 2);  // the current "doc" and "other"

  // Search answers as before: the current version only, statistics intact.
  auto hits = engine_->search().Search(Scope{}, "word9", 10, {}, std::nullopt);
  ASSERT_TRUE(hits.ok()) << hits.status().message();
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_EQ((*hits)[0].entity, "doc");
  auto old = engine_->search().Search(Scope{}, "word3", 10, {}, std::nullopt);
  ASSERT_TRUE(old.ok());
  EXPECT_TRUE(old->empty());
  auto common = engine_->search().Search(Scope{}, "common", 10, {}, std::nullopt);
  ASSERT_TRUE(common.ok());
  EXPECT_EQ(common->size(), 2u);
}

TEST_F(RetentionTest, AsOfInsideTheRetainedHistoryIsAnsweredAndBeforeItRefused) {
  std::vector<int64_t> stamps;
  for (int i = 0; i < 6; ++i) {
    MustPut("a", Value(i));
    stamps.push_back(TimestampOf("a"));
    if (i % 2 == 0) {
      MustPut("b", Value(i * 10));
      stamps.push_back(TimestampOf("b"));
    }
  }
  Snapshot before = ReadAll({"a", "b"}, stamps);
  PruneResult r = Prune(Versions(2));
  ASSERT_GT(r.versions_removed, 0u);
  ASSERT_GT(r.retained.timestamp, 0);
  ExpectAsOfExactOrRefused(before, r.retained);
}

TEST_F(RetentionTest, TimeRangeStartsWhereTheRetainedHistoryDoes) {
  for (int i = 0; i < 5; ++i) MustPut("k", Value(i));
  auto range_before = engine_->GetTimeRange();
  ASSERT_TRUE(range_before.ok());
  PruneResult r = Prune(Versions(1));
  EXPECT_GT(r.clock_entries_removed, 0u);
  auto range = engine_->GetTimeRange();
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(range->oldest_ts, r.retained.timestamp);
  EXPECT_EQ(range->oldest_ts, TimestampOf("k"));
  EXPECT_EQ(range->latest_ts, range_before->latest_ts);
  // as_of at the start of retained history is answered.
  EXPECT_EQ(Get("k", {}, range->oldest_ts), Value(4));
}

TEST_F(RetentionTest, TimeRuleKeepsWhatReadsInsideTheWindowSee) {
  MustPut("k", Value(1));
  MustPut("k", Value(2));
  uint64_t at_cutoff = MustPut("k", Value(3));
  int64_t old_ts = TimestampOf("k");
  // Let those writes age past a one-second window (the window is what is
  // checked, not how long anything took).
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  uint64_t v4 = MustPut("k", Value(4));
  uint64_t v5 = MustPut("k", Value(5));
  PruneResult r = Prune(RetentionPolicy{0, 1});
  ASSERT_GE(r.window_start, at_cutoff);
  ASSERT_LT(r.window_start, v4);
  // The version current at the cutoff stays, so as_of at the cutoff is answered.
  EXPECT_EQ(HistoryVersions("k"), (std::vector<uint64_t>{v5, v4, at_cutoff}));
  EXPECT_EQ(r.versions_removed, 2u);
  EXPECT_EQ(r.retained.version, at_cutoff);
  EXPECT_EQ(Get("k", {}, old_ts), Value(3));
}

TEST_F(RetentionTest, RulesAddUpAVersionIsDroppedOnlyWhenNoRuleKeepsIt) {
  for (int i = 0; i < 6; ++i) MustPut("k", Value(i));
  // The time window (one hour) keeps everything though the count rule would not.
  PruneResult r = Prune(RetentionPolicy{1, 3600});
  EXPECT_EQ(r.versions_removed, 0u);
  EXPECT_EQ(HistoryVersions("k").size(), 6u);
}

TEST_F(RetentionTest, FloorKeepsWhatAnOpenSnapshotReads) {
  std::vector<uint64_t> v;
  for (int i = 0; i < 5; ++i) v.push_back(MustPut("k", Value(i)));
  // A reader pinned at v[1] sees k=1: that record and all newer ones stay.
  PruneResult r = Prune(Versions(1), /*floor=*/v[1]);
  EXPECT_EQ(HistoryVersions("k"), (std::vector<uint64_t>{v[4], v[3], v[2], v[1]}));
  EXPECT_LE(r.retained.version, v[1]);
  EXPECT_EQ(r.window_start, v[1]);
}

TEST_F(RetentionTest, OpenTransactionStillReadsItsSnapshotAfterEngineCompact) {
  EngineOptions options = OptionsFor(dir_.path());
  options.retention = Versions(1);
  Reopen(options);
  MustPut("k", Value("old"));
  auto txn = engine_->transactions().Begin("");
  ASSERT_TRUE(txn.ok()) << txn.status().message();
  for (int i = 0; i < 3; ++i) MustPut("k", Value(i));
  auto compacted = engine_->Compact();
  ASSERT_TRUE(compacted.ok()) << compacted.status().message();
  Scope in_txn;
  in_txn.txn_id = txn->id;
  EXPECT_EQ(Get("k", in_txn), Value("old"));
  EXPECT_EQ(Get("k"), Value(2));
  ASSERT_TRUE(engine_->transactions().Rollback(txn->id).ok());
  // With the transaction gone, the next compaction drops what only it read.
  auto again = engine_->Compact();
  ASSERT_TRUE(again.ok());
  EXPECT_GT(again->retention.versions_removed, 0u);
  EXPECT_EQ(HistoryVersions("k").size(), 1u);
}

// A map filled to the brim by history: compact() must still free it. A
// chunk of 4096 record deletions needed more free pages than the full map
// had, and compaction failed with the map-full error it was run to cure; a
// chunk whose commit fails is now walked again smaller.
TEST_F(RetentionTest, CompactFreesAMapThatHistoryFilled) {
  EngineOptions options = OptionsFor(dir_.path(), Durability::kRelaxed, 1ull << 20);
  options.retention = Versions(1);
  Reopen(options);
  const std::string blob(100, 'x');
  std::map<std::string, int> latest;
  Status full;
  for (int i = 0; i < 100000 && full.ok(); ++i) {
    std::string key = "k" + std::to_string(i % 5);
    auto v = kv().Put({}, key, Value(blob + std::to_string(i)));
    if (v.ok()) {
      latest[key] = i;
    } else {
      full = v.status();
    }
  }
  ASSERT_EQ(full.code(), Code::kResourceExhausted) << "100,000 small versions never filled a 1 MiB map";
  uint64_t written = 0;
  for (const auto& [key, last] : latest) written += HistoryVersions(key).size();
  ASSERT_GT(written, 1000u);

  auto compacted = engine_->Compact();
  ASSERT_TRUE(compacted.ok()) << compacted.status().message();
  EXPECT_EQ(compacted->retention.versions_removed, written - latest.size());
  for (const auto& [key, last] : latest) {
    EXPECT_EQ(Get(key), Value(blob + std::to_string(last))) << key;
    EXPECT_EQ(HistoryVersions(key).size(), 1u) << key;
  }
  // The space is reusable: writes go in again.
  for (int i = 0; i < 100; ++i) MustPut("after" + std::to_string(i), Value(blob));
}

TEST_F(RetentionTest, DeletedNameOnARootBranchGoesEntirely) {
  MustPut("gone", Value(1));
  MustPut("gone", Value(2));
  ASSERT_TRUE(MustDelete("gone"));
  MustPut("kept", Value(1));
  MustPut("kept", Value(2));
  auto keys_before = engine_->Stats("default");
  ASSERT_TRUE(keys_before.ok());

  PruneResult r = Prune(Versions(1));
  EXPECT_EQ(r.names_removed, 1u);
  EXPECT_EQ(r.versions_removed, 3u + 1u);
  auto history = kv().History({}, "gone");
  ASSERT_TRUE(history.ok());
  EXPECT_FALSE(history->has_value()) << "a name with no record left never existed";
  EXPECT_EQ(Get("gone"), Value("<absent>"));
  EXPECT_EQ(Get("kept"), Value(2));
  auto listed = kv().List({}, "", std::nullopt, 100, std::nullopt);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->names, (std::vector<std::string>{"kept"}));
  auto keys_after = engine_->Stats("default");
  ASSERT_TRUE(keys_after.ok());
  EXPECT_EQ(keys_after->total_keys, keys_before->total_keys);
  EXPECT_EQ(keys_after->total_keys, 1u);
}

TEST_F(RetentionTest, DeletionOnAChildBranchKeepsItsTombstone) {
  MustPut("p", Value("parent"));
  ASSERT_TRUE(engine_->branches().Fork("default", "child").ok());
  Scope child = On("child");
  ASSERT_TRUE(MustDelete("p", child));
  Prune(Versions(1));
  EXPECT_EQ(Get("p", child), Value("<absent>")) << "the parent's value must stay hidden";
  EXPECT_EQ(Get("p"), Value("parent"));
}

TEST_F(RetentionTest, ChildStillReadsItsForkPointAfterTheParentIsCompacted) {
  for (int i = 0; i < 5; ++i) MustPut("k", Value(i));
  MustPut("same", Value("s"));
  MustPut("removed_later", Value("r"));
  auto fork = engine_->branches().Fork("default", "child");
  ASSERT_TRUE(fork.ok());
  for (int i = 5; i < 9; ++i) MustPut("k", Value(i));
  ASSERT_TRUE(MustDelete("removed_later"));
  Scope child = On("child");
  auto diff_before = engine_->branches().Diff("default", "child");
  ASSERT_TRUE(diff_before.ok());

  PruneResult r = Prune(Versions(1));
  EXPECT_GT(r.versions_removed, 0u);
  EXPECT_EQ(Get("k", child), Value(4));
  EXPECT_EQ(Get("removed_later", child), Value("r"));
  EXPECT_EQ(Get("k"), Value(8));
  EXPECT_EQ(Get("removed_later"), Value("<absent>"));
  // The parent keeps its current record and the one its child reads.
  EXPECT_EQ(HistoryVersions("k").size(), 2u);

  auto diff_after = engine_->branches().Diff("default", "child");
  ASSERT_TRUE(diff_after.ok());
  EXPECT_EQ(diff_after->modified, diff_before->modified);
  EXPECT_EQ(diff_after->added, diff_before->added);
  EXPECT_EQ(diff_after->removed, diff_before->removed);
  ASSERT_EQ(diff_after->entries.size(), diff_before->entries.size());
  for (size_t i = 0; i < diff_after->entries.size(); ++i) {
    EXPECT_EQ(diff_after->entries[i].key, diff_before->entries[i].key);
    EXPECT_EQ(diff_after->entries[i].change, diff_before->entries[i].change);
    EXPECT_EQ(diff_after->entries[i].value_b, diff_before->entries[i].value_b);
  }

  // A three-way merge still reads the base at the fork point: "k" changed on
  // the parent only and "same" on the child only, so neither conflicts.
  MustPut("same", Value("from child"), child);
  auto merged = engine_->branches().Merge("child", "default", "");
  ASSERT_TRUE(merged.ok()) << merged.status().message();
  EXPECT_TRUE(merged->conflicts.empty());
  EXPECT_EQ(Get("same"), Value("from child"));
  EXPECT_EQ(Get("k"), Value(8));
  EXPECT_EQ(Get("removed_later"), Value("<absent>"));
}

TEST_F(RetentionTest, SecondMergeAfterCompactionStillHasItsBase) {
  ASSERT_TRUE(engine_->branches().Fork("default", "feature").ok());
  Scope feature = On("feature");
  MustPut("x", Value(1), feature);
  auto first = engine_->branches().Merge("feature", "default", "");
  ASSERT_TRUE(first.ok()) << first.status().message();
  ASSERT_EQ(Get("x"), Value(1));
  MustPut("x", Value(2), feature);
  MustPut("x", Value(3), feature);
  MustPut("y", Value("target only"));
  MustPut("y", Value("target only 2"));

  Prune(Versions(1));
  auto second = engine_->branches().Merge("feature", "default", "strict");
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_TRUE(second->conflicts.empty());
  EXPECT_EQ(Get("x"), Value(3));
  EXPECT_EQ(Get("y"), Value("target only 2"));
}

TEST_F(RetentionTest, DeletedBranchIsReclaimedUnlessADescendantReadsIt) {
  ASSERT_TRUE(engine_->branches().Create("scratch").ok());
  Scope scratch = On("scratch");
  for (int i = 0; i < 4; ++i) MustPut("s" + std::to_string(i), Value(i), scratch);
  ASSERT_TRUE(engine_->branches().Delete("scratch").ok());

  ASSERT_TRUE(engine_->branches().Create("mid").ok());
  Scope mid = On("mid");
  MustPut("m", Value("from mid"), mid);
  ASSERT_TRUE(engine_->branches().Fork("mid", "leaf").ok());
  MustPut("m", Value("after fork"), mid);
  ASSERT_TRUE(engine_->branches().Delete("mid").ok());

  PruneResult r = Prune(Versions(1));
  // scratch: all 4 records; mid: the record after the fork (nothing reads it).
  EXPECT_EQ(r.versions_removed, 4u + 1u);
  EXPECT_EQ(Get("m", On("leaf")), Value("from mid"));
  // Nobody could read what went, so as_of reads lost nothing.
  EXPECT_EQ(r.retained.version, 0u);
}

TEST_F(RetentionTest, ChunkedRunsDropTheSameAsOneChunk) {
  std::vector<uint64_t> long_history;
  for (int i = 0; i < 30; ++i) long_history.push_back(MustPut("long", Value(i)));
  for (int n = 0; n < 10; ++n) {
    for (int i = 0; i < 3; ++i) MustPut("n" + std::to_string(n), Value(i));
  }
  PruneResult r = Prune(Versions(3), UINT64_MAX, /*chunk=*/2);
  EXPECT_GT(r.commits, 10u);
  EXPECT_EQ(r.versions_removed, 27u);
  EXPECT_EQ(HistoryVersions("long"),
            (std::vector<uint64_t>{long_history[29], long_history[28], long_history[27]}));
  for (int n = 0; n < 10; ++n) EXPECT_EQ(HistoryVersions("n" + std::to_string(n)).size(), 3u);
  EXPECT_EQ(Get("long"), Value(29));
}

TEST_F(RetentionTest, WritesGoOnWhileCompactionRunsInChunks) {
  for (int k = 0; k < 4; ++k) MustPut("w" + std::to_string(k), Value(-1));
  std::atomic<bool> failed{false};
  std::thread writer([&] {
    for (int i = 0; i < 200; ++i) {
      for (int k = 0; k < 4; ++k) {
        if (!kv().Put({}, "w" + std::to_string(k), Value(i)).ok()) failed = true;
      }
    }
  });
  uint64_t removed = 0;
  for (int run = 0; run < 5; ++run) removed += Prune(Versions(2), UINT64_MAX, /*chunk=*/1).versions_removed;
  writer.join();
  ASSERT_FALSE(failed.load());
  removed += Prune(Versions(2)).versions_removed;
  EXPECT_EQ(removed, 4u * (201 - 2));
  for (int k = 0; k < 4; ++k) {
    std::string key = "w" + std::to_string(k);
    EXPECT_EQ(Get(key), Value(199));
    auto h = kv().History({}, key);
    ASSERT_TRUE(h.ok() && h->has_value());
    ASSERT_EQ((*h)->size(), 2u);
    EXPECT_EQ((**h)[1].value, Value(198));
  }
}

TEST_F(RetentionTest, StateAndJsonHistoriesArePrunedToo) {
  ASSERT_TRUE(engine_->state().Init({}, "cell", Value(0)).ok());
  for (int i = 1; i <= 4; ++i) {
    ASSERT_TRUE(engine_->state().Cas({}, "cell", Value(i), CasExpectation{Value(i - 1), std::nullopt}).ok());
  }
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(engine_->json().Set({}, "doc", "$", Value{{"n", i}}).ok());
  PruneResult r = Prune(Versions(2));
  EXPECT_EQ(r.versions_removed, 3u + 2u);
  auto cell = engine_->state().History({}, "cell");
  ASSERT_TRUE(cell.ok() && cell->has_value());
  EXPECT_EQ((*cell)->size(), 2u);
  auto current = engine_->state().Get({}, "cell", std::nullopt);
  ASSERT_TRUE(current.ok() && current->has_value());
  EXPECT_EQ((*current)->value, Value(4));
  auto doc = engine_->json().History({}, "doc");
  ASSERT_TRUE(doc.ok() && doc->has_value());
  EXPECT_EQ((*doc)->size(), 2u);
  auto n = engine_->json().Get({}, "doc", "$.n", std::nullopt);
  ASSERT_TRUE(n.ok() && n->has_value());
  EXPECT_EQ((*n)->value, Value(3));
  // CAS against the current version still works.
  EXPECT_TRUE(engine_->state().Cas({}, "cell", Value(5), CasExpectation{Value(4), std::nullopt}).ok());
}

TEST_F(RetentionTest, BundleExportedAfterCompactionImportsTheCurrentValues) {
  for (int i = 0; i < 4; ++i) MustPut("a", Value(i));
  MustPut("b", Value("x"));
  MustDelete("b");
  MustPut("c", Value("y"));
  Prune(Versions(1));
  std::string bundle;
  auto exported = engine_->branches().Export("default", [&](std::string_view bytes) {
    bundle.append(bytes);
    return Status::Ok();
  });
  ASSERT_TRUE(exported.ok()) << exported.status().message();
  auto imported = engine_->branches().Import(bundle, "copy");
  ASSERT_TRUE(imported.ok()) << imported.status().message();
  Scope copy = On("copy");
  EXPECT_EQ(Get("a", copy), Value(3));
  EXPECT_EQ(Get("b", copy), Value("<absent>"));
  EXPECT_EQ(Get("c", copy), Value("y"));
  auto stats = engine_->Stats("copy");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->total_keys, 2u);
}

class RetentionVectorTest : public RetentionTest {
 protected:
  std::vector<VectorMatch> Search(const std::vector<float>& q, size_t k) {
    VectorSearchOptions o;
    o.k = k;
    auto r = engine_->vectors().Search({}, "docs", q, o);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : std::vector<VectorMatch>{};
  }

  // Exact top-k of `q` among `live` by Euclidean distance.
  static std::vector<std::string> Exact(const std::map<std::string, std::vector<float>>& live,
                                        const std::vector<float>& q, size_t k) {
    std::vector<std::pair<double, std::string>> all;
    for (const auto& [key, v] : live) all.emplace_back(Distance(Metric::kEuclidean, q.data(), v.data(), q.size()), key);
    std::sort(all.begin(), all.end());
    std::vector<std::string> out;
    for (size_t i = 0; i < k && i < all.size(); ++i) out.push_back(all[i].second);
    return out;
  }

  void ExpectSearchMatches(const std::map<std::string, std::vector<float>>& live,
                           const std::vector<std::vector<float>>& queries) {
    for (const auto& q : queries) {
      std::vector<std::string> got;
      for (const auto& m : Search(q, 5)) got.push_back(m.key);
      EXPECT_EQ(got, Exact(live, q, 5));
    }
  }
};

TEST_F(RetentionVectorTest, VectorsStaySearchableAndConsistentAfterCompaction) {
  EngineOptions options = OptionsFor(dir_.path());
  options.retention = Versions(1);
  Reopen(options);
  CollectionConfig config;
  config.dimension = 8;
  config.metric = Metric::kEuclidean;
  ASSERT_TRUE(engine_->vectors().CreateCollection({}, "docs", config).ok());
  auto first = RandomVectors(60, 8, 7);
  auto second = RandomVectors(20, 8, 8);
  std::map<std::string, std::vector<float>> live;
  for (size_t i = 0; i < first.size(); ++i) {
    std::string key = "v" + std::to_string(i);
    ASSERT_TRUE(engine_->vectors().Upsert({}, "docs", VectorInput{key, first[i], std::nullopt}).ok());
    live[key] = first[i];
  }
  for (size_t i = 0; i < second.size(); ++i) {
    std::string key = "v" + std::to_string(i);
    ASSERT_TRUE(engine_->vectors().Upsert({}, "docs", VectorInput{key, second[i], std::nullopt}).ok());
    live[key] = second[i];
  }
  for (int i = 50; i < 60; ++i) {
    std::string key = "v" + std::to_string(i);
    ASSERT_TRUE(engine_->vectors().Delete({}, "docs", key).ok());
    live.erase(key);
  }
  // A later write, so the deletions are older than where compaction starts.
  MustPut("marker", Value(1));
  auto queries = RandomVectors(10, 8, 9);
  ExpectSearchMatches(live, queries);

  auto compacted = engine_->Compact();
  ASSERT_TRUE(compacted.ok()) << compacted.status().message();
  // 20 overwritten vectors' old versions, and 10 deleted vectors entirely.
  EXPECT_EQ(compacted->retention.versions_removed, 20u + 10u * 2u);
  EXPECT_EQ(compacted->retention.names_removed, 10u);
  ExpectSearchMatches(live, queries);
  auto stats = engine_->vectors().CollectionStats({}, "docs");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->count, live.size());
  auto gone = engine_->vectors().Get({}, "docs", "v55", std::nullopt);
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());

  // After a restart (index snapshot plus catch-up) the index agrees too.
  Reopen(options);
  ExpectSearchMatches(live, queries);
  auto info = engine_->Stats("default");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->collection_count, 1u);
  EXPECT_EQ(info->total_keys, live.size() + 1) << "the live vectors and the marker";
}

}  // namespace
}  // namespace strata::storage

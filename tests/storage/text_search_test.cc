// Keyword search through the engine: BM25 scores against hand-computed ones,
// every primitive, snippets, filters, deletes, as_of and branch layers.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "storage/engine.h"
#include "tests/storage/engine_test_env.h"

namespace strata::storage {
namespace {

using testing::EngineTest;

// One query term's BM25 contribution, written out from its inputs.
double Bm25(double tf, double doc_len, double df, double n, double avg_len) {
  double idf = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
  return idf * tf * (1.2 + 1.0) / (tf + 1.2 * (1.0 - 0.75 + 0.75 * doc_len / avg_len));
}

class TextSearchTest : public EngineTest {
 protected:
  std::vector<TextHit> MustSearch(std::string_view query, const Scope& scope = {},
                                  std::vector<std::string> primitives = {}, uint32_t k = 10,
                                  std::optional<int64_t> as_of = std::nullopt) {
    auto hits = engine_->search().Search(scope, query, k, primitives, as_of);
    EXPECT_TRUE(hits.ok()) << "Search(" << query << "): " << hits.status().message();
    return hits.ok() ? *hits : std::vector<TextHit>{};
  }
  static std::vector<std::string> Entities(const std::vector<TextHit>& hits) {
    std::vector<std::string> out;
    for (const auto& h : hits) out.push_back(h.primitive + ":" + h.entity);
    return out;
  }
};

using Names = std::vector<std::string>;

TEST_F(TextSearchTest, ScoresMatchHandComputedBm25) {
  MustPut("a", "the quick brown fox");    // the quick brown fox: 4 words
  MustPut("b", "the lazy dog");           // 3 words
  MustPut("c", "Quick quick fox jumps");  // quick quick fox jump: 4 words
  auto hits = MustSearch("quick fox");
  ASSERT_EQ(Entities(hits), (Names{"kv:c", "kv:a"}));
  double n = 3, avg = 11.0 / 3;
  EXPECT_NEAR(hits[0].score, Bm25(2, 4, 2, n, avg) + Bm25(1, 4, 2, n, avg), 1e-9);
  EXPECT_NEAR(hits[1].score, Bm25(1, 4, 2, n, avg) + Bm25(1, 4, 2, n, avg), 1e-9);
  EXPECT_EQ(hits[0].rank, 1u);
  EXPECT_EQ(hits[1].rank, 2u);

  auto lazy = MustSearch("LAZY dogs");  // stemmed like the text
  ASSERT_EQ(Entities(lazy), (Names{"kv:b"}));
  EXPECT_NEAR(lazy[0].score, Bm25(1, 3, 1, n, avg) + Bm25(1, 3, 1, n, avg), 1e-9);
}

TEST_F(TextSearchTest, StatisticsFollowOverwritesAndDeletes) {
  MustPut("a", "the quick brown fox");
  MustPut("b", "the lazy dog");
  MustPut("c", "quick quick fox jumps");
  MustPut("b", "fox den");  // 2 words
  MustDelete("a");
  // Live: b (2 words), c (4 words).
  auto hits = MustSearch("fox");
  ASSERT_EQ(Entities(hits), (Names{"kv:b", "kv:c"}));
  EXPECT_NEAR(hits[0].score, Bm25(1, 2, 2, 2, 3), 1e-9);
  EXPECT_NEAR(hits[1].score, Bm25(1, 4, 2, 2, 3), 1e-9);
  EXPECT_TRUE(MustSearch("brown").empty());
  EXPECT_TRUE(MustSearch("lazy").empty());
}

TEST_F(TextSearchTest, IndexesEveryPrimitive) {
  MustPut("k1", Value{{"note", "kv words here"}, {"n", 5}});
  ASSERT_TRUE(engine_->state().Init(scope_, "cell", "state words here").ok());
  ASSERT_TRUE(engine_->json().Set(scope_, "doc1", "$", Value{{"title", "json words"}, {"tags", {"x", "y"}}}).ok());
  ASSERT_TRUE(engine_->events().Append(scope_, "user_login", Value{{"who", "event words"}}).ok());
  ASSERT_TRUE(engine_->events().Append(scope_, "noise", Value{{"who", "nobody"}}).ok());
  CollectionConfig config;
  config.dimension = 2;
  ASSERT_TRUE(engine_->vectors().CreateCollection(scope_, "docs", config).ok());
  ASSERT_TRUE(engine_->vectors().Upsert(scope_, "docs", VectorInput{"v1", {1, 0}, Value{{"title", "vector words"}}}).ok());

  auto hits = Entities(MustSearch("words"));
  std::sort(hits.begin(), hits.end());
  EXPECT_EQ(hits, (Names{"event:0", "json:doc1", "kv:k1", "state:cell", "vector:docs/v1"}));
  EXPECT_EQ(Entities(MustSearch("login")), (Names{"event:0"}));  // the event type is text too
  EXPECT_EQ(Entities(MustSearch("nobody")), (Names{"event:1"}));
  EXPECT_TRUE(MustSearch("title").empty());  // object keys are not indexed

  ASSERT_TRUE(engine_->vectors().DeleteCollection(scope_, "docs").ok());
  EXPECT_TRUE(MustSearch("vector").empty());
}

TEST_F(TextSearchTest, PrimitivesFilterRestrictsHitsAndStatistics) {
  MustPut("k", "shared word");
  ASSERT_TRUE(engine_->json().Set(scope_, "j", "$", Value{{"t", "shared word longer text"}}).ok());
  auto hits = MustSearch("shared", {}, {"json"});
  ASSERT_EQ(Entities(hits), (Names{"json:j"}));
  // Statistics are those of the json documents alone: N = 1, df = 1.
  EXPECT_NEAR(hits[0].score, Bm25(1, 4, 1, 1, 4), 1e-9);
  EXPECT_EQ(Entities(MustSearch("shared", {}, {"kv", "json"})), (Names{"kv:k", "json:j"}));

  auto bad = engine_->search().Search(scope_, "shared", 10, {"kv", "blob"}, std::nullopt);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("\"blob\""), std::string::npos) << bad.status().message();
}

TEST_F(TextSearchTest, TiesAreBrokenByPrimitiveThenEntity) {
  MustPut("b", "same words");
  MustPut("a", "same words");
  ASSERT_TRUE(engine_->state().Init(scope_, "a", "same words").ok());
  auto hits = MustSearch("same");
  ASSERT_EQ(Entities(hits), (Names{"kv:a", "kv:b", "state:a"}));
  EXPECT_EQ(hits[0].score, hits[2].score);
}

TEST_F(TextSearchTest, SnippetShowsAWindowAroundTheFirstMatch) {
  MustPut("s", "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
               "sixteen seventeen");
  MustPut("short", Value{{"a", "no match here"}, {"b", "Seven\nDays"}});
  auto hits = MustSearch("seven", {}, {}, 10);
  ASSERT_EQ(hits.size(), 2u);
  for (const auto& h : hits) {
    if (h.entity == "s") {
      EXPECT_EQ(h.snippet, "…three four five six [seven] eight nine ten eleven twelve thirteen fourteen fifteen…");
    } else {
      EXPECT_EQ(h.snippet, "[Seven] Days");  // the field that matched, whitespace collapsed
    }
  }
}

// A matched word too long for the 240-byte window stays marked, cut inside
// its brackets; one after 120 bytes of text still starts inside the window.
TEST_F(TextSearchTest, ALongMatchedWordKeepsItsBrackets) {
  const std::string blob(300, 'a');
  MustPut("blob", blob);
  auto hits = MustSearch(blob);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].snippet, "[" + std::string(240, 'a') + "…]");

  const std::string word(130, 'q');
  MustPut("late", std::string(150, 'x') + " " + word + " tail");
  hits = MustSearch(word);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].snippet, "…" + std::string(109, 'x') + " [" + word + "]…");  // 240 bytes from the first x
}

TEST_F(TextSearchTest, DeletedEntitiesLeaveNoHits) {
  MustPut("a", "ephemeral thought");
  ASSERT_TRUE(engine_->json().Set(scope_, "j", "$", Value{{"t", "ephemeral doc"}}).ok());
  EXPECT_EQ(MustSearch("ephemeral").size(), 2u);
  MustDelete("a");
  ASSERT_TRUE(engine_->json().Delete(scope_, "j", "$").ok());
  EXPECT_TRUE(MustSearch("ephemeral").empty());
  MustPut("a", "ephemeral again");
  EXPECT_EQ(Entities(MustSearch("ephemeral")), (Names{"kv:a"}));
}

TEST_F(TextSearchTest, AsOfSearchesThePast) {
  MustPut("a", "alpha");
  auto first = kv().Get(scope_, "a", std::nullopt);
  ASSERT_TRUE(first.ok() && first->has_value());
  int64_t then = (*first)->timestamp;
  std::this_thread::sleep_for(std::chrono::milliseconds(2));  // a later timestamp for the overwrite
  MustPut("a", "beta");
  EXPECT_TRUE(MustSearch("alpha").empty());
  auto past = MustSearch("alpha", {}, {}, 10, then);
  ASSERT_EQ(Entities(past), (Names{"kv:a"}));
  EXPECT_EQ(past[0].snippet, "[alpha]");
  EXPECT_TRUE(MustSearch("beta", {}, {}, 10, then).empty());
  EXPECT_TRUE(MustSearch("alpha", {}, {}, 10, int64_t{0}).empty());
}

TEST_F(TextSearchTest, ForkSeesParentTextUntilItChangesOrDeletesIt) {
  MustPut("a", "red apple");
  MustPut("b", "red berry");
  MustPut("c", "green cherry");
  ASSERT_TRUE(engine_->branches().Fork("default", "child").ok());
  Scope child = Scope{"child", ""};
  MustPut("a", "blue apple", child);
  MustDelete("b", child);
  MustPut("d", "red dragon", child);
  MustPut("e", "red elder");  // in the parent after the fork

  EXPECT_EQ(Entities(MustSearch("red", child)), (Names{"kv:d"}));
  EXPECT_EQ(Entities(MustSearch("cherry", child)), (Names{"kv:c"}));
  auto apple = MustSearch("apple", child);
  ASSERT_EQ(apple.size(), 1u);
  EXPECT_EQ(apple[0].snippet, "blue [apple]");
  EXPECT_EQ(Entities(MustSearch("red")), (Names{"kv:a", "kv:b", "kv:e"}));
  EXPECT_TRUE(MustSearch("blue").empty());

  ASSERT_TRUE(engine_->branches().Fork("child", "grandchild").ok());
  Scope grandchild = Scope{"grandchild", ""};
  EXPECT_EQ(Entities(MustSearch("red", grandchild)), (Names{"kv:d"}));
  EXPECT_EQ(Entities(MustSearch("cherry", grandchild)), (Names{"kv:c"}));
  MustDelete("c", grandchild);
  EXPECT_TRUE(MustSearch("cherry", grandchild).empty());
  EXPECT_EQ(Entities(MustSearch("cherry", child)), (Names{"kv:c"}));
}

TEST_F(TextSearchTest, SpacesAreSeparate) {
  MustPut("a", "private note");
  MustPut("a", "public note", Scope{"", "other"});
  EXPECT_EQ(MustSearch("private").size(), 1u);
  EXPECT_TRUE(MustSearch("private", Scope{"", "other"}).empty());
  EXPECT_TRUE(MustSearch("private", Scope{"", "never_written"}).empty());
}

TEST_F(TextSearchTest, EventsOfADeletedSpaceLeaveNoHits) {
  Scope s = Scope{"", "s"};
  MustPut("k", "kept for the child", s);
  ASSERT_TRUE(engine_->branches().Fork("default", "child").ok());
  ASSERT_TRUE(engine_->events().Append(s, "ghost", Value("ghost words")).ok());
  EXPECT_EQ(Entities(MustSearch("ghost", s)), (Names{"event:0"}));
  // The child still reads the space's records: its events are purged, its names tombstoned.
  ASSERT_TRUE(engine_->spaces().Delete("default", "s", true).ok());
  ASSERT_TRUE(engine_->spaces().Create("default", "s").ok());
  EXPECT_TRUE(MustSearch("ghost", s).empty());
  EXPECT_TRUE(MustSearch("kept", s).empty());
  ASSERT_TRUE(engine_->events().Append(s, "fresh", Value("fresh words")).ok());  // sequence 0 again
  EXPECT_TRUE(MustSearch("ghost", s).empty());
  EXPECT_EQ(Entities(MustSearch("fresh words", s)), (Names{"event:0"}));
  EXPECT_EQ(Entities(MustSearch("kept", Scope{"child", "s"})), (Names{"kv:k"}));
}

TEST_F(TextSearchTest, ValidatesQueryAndK) {
  for (int i = 0; i < 12; ++i) MustPut("k" + std::to_string(i), "common");
  EXPECT_EQ(MustSearch("common", {}, {}, 0).size(), 10u);  // 0 means 10
  EXPECT_EQ(MustSearch("common", {}, {}, 1000).size(), 12u);
  EXPECT_EQ(MustSearch("common", {}, {}, 3).size(), 3u);
  EXPECT_TRUE(MustSearch("?!").empty());  // not blank, but no words

  auto blank = engine_->search().Search(scope_, " \t\n", 10, {}, std::nullopt);
  EXPECT_EQ(blank.status().code(), Code::kInvalidArgument);
  // Unicode whitespace is blank too, as the Python client has it (str.strip()):
  // no-break, ideographic and line separator spaces, and U+001C.
  for (const char* unicode_blank : {"\u00a0", "\u3000 \u2028", "\x1c\u0085", "\u2000\u200a\u202f\u205f"}) {
    auto r = engine_->search().Search(scope_, unicode_blank, 10, {}, std::nullopt);
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << unicode_blank;
  }
  EXPECT_TRUE(MustSearch("\u00a0?").empty());  // not blank, but no words
  auto big = engine_->search().Search(scope_, "common", 1001, {}, std::nullopt);
  EXPECT_EQ(big.status().code(), Code::kInvalidArgument);
  EXPECT_NE(big.status().message().find("1001"), std::string::npos);
  auto missing = engine_->search().Search(Scope{"nope", ""}, "common", 10, {}, std::nullopt);
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  Scope unknown_txn;
  unknown_txn.txn_id = "t1";
  auto txn = engine_->search().Search(unknown_txn, "common", 10, {}, std::nullopt);
  EXPECT_EQ(txn.status().code(), Code::kNotFound);
}

// Inside a transaction search answers its snapshot plus its own writes, with
// the statistics its commit would make: the same hits and scores as a search
// right after that commit (exact on a branch never forked).
TEST_F(TextSearchTest, InsideATransactionItIsTheSnapshotPlusItsOwnWrites) {
  MustPut("a", "the quick brown fox");
  MustPut("b", "the lazy dog");
  MustPut("c", "Quick quick fox jumps");
  MustPut("gone", "quick goodbye");
  CollectionConfig config;
  config.dimension = 2;
  ASSERT_TRUE(engine_->vectors().CreateCollection(scope_, "docs", config).ok());
  auto info = engine_->transactions().Begin("default");
  ASSERT_TRUE(info.ok()) << info.status().message();
  Scope t{"", "", info->id};
  MustPut("a", "a slow turtle", t);           // rewritten: no longer quick
  MustPut("d", "quick silver fox fox", t);   // new
  MustPut("e", Value{{"n", 1}}, t);           // no words
  EXPECT_TRUE(MustDelete("gone", t));
  ASSERT_TRUE(engine_->events().Append(t, "quick_start", Value{{"note", "fox event"}}).ok());
  ASSERT_TRUE(engine_->vectors().Upsert(t, "docs", VectorInput{"v", {1, 0}, Value{{"title", "quick vector"}}}).ok());
  MustPut("outside", "quick fox from another client");  // committed after begin: not seen inside

  auto inside = MustSearch("quick fox", t);
  EXPECT_EQ(Entities(inside), (Names{"kv:d", "kv:c", "event:0", "vector:docs/v"}));
  EXPECT_EQ(Entities(MustSearch("turtle", t)), (Names{"kv:a"}));
  EXPECT_TRUE(MustSearch("goodbye", t).empty());
  EXPECT_TRUE(MustSearch("turtle").empty()) << "nothing staged is visible outside";
  ASSERT_FALSE(inside.empty());
  EXPECT_EQ(inside[0].snippet.find("silver") != std::string::npos, true) << inside[0].snippet;

  // The same search once committed, without the write made outside meanwhile.
  MustDelete("outside");
  ASSERT_TRUE(engine_->transactions().Commit(info->id).ok());
  auto after = MustSearch("quick fox");
  ASSERT_EQ(Entities(after), Entities(inside));
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_NEAR(inside[i].score, after[i].score, 1e-9) << after[i].entity;
    EXPECT_EQ(inside[i].snippet, after[i].snippet);
  }
  auto ended = engine_->search().Search(t, "quick", 10, {}, std::nullopt);
  EXPECT_EQ(ended.status().code(), Code::kNotFound);
}

TEST_F(TextSearchTest, InsideATransactionTheFilterAndANewSpaceApply) {
  MustPut("k", "shared word");
  auto info = engine_->transactions().Begin("default");
  ASSERT_TRUE(info.ok()) << info.status().message();
  Scope t{"", "", info->id};
  ASSERT_TRUE(engine_->json().Set(t, "j", "$", Value{{"t", "shared word"}}).ok());
  EXPECT_EQ(Entities(MustSearch("shared", t, {"json"})), (Names{"json:j"}));
  EXPECT_EQ(Entities(MustSearch("shared", t, {"kv"})), (Names{"kv:k"}));
  // A space the snapshot does not have: only the transaction's documents.
  Scope fresh{"", "fresh", info->id};
  MustPut("x", "only here", fresh);
  EXPECT_EQ(Entities(MustSearch("here", fresh)), (Names{"kv:x"}));
  EXPECT_TRUE(MustSearch("shared", fresh).empty());
  ASSERT_TRUE(engine_->transactions().Rollback(info->id).ok());
}

}  // namespace
}  // namespace strata::storage

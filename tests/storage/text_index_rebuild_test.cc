// A data directory written before the text index existed is indexed once at
// open, and searches then match those over an index kept since the first write.
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/engine.h"
#include "storage/key_codec.h"
#include "storage/text_index.h"
#include "tests/storage/engine_test_env.h"

namespace strata::storage {
namespace {

using testing::OpenOrFail;
using testing::OptionsFor;
using testing::ScratchDir;

struct Query {
  Scope scope;
  std::string text;
  std::optional<int64_t> as_of;
};

std::vector<std::string> RunQueries(Engine& engine, const std::vector<Query>& queries) {
  std::vector<std::string> out;
  for (const auto& q : queries) {
    auto hits = engine.search().Search(q.scope, q.text, 100, {}, q.as_of);
    EXPECT_TRUE(hits.ok()) << hits.status().message();
    if (!hits.ok()) continue;
    std::string line = q.text + ":";
    for (const auto& h : *hits) {
      char score[32];
      std::snprintf(score, sizeof score, "%.12f", h.score);
      line += " " + h.primitive + "/" + h.entity + "=" + score + "(" + h.snippet + ")";
    }
    out.push_back(line);
  }
  return out;
}

size_t TextKeys(const std::string& dir) {
  EnvOptions options;
  options.path = dir;
  options.map_size = 1ull << 30;
  auto env = Env::Open(options);
  EXPECT_TRUE(env.ok());
  auto txn = Txn::BeginRead(**env);
  EXPECT_TRUE(txn.ok());
  size_t n = 0;
  Cursor c(*txn, (*env)->dbs().records);
  for (bool ok = c.First(); ok; ok = c.Next()) {
    uint8_t tag = c.key().size() > 8 ? static_cast<uint8_t>(c.key()[8]) : 0;
    if (tag == static_cast<uint8_t>(Primitive::kTextPosting) || tag == static_cast<uint8_t>(Primitive::kTextStats)) ++n;
  }
  return n;
}

void DropIndex(const std::string& dir) {
  EnvOptions options;
  options.path = dir;
  options.map_size = 1ull << 30;
  auto env = Env::Open(options);
  ASSERT_TRUE(env.ok()) << env.status().message();
  auto txn = Txn::BeginWrite(**env);
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE(TextIndex::Drop(*txn, (*env)->dbs()).ok());
  ASSERT_TRUE(txn->Commit().ok());
}

TEST(TextIndexRebuildTest, OpenIndexesADatabaseWrittenWithoutTheIndex) {
  ScratchDir dir;
  std::vector<Query> queries;
  std::vector<std::string> before;
  {
    auto engine = OpenOrFail(OptionsFor(dir.path()));
    ASSERT_NE(engine, nullptr);
    Scope def;
    for (int i = 0; i < 300; ++i) {
      ASSERT_TRUE(engine->kv().Put(def, "doc" + std::to_string(i),
                                   "document number " + std::to_string(i) + (i % 3 == 0 ? " fizz" : " buzz")).ok());
    }
    ASSERT_TRUE(engine->kv().Put(def, "doc0", "rewritten fizz fizz").ok());
    auto ts = engine->kv().Get(def, "doc0", std::nullopt);
    ASSERT_TRUE(ts.ok() && ts->has_value());
    ASSERT_TRUE(engine->kv().Put(def, "doc0", "rewritten again").ok());
    ASSERT_TRUE(engine->kv().Delete(def, "doc3").ok());
    ASSERT_TRUE(engine->kv().Put(def, std::string(700, 'L'), "a long name fizz").ok());
    ASSERT_TRUE(engine->json().Set(def, "j", "$", Value{{"body", "json fizz text"}}).ok());
    ASSERT_TRUE(engine->events().Append(def, "fizz_event", Value{{"msg", "buzz"}}).ok());
    ASSERT_TRUE(engine->branches().Fork("default", "child").ok());
    Scope child = Scope{"child", ""};
    ASSERT_TRUE(engine->kv().Put(child, "doc6", "child text").ok());
    ASSERT_TRUE(engine->kv().Delete(child, "doc9").ok());
    ASSERT_TRUE(engine->events().Append(child, "child_event", Value{{"msg", "fizz"}}).ok());
    queries = {{def, "fizz", std::nullopt},      {def, "buzz", std::nullopt}, {def, "rewritten", std::nullopt},
               {def, "fizz", (*ts)->timestamp}, {child, "fizz", std::nullopt}, {child, "child", std::nullopt}};
    before = RunQueries(*engine, queries);
  }
  ASSERT_GT(TextKeys(dir.path()), 0u);
  DropIndex(dir.path());
  ASSERT_EQ(TextKeys(dir.path()), 0u);  // now like a directory from before the index

  auto engine = OpenOrFail(OptionsFor(dir.path()));
  ASSERT_NE(engine, nullptr);
  EXPECT_EQ(RunQueries(*engine, queries), before);
  // Writes after the rebuild keep the index up to date.
  ASSERT_TRUE(engine->kv().Put(Scope{}, "doc1", "fresh fizz").ok());
  auto hits = engine->search().Search(Scope{}, "fresh", 10, {}, std::nullopt);
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_EQ((*hits)[0].entity, "doc1");
}

TEST(TextIndexRebuildTest, EphemeralDatabasesAreSearchable) {
  auto engine = OpenOrFail(OptionsFor("", Durability::kEphemeral));
  ASSERT_NE(engine, nullptr);
  ASSERT_TRUE(engine->kv().Put(Scope{}, "k", "in memory words").ok());
  auto hits = engine->search().Search(Scope{}, "memory", 10, {}, std::nullopt);
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_EQ((*hits)[0].snippet, "in [memory] words");
}

}  // namespace
}  // namespace strata::storage

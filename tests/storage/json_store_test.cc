// JsonStore: documents set, read and deleted by path, listed, with
// whole-document history and as_of reads (spec/api.md §7). Real LMDB.
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "storage/engine.h"
#include "tests/storage/engine_test_env.h"

namespace strata::storage {
namespace {

class JsonStoreTest : public testing::EngineTest {
 protected:
  JsonStore& json() { return engine_->json(); }
  uint64_t committed() { return engine_->core().writer().committed_version(); }

  uint64_t MustSet(std::string_view key, std::string_view path, const Value& v) {
    auto r = json().Set(scope_, key, path, v);
    EXPECT_TRUE(r.ok()) << "Set(" << key << ", " << path << "): " << r.status().message();
    return r.ok() ? *r : 0;
  }

  // The value at `path`, or a discarded value when it is missing.
  std::optional<VersionedValue> Get(std::string_view key, std::string_view path = "$",
                                    std::optional<int64_t> as_of = std::nullopt) {
    auto r = json().Get(scope_, key, path, as_of);
    EXPECT_TRUE(r.ok()) << "Get(" << key << ", " << path << "): " << r.status().message();
    return r.ok() ? *r : std::nullopt;
  }

  Value MustGetValue(std::string_view key, std::string_view path = "$") {
    auto got = Get(key, path);
    EXPECT_TRUE(got.has_value()) << key << " " << path << " is missing";
    return got.has_value() ? got->value : Value();
  }
};

Value Parse(const char* json) { return Value::parse(json); }

TEST_F(JsonStoreTest, SetAtRootCreatesTheDocumentAndGetReturnsIt) {
  uint64_t v = MustSet("doc", "$", Parse(R"({"name":"ada","tags":["x"]})"));
  EXPECT_GT(v, 0u);
  auto got = Get("doc");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->value, Parse(R"({"name":"ada","tags":["x"]})"));
  EXPECT_EQ(got->version, v);
  EXPECT_GT(got->timestamp, 0);
  EXPECT_FALSE(got->deleted);
}

TEST_F(JsonStoreTest, SetAtAPathOnAMissingDocumentCreatesItWithIntermediates) {
  MustSet("doc", "$.a.b.c", Value(int64_t{1}));
  EXPECT_EQ(MustGetValue("doc"), Parse(R"({"a":{"b":{"c":1}}})"));
  MustSet("arr", "$[0]", Value("first"));
  EXPECT_EQ(MustGetValue("arr"), Parse(R"(["first"])"));
}

TEST_F(JsonStoreTest, SetBuildsIntermediateArraysAndObjectsOnAMissingDocument) {
  MustSet("doc", "$.items[0].name", Value("first"));
  EXPECT_EQ(MustGetValue("doc"), Parse(R"({"items":[{"name":"first"}]})"));
  MustSet("doc", "$.items[1].name", Value("second"));
  EXPECT_EQ(MustGetValue("doc", "$.items[-1].name"), Value("second"));
  MustSet("grid", "$[0][0]", Value(int64_t{1}));
  EXPECT_EQ(MustGetValue("grid"), Parse("[[1]]"));
}

TEST_F(JsonStoreTest, GetAtAPathReturnsTheSubvalueWithTheDocumentVersion) {
  MustSet("doc", "$", Parse(R"({"a":{"b":[1,2,3]}})"));
  uint64_t v = MustSet("doc", "$.z", Value(true));
  auto got = Get("doc", "$.a.b[-1]");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->value, Value(int64_t{3}));
  EXPECT_EQ(got->version, v);
  EXPECT_EQ(MustGetValue("doc", "$['a'].b[0]"), Value(int64_t{1}));
}

TEST_F(JsonStoreTest, AnEmptyPathOnGetMeansTheRoot) {
  MustSet("doc", "$", Parse(R"({"k":1})"));
  EXPECT_EQ(MustGetValue("doc", ""), Parse(R"({"k":1})"));
}

TEST_F(JsonStoreTest, GetOfAMissingDocumentOrPathIsNullopt) {
  EXPECT_FALSE(Get("nope").has_value());
  MustSet("doc", "$", Parse(R"({"a":{"b":1},"xs":[1]})"));
  EXPECT_FALSE(Get("doc", "$.missing").has_value());
  EXPECT_FALSE(Get("doc", "$.a.b.c").has_value());
  EXPECT_FALSE(Get("doc", "$.xs[1]").has_value());
  EXPECT_FALSE(Get("doc", "$.a[0]").has_value());
}

TEST_F(JsonStoreTest, AStoredNullIsFoundAsNull) {
  MustSet("doc", "$.n", Value(nullptr));
  auto got = Get("doc", "$.n");
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(got->value.is_null());
}

TEST_F(JsonStoreTest, SetAppendsAtTheArrayLengthAndReplacesMinusOne) {
  MustSet("doc", "$.xs", Value::array({int64_t{1}}));
  MustSet("doc", "$.xs[1]", Value(int64_t{2}));
  MustSet("doc", "$.xs[-1]", Value(int64_t{20}));
  EXPECT_EQ(MustGetValue("doc", "$.xs"), Parse("[1,20]"));
}

TEST_F(JsonStoreTest, ATypeClashIsInvalidAndWritesNothing) {
  uint64_t v = MustSet("doc", "$", Parse(R"({"a":"text","xs":[1]})"));
  uint64_t before = committed();
  struct Case {
    const char* path;
    const char* fragment;
  };
  for (const Case& c : {Case{"$.a.b", "type clash"}, Case{"$.xs.k", "type clash"}, Case{"$.a[0]", "type clash"},
                        Case{"$.xs[5]", "out of range"}, Case{"$.xs[2]", "out of range"}}) {
    auto r = json().Set(scope_, "doc", c.path, Value(int64_t{1}));
    ASSERT_FALSE(r.ok()) << c.path;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << c.path;
    EXPECT_NE(r.status().message().find(c.fragment), std::string::npos) << c.path << ": " << r.status().message();
  }
  EXPECT_EQ(committed(), before);
  auto got = Get("doc");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->value, Parse(R"({"a":"text","xs":[1]})"));
  EXPECT_EQ(got->version, v);
  auto h = json().History(scope_, "doc");
  ASSERT_TRUE(h.ok() && h->has_value());
  EXPECT_EQ((*h)->size(), 1u);
}

TEST_F(JsonStoreTest, AMalformedPathIsInvalidWithItsPosition) {
  MustSet("doc", "$", Parse(R"({"a":1})"));
  auto set = json().Set(scope_, "doc", "$..a", Value(int64_t{1}));
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), Code::kInvalidArgument);
  EXPECT_NE(set.status().message().find("position 2"), std::string::npos) << set.status().message();
  auto get = json().Get(scope_, "doc", "$[*]", std::nullopt);
  ASSERT_FALSE(get.ok());
  EXPECT_NE(get.status().message().find("position 2"), std::string::npos) << get.status().message();
  auto del = json().Delete(scope_, "doc", "$.a b");
  ASSERT_FALSE(del.ok());
  EXPECT_NE(del.status().message().find("position 3"), std::string::npos) << del.status().message();
  auto empty_set = json().Set(scope_, "doc", "", Value(int64_t{1}));
  ASSERT_FALSE(empty_set.ok());
  EXPECT_NE(empty_set.status().message().find("position 0"), std::string::npos) << empty_set.status().message();
  EXPECT_EQ(MustGetValue("doc"), Parse(R"({"a":1})"));
}

TEST_F(JsonStoreTest, NonFiniteNumbersAreRejected) {
  double nan = std::numeric_limits<double>::quiet_NaN();
  double inf = std::numeric_limits<double>::infinity();
  uint64_t before = committed();
  Value nested = Parse(R"({"a":[1,{"b":2}]})");
  nested["a"][1]["b"] = nan;
  for (const Value& v : {Value(nan), Value(inf), Value(-inf), nested}) {
    auto r = json().Set(scope_, "doc", "$", v);
    ASSERT_FALSE(r.ok()) << v.dump();
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_NE(r.status().message().find("NaN"), std::string::npos) << r.status().message();
    auto at_path = json().Set(scope_, "doc", "$.x", v);
    ASSERT_FALSE(at_path.ok());
    EXPECT_EQ(at_path.status().code(), Code::kInvalidArgument);
  }
  EXPECT_EQ(committed(), before);
  EXPECT_FALSE(Get("doc").has_value());
}

TEST_F(JsonStoreTest, ABadKeyIsInvalid) {
  for (const std::string& key : {std::string(), std::string("_strata/x"), std::string(1025, 'k')}) {
    auto r = json().Set(scope_, key, "$", Value(int64_t{1}));
    ASSERT_FALSE(r.ok()) << key.size();
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    auto g = json().Get(scope_, key, "$", std::nullopt);
    ASSERT_FALSE(g.ok());
    EXPECT_EQ(g.status().code(), Code::kInvalidArgument);
  }
}

// ---- delete ----

TEST_F(JsonStoreTest, DeleteAtAPathRemovesOneValueAndWritesAVersion) {
  uint64_t v = MustSet("doc", "$", Parse(R"({"a":1,"b":[1,2]})"));
  auto r = json().Delete(scope_, "doc", "$.a");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->removed, 1u);
  EXPECT_GT(r->version, v);
  auto e = json().Delete(scope_, "doc", "$.b[-1]");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->removed, 1u);
  auto got = Get("doc");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->value, Parse(R"({"b":[1]})"));
  EXPECT_EQ(got->version, e->version);
}

TEST_F(JsonStoreTest, DeleteOfAMissingPathRemovesNothingAndWritesNothing) {
  MustSet("doc", "$", Parse(R"({"a":1})"));
  uint64_t before = committed();
  for (const char* path : {"$.zz", "$.a.b", "$[0]"}) {
    auto r = json().Delete(scope_, "doc", path);
    ASSERT_TRUE(r.ok()) << path << ": " << r.status().message();
    EXPECT_EQ(r->removed, 0u) << path;
    EXPECT_EQ(r->version, 0u) << path;
  }
  auto missing_doc = json().Delete(scope_, "nodoc", "$.a");
  ASSERT_TRUE(missing_doc.ok());
  EXPECT_EQ(missing_doc->removed, 0u);
  EXPECT_EQ(committed(), before);
  auto h = json().History(scope_, "doc");
  ASSERT_TRUE(h.ok() && h->has_value());
  EXPECT_EQ((*h)->size(), 1u);
}

TEST_F(JsonStoreTest, DeleteAtTheRootRemovesTheDocument) {
  MustSet("doc", "$", Parse(R"({"a":1})"));
  auto r = json().Delete(scope_, "doc", "$");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->removed, 1u);
  EXPECT_GT(r->version, 0u);
  EXPECT_FALSE(Get("doc").has_value());
  EXPECT_FALSE(Get("doc", "$.a").has_value());
  auto again = json().Delete(scope_, "doc", "$");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->removed, 0u);
  EXPECT_EQ(again->version, 0u);
  // A set after the delete starts a fresh document.
  MustSet("doc", "$.b", Value(int64_t{2}));
  EXPECT_EQ(MustGetValue("doc"), Parse(R"({"b":2})"));
}

// ---- list ----

TEST_F(JsonStoreTest, ListReturnsLiveDocumentsWithThePrefixInOrder) {
  MustSet("user:2", "$", Value(int64_t{2}));
  MustSet("user:1", "$", Value(int64_t{1}));
  MustSet("user:3", "$", Value(int64_t{3}));
  MustSet("team:1", "$", Value(int64_t{1}));
  ASSERT_TRUE(json().Delete(scope_, "user:3", "$").ok());
  auto page = json().List(scope_, "user:", std::nullopt, 100);
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_EQ(page->names, (std::vector<std::string>{"user:1", "user:2"}));
  EXPECT_FALSE(page->has_more);
  auto all = json().List(scope_, "", std::nullopt, 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->names, (std::vector<std::string>{"team:1", "user:1", "user:2"}));
}

TEST_F(JsonStoreTest, ListPagesWithLimitAndAfter) {
  for (const char* k : {"a", "b", "c", "d", "e"}) MustSet(k, "$", Value(int64_t{0}));
  auto first = json().List(scope_, "", std::nullopt, 2);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->names, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(first->has_more);
  auto second = json().List(scope_, "", std::string("b"), 2);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->names, (std::vector<std::string>{"c", "d"}));
  auto last = json().List(scope_, "", std::string("d"), 2);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->names, (std::vector<std::string>{"e"}));
  EXPECT_FALSE(last->has_more);
  auto bad = json().List(scope_, "", std::nullopt, 0);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
}

// ---- history and as_of ----

TEST_F(JsonStoreTest, HistoryHasEveryWholeDocumentVersionNewestFirst) {
  uint64_t v1 = MustSet("doc", "$", Parse(R"({"a":1})"));
  uint64_t v2 = MustSet("doc", "$.b", Value(int64_t{2}));
  auto del = json().Delete(scope_, "doc", "$");
  ASSERT_TRUE(del.ok());
  auto h = json().History(scope_, "doc");
  ASSERT_TRUE(h.ok()) << h.status().message();
  ASSERT_TRUE(h->has_value());
  ASSERT_EQ((*h)->size(), 3u);
  EXPECT_TRUE((**h)[0].deleted);
  EXPECT_TRUE((**h)[0].value.is_null());
  EXPECT_EQ((**h)[0].version, del->version);
  EXPECT_EQ((**h)[1].version, v2);
  EXPECT_EQ((**h)[1].value, Parse(R"({"a":1,"b":2})"));
  EXPECT_EQ((**h)[2].version, v1);
  EXPECT_EQ((**h)[2].value, Parse(R"({"a":1})"));
  auto never = json().History(scope_, "never");
  ASSERT_TRUE(never.ok());
  EXPECT_FALSE(never->has_value());
}

TEST_F(JsonStoreTest, GetAsOfSeesTheDocumentAsItWasThen) {
  MustSet("doc", "$", Parse(R"({"n":1})"));
  int64_t t1 = Get("doc")->timestamp;
  std::this_thread::sleep_for(std::chrono::milliseconds(3));
  MustSet("doc", "$.n", Value(int64_t{2}));
  int64_t t2 = Get("doc")->timestamp;
  ASSERT_LT(t1, t2);
  auto then = Get("doc", "$.n", t1);
  ASSERT_TRUE(then.has_value());
  EXPECT_EQ(then->value, Value(int64_t{1}));
  auto now = Get("doc", "$.n", t2);
  ASSERT_TRUE(now.has_value());
  EXPECT_EQ(now->value, Value(int64_t{2}));
  EXPECT_FALSE(Get("doc", "$", t1 - 1).has_value());
}

// ---- concurrency ----

TEST_F(JsonStoreTest, ConcurrentPathEditsOfOneDocumentLoseNoUpdate) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  MustSet("doc", "$", Value::object());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string path = "$.t" + std::to_string(t) + "[" + std::to_string(i) + "]";
        if (!json().Set(scope_, "doc", path, Value(int64_t{i})).ok()) failures++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  Value doc = MustGetValue("doc");
  ASSERT_EQ(doc.size(), static_cast<size_t>(kThreads));
  for (int t = 0; t < kThreads; ++t) {
    const Value& arr = doc["t" + std::to_string(t)];
    ASSERT_EQ(arr.size(), static_cast<size_t>(kPerThread)) << "t" << t;
    for (int i = 0; i < kPerThread; ++i) EXPECT_EQ(arr[static_cast<size_t>(i)], Value(int64_t{i}));
  }
}

}  // namespace
// The engine's json_document_check sees every document a write would store
// (key, document, encoded size); a refusal is the write's status, and nothing
// is stored, inside a transaction too. stratad refuses documents too large
// for one answer this way (server/json_size_check.h).
TEST(JsonDocumentCheckTest, ARefusedDocumentIsNotStored) {
  testing::ScratchDir dir;
  EngineOptions options = testing::OptionsFor(dir.path());
  std::vector<std::pair<std::string, size_t>> seen;
  options.json_document_check = [&](std::string_view key, const Value& document, size_t encoded_bytes) {
    seen.emplace_back(std::string(key), encoded_bytes);
    EXPECT_EQ(EncodeValue(document).size(), encoded_bytes);
    if (encoded_bytes > 100) return Status::ResourceExhausted("too big: " + std::to_string(encoded_bytes));
    return Status::Ok();
  };
  auto engine = testing::OpenOrFail(options);
  ASSERT_NE(engine, nullptr);
  Scope scope;
  auto v1 = engine->json().Set(scope, "doc", "$", Value::parse(R"({"a":"short"})"));
  ASSERT_TRUE(v1.ok()) << v1.status().message();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].first, "doc");

  auto grown = engine->json().Set(scope, "doc", "$.b", Value(std::string(200, 'x')));
  ASSERT_FALSE(grown.ok());
  EXPECT_EQ(grown.status().code(), Code::kResourceExhausted);
  EXPECT_NE(grown.status().message().find("too big"), std::string::npos) << grown.status().message();
  auto now = engine->json().Get(scope, "doc", "$", std::nullopt);
  ASSERT_TRUE(now.ok() && now->has_value());
  EXPECT_EQ((*now)->value, Value::parse(R"({"a":"short"})"));
  EXPECT_EQ((*now)->version, *v1);
  EXPECT_EQ(engine->core().writer().committed_version(), *v1) << "nothing was committed";

  // A new document too large from the start, and a transaction's write.
  EXPECT_EQ(engine->json().Set(scope, "other", "$.x", Value(std::string(200, 'y'))).status().code(),
            Code::kResourceExhausted);
  auto txn = engine->transactions().Begin("default");
  ASSERT_TRUE(txn.ok()) << txn.status().message();
  Scope in_txn;
  in_txn.txn_id = txn->id;
  EXPECT_EQ(engine->json().Set(in_txn, "doc", "$.b", Value(std::string(200, 'z'))).status().code(),
            Code::kResourceExhausted);
  ASSERT_TRUE(engine->json().Set(in_txn, "doc", "$.c", Value(1)).ok());
  ASSERT_TRUE(engine->transactions().Commit(txn->id).ok());
  now = engine->json().Get(scope, "doc", "$", std::nullopt);
  ASSERT_TRUE(now.ok() && now->has_value());
  EXPECT_EQ((*now)->value, Value::parse(R"({"a":"short","c":1})"));
  EXPECT_EQ(engine->json().Get(scope, "other", "$", std::nullopt)->has_value(), false);
}

}  // namespace strata::storage

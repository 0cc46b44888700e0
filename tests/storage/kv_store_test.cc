// KvStore basics: put, get, overwrite, delete, history, spaces, branches.
#include <gtest/gtest.h>

#include "storage/engine.h"
#include "tests/storage/engine_test_env.h"

namespace strata::storage {
namespace {

using testing::EngineTest;
using KvStoreTest = EngineTest;

TEST_F(KvStoreTest, PutThenGetReturnsTheValueAndItsVersion) {
  uint64_t version = MustPut("greeting", Value("hello"));
  EXPECT_GT(version, 0u);
  auto got = kv().Get(scope_, "greeting", std::nullopt);
  ASSERT_TRUE(got.ok()) << got.status().message();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->value, Value("hello"));
  EXPECT_EQ((*got)->version, version);
  EXPECT_FALSE((*got)->deleted);
  EXPECT_GT((*got)->timestamp, 0);
}

TEST_F(KvStoreTest, OverwriteGetsAHigherVersionAndTheNewValue) {
  uint64_t v1 = MustPut("k", Value(1));
  uint64_t v2 = MustPut("k", Value(2));
  EXPECT_GT(v2, v1);
  auto got = kv().Get(scope_, "k", std::nullopt);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->value, Value(2));
  EXPECT_EQ((*got)->version, v2);
}

TEST_F(KvStoreTest, VersionsAreSharedAcrossKeysAndStrictlyIncrease) {
  uint64_t a = MustPut("a", Value(1));
  uint64_t b = MustPut("b", Value(1));
  uint64_t c = MustPut("a", Value(2));
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
}

TEST_F(KvStoreTest, GetOfMissingKeyReturnsNothing) {
  MustPut("present", Value(true));
  auto got = kv().Get(scope_, "absent", std::nullopt);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_FALSE(got->has_value());
}

TEST_F(KvStoreTest, DeleteOfExistingKeyReportsExistedAndLeavesATombstoneInHistory) {
  uint64_t put_version = MustPut("k", Value("v"));
  auto del = kv().Delete(scope_, "k");
  ASSERT_TRUE(del.ok()) << del.status().message();
  EXPECT_TRUE(del->existed);
  EXPECT_GT(del->version, put_version);

  auto got = kv().Get(scope_, "k", std::nullopt);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());

  auto history = kv().History(scope_, "k");
  ASSERT_TRUE(history.ok()) << history.status().message();
  ASSERT_TRUE(history->has_value());
  ASSERT_EQ((*history)->size(), 2u);
  const VersionedValue& tombstone = (**history)[0];
  EXPECT_TRUE(tombstone.deleted);
  EXPECT_TRUE(tombstone.value.is_null());
  EXPECT_EQ(tombstone.version, del->version);
  EXPECT_FALSE((**history)[1].deleted);
  EXPECT_EQ((**history)[1].value, Value("v"));
  EXPECT_EQ((**history)[1].version, put_version);
}

TEST_F(KvStoreTest, DeleteOfMissingKeyWritesNothing) {
  uint64_t before = MustPut("other", Value(1));
  auto del = kv().Delete(scope_, "never");
  ASSERT_TRUE(del.ok()) << del.status().message();
  EXPECT_FALSE(del->existed);
  EXPECT_EQ(del->version, 0u);

  auto history = kv().History(scope_, "never");
  ASSERT_TRUE(history.ok());
  EXPECT_FALSE(history->has_value()) << "deleting a missing key must not create history";
  auto stats = engine_->Stats("");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->current_version, before) << "no commit version may be spent on a no-op delete";
}

TEST_F(KvStoreTest, DeleteOfAlreadyDeletedKeyReportsNotExisted) {
  MustPut("k", Value(1));
  EXPECT_TRUE(MustDelete("k"));
  auto again = kv().Delete(scope_, "k");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->existed);
  EXPECT_EQ(again->version, 0u);
  auto history = kv().History(scope_, "k");
  ASSERT_TRUE(history.ok());
  ASSERT_TRUE(history->has_value());
  EXPECT_EQ((*history)->size(), 2u) << "a second delete must not add a second tombstone";
}

TEST_F(KvStoreTest, PutAfterDeleteMakesTheKeyLiveAgain) {
  MustPut("k", Value("first"));
  MustDelete("k");
  uint64_t v = MustPut("k", Value("second"));
  auto got = kv().Get(scope_, "k", std::nullopt);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->value, Value("second"));
  EXPECT_EQ((*got)->version, v);
  auto history = kv().History(scope_, "k");
  ASSERT_TRUE(history.ok());
  ASSERT_TRUE(history->has_value());
  ASSERT_EQ((*history)->size(), 3u);
  EXPECT_FALSE((**history)[0].deleted);
  EXPECT_TRUE((**history)[1].deleted);
  EXPECT_FALSE((**history)[2].deleted);
}

TEST_F(KvStoreTest, HistoryOfNeverWrittenKeyReturnsNothing) {
  MustPut("k", Value(1));
  auto history = kv().History(scope_, "never-written");
  ASSERT_TRUE(history.ok()) << history.status().message();
  EXPECT_FALSE(history->has_value());
}

TEST_F(KvStoreTest, HistoryListsEveryVersionNewestFirstWithNonDecreasingTimestamps) {
  std::vector<uint64_t> versions;
  for (int i = 0; i < 5; ++i) versions.push_back(MustPut("k", Value(i)));
  MustPut("unrelated", Value("x"));
  auto history = kv().History(scope_, "k");
  ASSERT_TRUE(history.ok()) << history.status().message();
  ASSERT_TRUE(history->has_value());
  const auto& entries = **history;
  ASSERT_EQ(entries.size(), 5u);
  for (size_t i = 0; i < entries.size(); ++i) {
    // Newest first: entry i is the (4 - i)th put.
    EXPECT_EQ(entries[i].version, versions[4 - i]);
    EXPECT_EQ(entries[i].value, Value(static_cast<int>(4 - i)));
    EXPECT_FALSE(entries[i].deleted);
    if (i > 0) {
      EXPECT_GT(entries[i - 1].version, entries[i].version);
      // Read oldest to newest, timestamps never go backwards.
      EXPECT_GE(entries[i - 1].timestamp, entries[i].timestamp);
    }
  }
}

TEST_F(KvStoreTest, SpacesIsolateKeys) {
  Scope a{"", "a"};
  Scope b{"", "b"};
  MustPut("shared", Value("in a"), a);
  MustPut("shared", Value("in b"), b);
  MustPut("only-a", Value(1), a);

  auto got_a = kv().Get(a, "shared", std::nullopt);
  auto got_b = kv().Get(b, "shared", std::nullopt);
  ASSERT_TRUE(got_a.ok() && got_b.ok());
  ASSERT_TRUE(got_a->has_value() && got_b->has_value());
  EXPECT_EQ((*got_a)->value, Value("in a"));
  EXPECT_EQ((*got_b)->value, Value("in b"));

  auto missing = kv().Get(b, "only-a", std::nullopt);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  auto in_default = kv().Get(scope_, "shared", std::nullopt);
  ASSERT_TRUE(in_default.ok());
  EXPECT_FALSE(in_default->has_value()) << "the default space must not see space a or b";

  auto list_b = kv().List(b, "", std::nullopt, 100, std::nullopt);
  ASSERT_TRUE(list_b.ok());
  EXPECT_EQ(list_b->names, std::vector<std::string>{"shared"});

  EXPECT_TRUE(MustDelete("shared", a));
  auto still_b = kv().Get(b, "shared", std::nullopt);
  ASSERT_TRUE(still_b.ok());
  EXPECT_TRUE(still_b->has_value()) << "a delete in space a must not touch space b";
}

TEST_F(KvStoreTest, ExplicitDefaultNamesMeanTheDefaultScope) {
  MustPut("k", Value(7));
  auto got = kv().Get(Scope{"default", "default"}, "k", std::nullopt);
  ASSERT_TRUE(got.ok()) << got.status().message();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->value, Value(7));
}

TEST_F(KvStoreTest, ReadsOfANeverWrittenSpaceFindNothing) {
  MustPut("k", Value(1));
  Scope fresh{"", "fresh"};
  auto got = kv().Get(fresh, "k", std::nullopt);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_FALSE(got->has_value());
  auto list = kv().List(fresh, "", std::nullopt, 10, std::nullopt);
  ASSERT_TRUE(list.ok()) << list.status().message();
  EXPECT_TRUE(list->names.empty());
  auto history = kv().History(fresh, "k");
  ASSERT_TRUE(history.ok());
  EXPECT_FALSE(history->has_value());
}

TEST_F(KvStoreTest, UnknownBranchIsNotFoundForEveryOperation) {
  Scope nowhere{"no-such-branch", ""};
  uint64_t version = MustPut("k", Value(1));
  auto put = kv().Put(nowhere, "k", Value(1));
  EXPECT_EQ(put.status().code(), Code::kNotFound) << put.status().message();
  EXPECT_NE(put.status().message().find("no-such-branch"), std::string::npos) << put.status().message();
  EXPECT_EQ(kv().Get(nowhere, "k", std::nullopt).status().code(), Code::kNotFound);
  EXPECT_EQ(kv().Delete(nowhere, "k").status().code(), Code::kNotFound);
  EXPECT_EQ(kv().List(nowhere, "", std::nullopt, 10, std::nullopt).status().code(), Code::kNotFound);
  EXPECT_EQ(kv().History(nowhere, "k").status().code(), Code::kNotFound);
  // Nothing was written by the failed put.
  auto got = kv().Get(scope_, "k", std::nullopt);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->version, version);
  EXPECT_EQ((*got)->value, Value(1));
}

}  // namespace
}  // namespace strata::storage

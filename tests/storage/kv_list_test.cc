// KvStore::List: bytewise order, prefixes, `after`, deleted keys and long keys.
#include <algorithm>

#include <gtest/gtest.h>

#include "storage/engine.h"
#include "tests/storage/engine_test_env.h"

namespace strata::storage {
namespace {

using testing::EngineTest;

class KvListTest : public EngineTest {
 protected:
  // Every name under `prefix`, page by page; fails if paging does not end.
  std::vector<std::string> ListAll(std::string_view prefix, size_t page_size) {
    std::vector<std::string> out;
    std::optional<std::string> after;
    for (int pages = 0; pages < 10000; ++pages) {
      auto page = kv().List(scope_, prefix, after, page_size, std::nullopt);
      EXPECT_TRUE(page.ok()) << page.status().message();
      if (!page.ok()) return out;
      EXPECT_LE(page->names.size(), page_size);
      out.insert(out.end(), page->names.begin(), page->names.end());
      if (!page->has_more) return out;
      EXPECT_FALSE(page->names.empty()) << "a page with has_more must name where to continue";
      if (page->names.empty()) return out;
      after = page->names.back();
    }
    ADD_FAILURE() << "listing did not end";
    return out;
  }
};

TEST_F(KvListTest, ListsKeysInBytewiseOrder) {
  // Inserted out of order; includes multi-byte UTF-8 (which sorts after ASCII
  // bytewise), a control byte and keys that are prefixes of one another.
  std::vector<std::string> keys = {"b", "ab", "a", std::string("a\x01", 2), "a ", "Z", "\xc3\xa9t\xc3\xa9",
                                   "\xe6\x97\xa5\xe6\x9c\xac", "\xf0\x9f\x98\x80", "z", "aa", "A", "0", "~"};
  for (const auto& k : keys) MustPut(k, Value(k));
  std::vector<std::string> expected = keys;
  std::sort(expected.begin(), expected.end());  // std::string compares bytewise as unsigned char
  auto page = kv().List(scope_, "", std::nullopt, 100, std::nullopt);
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_EQ(page->names, expected);
  EXPECT_FALSE(page->has_more);
  // Spot checks of the order the spec asks for.
  auto pos = [&](const std::string& k) { return std::find(page->names.begin(), page->names.end(), k); };
  EXPECT_LT(pos("a"), pos(std::string("a\x01", 2)));
  EXPECT_LT(pos(std::string("a\x01", 2)), pos("ab"));
  EXPECT_LT(pos("z"), pos("\xc3\xa9t\xc3\xa9"));
  EXPECT_LT(pos("\xc3\xa9t\xc3\xa9"), pos("\xe6\x97\xa5\xe6\x9c\xac"));
  EXPECT_LT(pos("\xe6\x97\xa5\xe6\x9c\xac"), pos("\xf0\x9f\x98\x80"));
}

TEST_F(KvListTest, PrefixSelectsOnlyMatchingKeys) {
  for (const char* k : {"user/1", "user/2", "user/10", "users", "use", "admin/1", "user/\xc3\xa9"}) {
    MustPut(k, Value(1));
  }
  auto page = kv().List(scope_, "user/", std::nullopt, 100, std::nullopt);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->names, (std::vector<std::string>{"user/1", "user/10", "user/2", "user/\xc3\xa9"}));
  auto exact = kv().List(scope_, "users", std::nullopt, 100, std::nullopt);
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->names, std::vector<std::string>{"users"});
  auto none = kv().List(scope_, "nobody", std::nullopt, 100, std::nullopt);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->names.empty());
  EXPECT_FALSE(none->has_more);
}

TEST_F(KvListTest, DeletedKeysAreNotListed) {
  for (const char* k : {"a", "b", "c", "d"}) MustPut(k, Value(1));
  MustDelete("b");
  MustDelete("d");
  EXPECT_EQ(ListAll("", 100), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(ListAll("", 1), (std::vector<std::string>{"a", "c"}));
}

TEST_F(KvListTest, AfterIsExclusiveAndNeedNotBeAnExistingKey) {
  for (const char* k : {"a", "b", "c", "d"}) MustPut(k, Value(1));
  auto from_b = kv().List(scope_, "", std::string("b"), 100, std::nullopt);
  ASSERT_TRUE(from_b.ok());
  EXPECT_EQ(from_b->names, (std::vector<std::string>{"c", "d"}));
  auto from_bb = kv().List(scope_, "", std::string("bb"), 100, std::nullopt);
  ASSERT_TRUE(from_bb.ok());
  EXPECT_EQ(from_bb->names, (std::vector<std::string>{"c", "d"}));
  auto from_end = kv().List(scope_, "", std::string("zzz"), 100, std::nullopt);
  ASSERT_TRUE(from_end.ok());
  EXPECT_TRUE(from_end->names.empty());
  EXPECT_FALSE(from_end->has_more);
}

TEST_F(KvListTest, AfterAKeyStillListsKeysThatExtendIt) {
  // "a\x01" and "ab" both extend "a": continuing after "a" must not skip them.
  for (const std::string& k : {std::string("a"), std::string("a\x01", 2), std::string("ab"), std::string("b")}) {
    MustPut(k, Value(1));
  }
  auto page = kv().List(scope_, "", std::string("a"), 100, std::nullopt);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->names, (std::vector<std::string>{std::string("a\x01", 2), "ab", "b"}));
}

TEST_F(KvListTest, PagesOfEverySizeConcatenateToTheFullListing) {
  std::vector<std::string> keys;
  for (int i = 0; i < 37; ++i) keys.push_back("k" + std::to_string(i * 7919 % 1000));
  for (const auto& k : keys) MustPut(k, Value(1));
  std::sort(keys.begin(), keys.end());
  for (size_t size : {1u, 2u, 3u, 5u, 36u, 37u, 38u, 1000u}) {
    EXPECT_EQ(ListAll("k", size), keys) << "page size " << size;
  }
}

TEST_F(KvListTest, HasMoreIsFalseWhenTheLastPageIsExactlyFull) {
  for (const char* k : {"a", "b", "c"}) MustPut(k, Value(1));
  auto page = kv().List(scope_, "", std::nullopt, 3, std::nullopt);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->names.size(), 3u);
  EXPECT_FALSE(page->has_more);
  auto smaller = kv().List(scope_, "", std::nullopt, 2, std::nullopt);
  ASSERT_TRUE(smaller.ok());
  EXPECT_TRUE(smaller->has_more);
}

TEST_F(KvListTest, KeysOf1024BytesRoundTripAndList) {
  std::string k1(1024, 'a');
  std::string k2 = std::string(1023, 'a') + "b";
  std::string k3 = std::string(1000, 'a');
  uint64_t v1 = MustPut(k1, Value(1));
  MustPut(k2, Value(2));
  MustPut(k3, Value(3));
  auto got = kv().Get(scope_, k1, std::nullopt);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->value, Value(1));
  EXPECT_EQ((*got)->version, v1);
  auto got2 = kv().Get(scope_, k2, std::nullopt);
  ASSERT_TRUE(got2.ok() && got2->has_value());
  EXPECT_EQ((*got2)->value, Value(2));

  EXPECT_EQ(ListAll("", 100), (std::vector<std::string>{k3, k1, k2}));
  auto history = kv().History(scope_, k1);
  ASSERT_TRUE(history.ok() && history->has_value());
  EXPECT_EQ((*history)->size(), 1u);
  EXPECT_TRUE(MustDelete(k1));
  EXPECT_EQ(ListAll("", 100), (std::vector<std::string>{k3, k2}));
}

TEST_F(KvListTest, LongKeysSharingTheirFirst500BytesListInBytewiseOrderAcrossPages) {
  // Names longer than the inline limit are grouped by their first 448 bytes and
  // ordered by hash inside the group on disk; List must still give bytewise order.
  const std::string common(500, 'p');
  std::vector<std::string> keys;
  for (int i = 0; i < 40; ++i) {
    std::string tail = std::to_string((i * 37) % 101);
    keys.push_back(common + tail);
    if (i % 5 == 0) keys.push_back(common + tail + std::string(200, 'x'));
  }
  // Neighbours just outside the group: shorter, and differing before byte 448.
  keys.push_back(common.substr(0, 448));
  keys.push_back(common.substr(0, 447));
  keys.push_back(std::string(447, 'p') + "q" + std::string(100, 'r'));
  keys.push_back(std::string(447, 'p') + "o" + std::string(100, 'r'));
  keys.push_back(std::string(200, 'p') + "a");
  for (const auto& k : keys) MustPut(k, Value(static_cast<int64_t>(k.size())));
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());

  EXPECT_EQ(ListAll("", 3), keys);
  EXPECT_EQ(ListAll("", 1), keys);
  EXPECT_EQ(ListAll("", 1000), keys);

  // A prefix longer than the inline part selects inside the group.
  std::vector<std::string> under;
  for (const auto& k : keys) {
    if (k.compare(0, common.size() + 1, common + "1") == 0) under.push_back(k);
  }
  ASSERT_FALSE(under.empty());
  EXPECT_EQ(ListAll(common + "1", 3), under);

  // Deleting some group members keeps the order of the rest.
  std::vector<std::string> remaining;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i % 3 == 1) {
      EXPECT_TRUE(MustDelete(keys[i]));
    } else {
      remaining.push_back(keys[i]);
    }
  }
  EXPECT_EQ(ListAll("", 3), remaining);
}

TEST_F(KvListTest, LongKeysRoundTripTheirFullName) {
  std::string a = std::string(448, 'x') + "a";
  std::string b = std::string(448, 'x') + "b";
  MustPut(a, Value("A"));
  MustPut(b, Value("B"));
  auto got_a = kv().Get(scope_, a, std::nullopt);
  auto got_b = kv().Get(scope_, b, std::nullopt);
  ASSERT_TRUE(got_a.ok() && got_a->has_value());
  ASSERT_TRUE(got_b.ok() && got_b->has_value());
  EXPECT_EQ((*got_a)->value, Value("A"));
  EXPECT_EQ((*got_b)->value, Value("B"));
  auto missing = kv().Get(scope_, std::string(448, 'x') + "c", std::nullopt);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value()) << "a long name must not match another with the same first 448 bytes";
  EXPECT_EQ(ListAll("", 1), (std::vector<std::string>{a, b}));
}

}  // namespace
}  // namespace strata::storage

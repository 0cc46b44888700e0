// List pagination under concurrent change: a walk with `after` never repeats a
// key and never skips a key that existed throughout, whatever is written
// between pages (spec/api.md §4). Randomized, seeded, bounded.
#include <algorithm>
#include <map>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "storage/engine.h"
#include "tests/storage/engine_test_env.h"

namespace strata::storage {
namespace {

using testing::OpenOrFail;
using testing::OptionsFor;
using testing::ScratchDir;

enum class KeyShape { kShort, kLongSharedPrefix };

struct WalkCase {
  uint32_t seed;
  KeyShape shape;
};

std::string RandomKey(std::mt19937& rng, KeyShape shape) {
  static const std::vector<std::string> kAlphabet = {"a", "b", "c", "/", "\x01", "\xc3\xa9", "\xe2\x82\xac", "z"};
  std::uniform_int_distribution<size_t> len(1, 6);
  std::uniform_int_distribution<size_t> pick(0, kAlphabet.size() - 1);
  std::string key;
  if (shape == KeyShape::kLongSharedPrefix) {
    // Most keys share 460 bytes (so they fall in one long-name group); some
    // share only part of it, some are short.
    std::uniform_int_distribution<int> kind(0, 9);
    int k = kind(rng);
    if (k < 7) {
      key = std::string(460, 'L');
    } else if (k < 9) {
      key = std::string(440, 'L');
    }
  }
  size_t n = len(rng);
  for (size_t i = 0; i < n; ++i) key += kAlphabet[pick(rng)];
  return key;
}

void PrintTo(const WalkCase& c, std::ostream* os) {
  *os << (c.shape == KeyShape::kShort ? "short keys" : "long keys sharing 460 bytes") << ", seed " << c.seed;
}

class KvPaginationTest : public ::testing::TestWithParam<WalkCase> {};

TEST_P(KvPaginationTest, WalkWithWritesBetweenPagesNeverRepeatsOrSkipsStableKeys) {
  const WalkCase param = GetParam();
  ScratchDir dir;
  // Relaxed: this test is about listing, not fsync; it makes many small writes.
  auto engine = OpenOrFail(OptionsFor(dir.path(), Durability::kRelaxed));
  ASSERT_NE(engine, nullptr);
  KvStore& kv = engine->kv();
  Scope scope;
  std::mt19937 rng(param.seed);

  std::map<std::string, bool> live;  // key -> live now
  std::set<std::string> stable;      // never deleted during the walk
  auto put = [&](const std::string& key) {
    auto v = kv.Put(scope, key, Value(key.size()));
    ASSERT_TRUE(v.ok()) << v.status().message();
    live[key] = true;
  };
  auto del = [&](const std::string& key) {
    auto r = kv.Delete(scope, key);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->existed, live[key]);
    live[key] = false;
  };

  for (int i = 0; i < 150; ++i) {
    std::string key = RandomKey(rng, param.shape);
    ASSERT_NO_FATAL_FAILURE(put(key));
  }
  // A few keys are deleted before the walk starts: they must not come back by themselves.
  std::uniform_int_distribution<int> coin(0, 3);
  for (auto& [key, is_live] : live) {
    if (coin(rng) == 0) {
      ASSERT_NO_FATAL_FAILURE(del(key));
    } else if (coin(rng) < 2) {
      stable.insert(key);
    }
  }
  ASSERT_GT(stable.size(), 10u);

  std::vector<std::string> seen;
  std::optional<std::string> after;
  std::uniform_int_distribution<size_t> page_size(1, 7);
  std::uniform_int_distribution<int> ops(0, 4);
  std::uniform_int_distribution<int> op_kind(0, 3);
  int pages = 0;
  for (; pages < 2000; ++pages) {
    size_t limit = page_size(rng);
    auto page = kv.List(scope, "", after, limit, std::nullopt);
    ASSERT_TRUE(page.ok()) << page.status().message();
    ASSERT_LE(page->names.size(), limit);
    for (const auto& name : page->names) {
      EXPECT_TRUE(live[name]) << "listed a key that was not live when the page was read";
    }
    seen.insert(seen.end(), page->names.begin(), page->names.end());
    if (!page->has_more) break;
    ASSERT_FALSE(page->names.empty());
    after = page->names.back();

    // Change the data between pages: new keys, deletes of unstable keys,
    // overwrites of stable keys, revivals of deleted keys.
    int n = ops(rng);
    for (int i = 0; i < n; ++i) {
      switch (op_kind(rng)) {
        case 0: {
          std::string key = RandomKey(rng, param.shape);
          if (!stable.count(key)) {
            ASSERT_NO_FATAL_FAILURE(put(key));
          }
          break;
        }
        case 1: {
          std::vector<std::string> candidates;
          for (auto& [key, is_live] : live) {
            if (is_live && !stable.count(key)) candidates.push_back(key);
          }
          if (!candidates.empty()) {
            std::uniform_int_distribution<size_t> pick(0, candidates.size() - 1);
            ASSERT_NO_FATAL_FAILURE(del(candidates[pick(rng)]));
          }
          break;
        }
        case 2: {
          auto it = stable.begin();
          std::advance(it, std::uniform_int_distribution<size_t>(0, stable.size() - 1)(rng));
          ASSERT_NO_FATAL_FAILURE(put(*it));
          break;
        }
        default: {
          std::vector<std::string> dead;
          for (auto& [key, is_live] : live) {
            if (!is_live) dead.push_back(key);
          }
          if (!dead.empty()) {
            ASSERT_NO_FATAL_FAILURE(put(dead[std::uniform_int_distribution<size_t>(0, dead.size() - 1)(rng)]));
          }
          break;
        }
      }
    }
  }
  ASSERT_LT(pages, 2000) << "the walk did not end";

  for (size_t i = 1; i < seen.size(); ++i) {
    ASSERT_LT(seen[i - 1], seen[i]) << "keys repeated or out of bytewise order at position " << i;
  }
  for (const auto& key : stable) {
    EXPECT_EQ(std::count(seen.begin(), seen.end(), key), 1) << "stable key skipped: size " << key.size();
  }
}

std::vector<WalkCase> Cases() {
  std::vector<WalkCase> out;
  for (uint32_t seed : {1u, 2u, 3u, 4u}) {
    out.push_back({seed, KeyShape::kShort});
    out.push_back({seed, KeyShape::kLongSharedPrefix});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Seeds, KvPaginationTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<WalkCase>& info) {
                           return std::string(info.param.shape == KeyShape::kShort ? "Short" : "LongSharedPrefix") +
                                  "Seed" + std::to_string(info.param.seed);
                         });

}  // namespace
}  // namespace strata::storage

// Branch diff (spec/api.md §9): per (space, primitive, key), with values on
// both sides, read from the change index so the cost follows the change.
// Real LMDB in a temporary directory.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/change_index.h"
#include "storage/engine.h"
#include "storage/versioned_names.h"
#include "tests/storage/engine_test_env.h"

namespace strata::storage {
namespace {

class BranchDiffTest : public testing::EngineTest {
 protected:
  BranchStore& branches() { return engine_->branches(); }
  Scope On(std::string_view branch, std::string_view space = "") {
    return Scope{std::string(branch), std::string(space)};
  }
  void Fork(std::string_view s, std::string_view d) {
    auto r = branches().Fork(s, d);
    ASSERT_TRUE(r.ok()) << r.status().message();
  }
  void Put(std::string_view branch, std::string_view key, const Value& v, std::string_view space = "") {
    auto r = kv().Put(On(branch, space), key, v);
    ASSERT_TRUE(r.ok()) << r.status().message();
  }
  BranchDiff Diff(std::string_view a, std::string_view b) {
    auto r = branches().Diff(a, b);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : BranchDiff{};
  }
  static const BranchDiffEntry* Find(const BranchDiff& d, std::string_view primitive, std::string_view key,
                                     std::string_view space = "default") {
    for (const auto& e : d.entries) {
      if (e.primitive == primitive && e.key == key && e.space == space) return &e;
    }
    return nullptr;
  }
};

TEST_F(BranchDiffTest, KvAddedRemovedModifiedAfterFork) {
  Put("default", "same", 1);
  Put("default", "mod", 1);
  Put("default", "gone", 1);
  Fork("default", "child");
  Put("child", "mod", 2);
  Put("child", "new", "x");
  ASSERT_TRUE(kv().Delete(On("child"), "gone").ok());
  BranchDiff d = Diff("default", "child");
  EXPECT_FALSE(d.unrelated);
  EXPECT_EQ(d.added, 1u);
  EXPECT_EQ(d.removed, 1u);
  EXPECT_EQ(d.modified, 1u);
  ASSERT_EQ(d.entries.size(), 3u);
  auto* mod = Find(d, "kv", "mod");
  ASSERT_NE(mod, nullptr);
  EXPECT_EQ(mod->change, "modified");
  EXPECT_EQ(mod->value_a, Value(1));
  EXPECT_EQ(mod->value_b, Value(2));
  auto* added = Find(d, "kv", "new");
  ASSERT_NE(added, nullptr);
  EXPECT_EQ(added->change, "added");
  EXPECT_TRUE(added->value_a.is_null());
  auto* removed = Find(d, "kv", "gone");
  ASSERT_NE(removed, nullptr);
  EXPECT_EQ(removed->change, "removed");
  EXPECT_EQ(removed->value_a, Value(1));
  // Reversed: added and removed swap.
  BranchDiff r = Diff("child", "default");
  EXPECT_EQ(r.added, 1u);
  EXPECT_EQ(r.removed, 1u);
  EXPECT_EQ(r.modified, 1u);
}

TEST_F(BranchDiffTest, ChangesOnBothSidesSinceTheFork) {
  Put("default", "k", 1);
  Fork("default", "child");
  Put("default", "k", 5);        // parent changed after the fork
  Put("default", "p-only", 1);   // parent added after the fork
  BranchDiff d = Diff("default", "child");
  EXPECT_EQ(d.entries.size(), 2u);
  auto* k = Find(d, "kv", "k");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->change, "modified");
  auto* p = Find(d, "kv", "p-only");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->change, "removed");  // in a only
}

TEST_F(BranchDiffTest, TypeStrictComparison) {
  Put("default", "n", 1);
  Fork("default", "child");
  Put("child", "n", 1.0);  // 1 and 1.0 differ
  BranchDiff d = Diff("default", "child");
  ASSERT_EQ(d.entries.size(), 1u);
  EXPECT_EQ(d.entries[0].change, "modified");
  // Writing the same value back is no difference.
  Fork("default", "child2");
  Put("child2", "n", 1);
  EXPECT_TRUE(Diff("default", "child2").entries.empty());
}

TEST_F(BranchDiffTest, EveryPrimitiveAndSpaces) {
  Fork("default", "child");
  ASSERT_TRUE(engine_->state().Put(On("child"), "cell", 7).ok());
  ASSERT_TRUE(engine_->json().Set(On("child"), "doc", "$", Value{{"a", 1}}).ok());
  ASSERT_TRUE(engine_->events().Append(On("child"), "t", Value{{"x", 1}}).ok());
  Put("child", "k", true, "other");
  BranchDiff d = Diff("default", "child");
  EXPECT_EQ(d.added, 4u);
  auto* cell = Find(d, "state", "cell");
  ASSERT_NE(cell, nullptr);
  EXPECT_EQ(cell->value_b, Value(7));
  auto* doc = Find(d, "json", "doc");
  ASSERT_NE(doc, nullptr);
  EXPECT_EQ(doc->value_b, (Value{{"a", 1}}));
  auto* ev = Find(d, "event", "0");
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ(ev->value_b["event_type"], "t");
  EXPECT_EQ(ev->value_b["value"], (Value{{"x", 1}}));
  auto* other = Find(d, "kv", "k", "other");
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->change, "added");
}

// A forced space delete on a fork hides what it inherited there without
// change entries; the diff listed the space's keys as removed but not its
// events, though the fork's log for the space was empty.
TEST_F(BranchDiffTest, AForcedSpaceDeleteOnAForkShowsItsInheritedEventsRemoved) {
  Put("default", "k", 1, "sp");
  ASSERT_TRUE(engine_->events().Append(On("default", "sp"), "audit", Value{{"n", 1}}).ok());
  ASSERT_TRUE(engine_->events().Append(On("default", "sp"), "audit", Value{{"n", 2}}).ok());
  Fork("default", "fork");
  ASSERT_TRUE(engine_->spaces().Delete("fork", "sp", true).ok());
  BranchDiff d = Diff("default", "fork");
  ASSERT_NE(Find(d, "kv", "k", "sp"), nullptr);
  for (const char* seq : {"0", "1"}) {
    auto* ev = Find(d, "event", seq, "sp");
    ASSERT_NE(ev, nullptr) << "event " << seq;
    EXPECT_EQ(ev->change, "removed");
    EXPECT_EQ(ev->value_a["event_type"], "audit");
  }
  EXPECT_EQ(d.removed, 3u);
  // A merge of the fork back appends no event and removes none: events are
  // appended from the change index only.
  auto merged = branches().Merge("fork", "default", "");
  ASSERT_TRUE(merged.ok()) << merged.status().message();
  auto len = engine_->events().Len(On("default", "sp"), std::nullopt);
  ASSERT_TRUE(len.ok());
  EXPECT_EQ(*len, 2u);
}

TEST_F(BranchDiffTest, GrandchildReadsThroughTwoLayers) {
  Put("default", "a", 1);
  Fork("default", "mid");
  Put("mid", "b", 2);
  Fork("mid", "leaf");
  Put("leaf", "c", 3);
  BranchDiff d = Diff("default", "leaf");
  EXPECT_EQ(d.added, 2u);
  EXPECT_NE(Find(d, "kv", "b"), nullptr);
  EXPECT_NE(Find(d, "kv", "c"), nullptr);
  // Siblings: changes on both sides of their common ancestor.
  Fork("default", "sib");
  Put("sib", "s", 1);
  BranchDiff s = Diff("sib", "leaf");
  EXPECT_EQ(s.added, 2u);
  EXPECT_EQ(s.removed, 1u);
}

TEST_F(BranchDiffTest, UnrelatedBranchesCompareEverything) {
  ASSERT_TRUE(branches().Create("x").ok());
  ASSERT_TRUE(branches().Create("y").ok());
  Put("x", "both", 1);
  Put("y", "both", 2);
  Put("x", "xonly", 1);
  Put("y", "yonly", 1);
  Put("x", "same", "s");
  Put("y", "same", "s");
  BranchDiff d = Diff("x", "y");
  EXPECT_TRUE(d.unrelated);
  EXPECT_EQ(d.added, 1u);
  EXPECT_EQ(d.removed, 1u);
  EXPECT_EQ(d.modified, 1u);
}

TEST_F(BranchDiffTest, MissingBranchIsNotFound) {
  auto r = branches().Diff("default", "nope");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
}

// A child with 10 changes over a parent of 20k keys: the diff visits only the
// child's 10 change-index entries and returns only those 10.
TEST_F(BranchDiffTest, CostFollowsTheChangeNotTheData) {
  // 20k keys in one commit (one fsync).
  EngineCore& core = engine_->core();
  Status st = core.writer().Run([&](WriteContext& ctx) -> Status {
    auto target = core.ResolveWrite(ctx, On("default"));
    if (!target.ok()) return target.status();
    for (int i = 0; i < 20000; ++i) {
      auto v = VersionedNames::Put(core, ctx, *target, Primitive::kKv, "key-" + std::to_string(i), EncodeValue(i));
      if (!v.ok()) return v.status();
    }
    return Status::Ok();
  });
  ASSERT_TRUE(st.ok()) << st.message();
  Fork("default", "child");
  for (int i = 0; i < 10; ++i) Put("child", "key-" + std::to_string(i * 1000), "changed");
  uint64_t before = ChangeIndex::entries_visited();
  BranchDiff d = Diff("default", "child");
  uint64_t visited = ChangeIndex::entries_visited() - before;
  EXPECT_EQ(d.entries.size(), 10u);
  EXPECT_EQ(d.modified, 10u);
  EXPECT_EQ(visited, 10u);
}

}  // namespace
}  // namespace strata::storage

// Branches (spec/api.md §9): create, fork, get, list, exists, delete, and
// reads through the layers for every primitive. Real LMDB in a temporary directory.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/engine.h"
#include "tests/storage/engine_test_env.h"

namespace strata::storage {
namespace {

class BranchStoreTest : public testing::EngineTest {
 protected:
  BranchStore& branches() { return engine_->branches(); }

  ForkResult MustFork(std::string_view source, std::string_view dest) {
    auto r = branches().Fork(source, dest);
    EXPECT_TRUE(r.ok()) << "Fork(" << source << ", " << dest << "): " << r.status().message();
    return r.ok() ? *r : ForkResult{};
  }

  void MustDeleteBranch(std::string_view name) {
    auto r = branches().Delete(name);
    EXPECT_TRUE(r.ok()) << "Delete(" << name << "): " << r.status().message();
  }

  // The KV value of `key` on `branch` (space `space`), or null when absent.
  Value Get(std::string_view branch, std::string_view key, std::string_view space = "") {
    auto r = kv().Get(Scope{std::string(branch), std::string(space)}, key, std::nullopt);
    EXPECT_TRUE(r.ok()) << "Get(" << branch << ", " << key << "): " << r.status().message();
    if (!r.ok() || !r->has_value()) return Value();
    return (*r)->value;
  }

  std::vector<std::string> Keys(std::string_view branch, std::string_view prefix = "") {
    auto r = kv().List(Scope{std::string(branch), ""}, prefix, std::nullopt, 10000, std::nullopt);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? r->names : std::vector<std::string>{};
  }

  Scope On(std::string_view branch, std::string_view space = "") {
    return Scope{std::string(branch), std::string(space)};
  }
};

TEST_F(BranchStoreTest, DefaultExistsAndIsListed) {
  auto list = branches().List();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, std::vector<std::string>{"default"});
  EXPECT_TRUE(*branches().Exists("default"));
  auto info = branches().Get("default");
  ASSERT_TRUE(info.ok()) << info.status().message();
  EXPECT_EQ(info->name, "default");
  EXPECT_EQ(info->parent, "");
  EXPECT_EQ(info->fork_version, 0u);
  EXPECT_GT(info->created_at, 0);
}

TEST_F(BranchStoreTest, CreateMakesAnEmptyBranch) {
  MustPut("k", Value(1));
  auto created = branches().Create("empty");
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_EQ(created->name, "empty");
  EXPECT_EQ(created->parent, "");
  EXPECT_TRUE(Get("empty", "k").is_null());
  EXPECT_TRUE(Keys("empty").empty());
  MustPut("mine", Value("x"), On("empty"));
  EXPECT_EQ(Get("empty", "mine"), Value("x"));
  EXPECT_TRUE(Get("default", "mine").is_null());
  auto list = branches().List();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, (std::vector<std::string>{"default", "empty"}));
  auto spaces = engine_->spaces().List("empty");
  ASSERT_TRUE(spaces.ok());
  EXPECT_EQ(*spaces, std::vector<std::string>{"default"});
}

TEST_F(BranchStoreTest, NamesAreCheckedAndUnique) {
  ASSERT_TRUE(branches().Create("feature").ok());
  auto again = branches().Create("feature");
  EXPECT_EQ(again.status().code(), Code::kAlreadyExists);
  EXPECT_NE(again.status().message().find("feature"), std::string::npos);
  EXPECT_EQ(branches().Fork("default", "feature").status().code(), Code::kAlreadyExists);
  EXPECT_EQ(branches().Create("default").status().code(), Code::kAlreadyExists);
  EXPECT_EQ(branches().Create("").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(branches().Create("/lead").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(branches().Create(std::string(256, 'a')).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(branches().Create(std::string("nul\0byte", 8)).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(branches().Fork("nope", "x").status().code(), Code::kNotFound);
  EXPECT_EQ(branches().Get("nope").status().code(), Code::kNotFound);
  EXPECT_FALSE(*branches().Exists("nope"));
  EXPECT_FALSE(*branches().Exists("x")) << "a failed fork must leave nothing behind";
}

TEST_F(BranchStoreTest, ForkRecordsParentAndVersion) {
  uint64_t put = MustPut("k", Value(1));
  ForkResult fork = MustFork("default", "child");
  EXPECT_EQ(fork.source, "default");
  EXPECT_EQ(fork.destination, "child");
  EXPECT_GT(fork.version, put);
  auto info = branches().Get("child");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->parent, "default");
  EXPECT_EQ(info->fork_version, fork.version);
  uint64_t after = MustPut("k2", Value(2));
  EXPECT_GT(after, fork.version) << "versions stay database-wide";
}

TEST_F(BranchStoreTest, ForkIsIsolatedBothWays) {
  MustPut("shared", Value("before"));
  MustPut("gone-in-child", Value(1));
  MustFork("default", "child");
  EXPECT_EQ(Get("child", "shared"), Value("before"));

  MustPut("shared", Value("child-value"), On("child"));
  MustPut("child-only", Value(true), On("child"));
  ASSERT_TRUE(kv().Delete(On("child"), "gone-in-child").ok());
  MustPut("shared", Value("parent-value"));
  MustPut("parent-only", Value(1));

  EXPECT_EQ(Get("child", "shared"), Value("child-value"));
  EXPECT_EQ(Get("default", "shared"), Value("parent-value"));
  EXPECT_TRUE(Get("default", "child-only").is_null());
  EXPECT_TRUE(Get("child", "parent-only").is_null());
  EXPECT_TRUE(Get("child", "gone-in-child").is_null());
  EXPECT_EQ(Get("default", "gone-in-child"), Value(1));
  EXPECT_EQ(Keys("child"), (std::vector<std::string>{"child-only", "shared"}));
  EXPECT_EQ(Keys("default"), (std::vector<std::string>{"gone-in-child", "parent-only", "shared"}));
}

TEST_F(BranchStoreTest, ChildHistoryIncludesTheParentsUpToTheFork) {
  uint64_t v1 = MustPut("k", Value(1));
  MustFork("default", "child");
  MustPut("k", Value(99));  // parent, after the fork
  uint64_t v3 = MustPut("k", Value(3), On("child"));
  auto history = kv().History(On("child"), "k");
  ASSERT_TRUE(history.ok() && history->has_value());
  ASSERT_EQ((*history)->size(), 2u);
  EXPECT_EQ((**history)[0].version, v3);
  EXPECT_EQ((**history)[1].version, v1);
}

TEST_F(BranchStoreTest, EveryPrimitiveReadsThroughTheLayers) {
  ASSERT_TRUE(engine_->state().Put({}, "cell", Value(7)).ok());
  ASSERT_TRUE(engine_->json().Set({}, "doc", "$", Value::parse(R"({"a": {"b": 1}})")).ok());
  ASSERT_TRUE(engine_->events().Append({}, "t", Value("e0")).ok());
  MustPut("k", Value("kv"), On("", "other"));
  MustFork("default", "child");

  auto cell = engine_->state().Get(On("child"), "cell", std::nullopt);
  ASSERT_TRUE(cell.ok() && cell->has_value());
  EXPECT_EQ((*cell)->value, Value(7));
  auto doc = engine_->json().Get(On("child"), "doc", "$.a.b", std::nullopt);
  ASSERT_TRUE(doc.ok() && doc->has_value()) << doc.status().message();
  EXPECT_EQ((*doc)->value, Value(1));
  auto ev = engine_->events().Get(On("child"), 0, std::nullopt);
  ASSERT_TRUE(ev.ok() && ev->has_value());
  EXPECT_EQ((*ev)->payload, Value("e0"));
  EXPECT_EQ(Get("child", "k", "other"), Value("kv"));
  auto spaces = engine_->spaces().List("child");
  ASSERT_TRUE(spaces.ok());
  EXPECT_EQ(*spaces, (std::vector<std::string>{"default", "other"}));

  // Changes on the child stay there, for each primitive.
  ASSERT_TRUE(engine_->state().Put(On("child"), "cell", Value(8)).ok());
  ASSERT_TRUE(engine_->json().Set(On("child"), "doc", "$.a.b", Value(2)).ok());
  auto parent_cell = engine_->state().Get({}, "cell", std::nullopt);
  EXPECT_EQ((*parent_cell)->value, Value(7));
  auto parent_doc = engine_->json().Get({}, "doc", "$.a.b", std::nullopt);
  EXPECT_EQ((*parent_doc)->value, Value(1));
  auto child_doc = engine_->json().Get(On("child"), "doc", "$.a.b", std::nullopt);
  EXPECT_EQ((*child_doc)->value, Value(2));
}

TEST_F(BranchStoreTest, EventsContinueTheParentsSequenceAndChain) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(engine_->events().Append({}, "t", Value(i)).ok());
  MustFork("default", "child");
  auto appended = engine_->events().Append(On("child"), "t", Value("child"));
  ASSERT_TRUE(appended.ok());
  EXPECT_EQ(appended->sequence, 3u);
  auto parent_next = engine_->events().Append({}, "t", Value("parent"));
  ASSERT_TRUE(parent_next.ok());
  EXPECT_EQ(parent_next->sequence, 3u) << "each branch continues on its own";

  auto verify = engine_->events().Verify(On("child"));
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->valid) << verify->reason;
  EXPECT_EQ(verify->length, 4u);
  auto parent_verify = engine_->events().Verify({});
  ASSERT_TRUE(parent_verify.ok());
  EXPECT_TRUE(parent_verify->valid) << parent_verify->reason;

  auto list = engine_->events().List(On("child"), std::nullopt, 100, std::nullopt, std::nullopt);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 4u);
  EXPECT_EQ((*list)[2].payload, Value(2));
  EXPECT_EQ((*list)[3].payload, Value("child"));
  EXPECT_EQ((*list)[3].prev_hash, (*list)[2].hash);
  auto by_type = engine_->events().List(On("child"), std::string("t"), 100, std::nullopt, std::nullopt);
  ASSERT_TRUE(by_type.ok());
  EXPECT_EQ(by_type->size(), 4u);
  auto len = engine_->events().Len(On("child"), std::nullopt);
  ASSERT_TRUE(len.ok());
  EXPECT_EQ(*len, 4u);
}

TEST_F(BranchStoreTest, GrandchildReadsThroughTwoLayers) {
  MustPut("root", Value("r"));
  MustPut("shadowed", Value("root"));
  MustFork("default", "child");
  MustPut("mid", Value("m"), On("child"));
  MustPut("shadowed", Value("child"), On("child"));
  MustFork("child", "grandchild");
  MustPut("late-root", Value(1));
  MustPut("late-child", Value(1), On("child"));

  EXPECT_EQ(Get("grandchild", "root"), Value("r"));
  EXPECT_EQ(Get("grandchild", "mid"), Value("m"));
  EXPECT_EQ(Get("grandchild", "shadowed"), Value("child"));
  EXPECT_TRUE(Get("grandchild", "late-root").is_null());
  EXPECT_TRUE(Get("grandchild", "late-child").is_null());
  EXPECT_EQ(Keys("grandchild"), (std::vector<std::string>{"mid", "root", "shadowed"}));
  auto info = branches().Get("grandchild");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->parent, "child");
}

TEST_F(BranchStoreTest, ChildrenKeepReadingAfterTheParentIsWrittenAndDeleted) {
  MustPut("a", Value(1));
  MustPut("b", Value(2));
  MustFork("default", "parent");
  MustPut("p", Value("from-parent"), On("parent"));
  MustFork("parent", "child");
  MustPut("p", Value("changed-after-fork"), On("parent"));
  ASSERT_TRUE(kv().Delete(On("parent"), "a").ok());
  EXPECT_EQ(Get("child", "p"), Value("from-parent"));
  EXPECT_EQ(Get("child", "a"), Value(1));

  MustDeleteBranch("parent");
  EXPECT_FALSE(*branches().Exists("parent"));
  EXPECT_EQ(Get("child", "p"), Value("from-parent"));
  EXPECT_EQ(Get("child", "a"), Value(1));
  EXPECT_EQ(Get("child", "b"), Value(2));
  EXPECT_EQ(Keys("child"), (std::vector<std::string>{"a", "b", "p"}));
  auto info = branches().Get("child");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->parent, "parent") << "a deleted parent keeps its name in the child's record";

  // The name is free again, and the new branch is unrelated to the old records.
  ASSERT_TRUE(branches().Create("parent").ok());
  EXPECT_TRUE(Get("parent", "p").is_null());
  EXPECT_EQ(Get("child", "p"), Value("from-parent"));
}

TEST_F(BranchStoreTest, DeleteRules) {
  auto def = branches().Delete("default");
  EXPECT_EQ(def.status().code(), Code::kConstraint);
  EXPECT_EQ(branches().Delete("missing").status().code(), Code::kNotFound);
  MustFork("default", "gone");
  MustPut("k", Value(1), On("gone"));
  MustDeleteBranch("gone");
  EXPECT_EQ(branches().Delete("gone").status().code(), Code::kNotFound);
  EXPECT_EQ(kv().Get(On("gone"), "k", std::nullopt).status().code(), Code::kNotFound);
  EXPECT_EQ(kv().Put(On("gone"), "k", Value(2)).status().code(), Code::kNotFound);
  auto list = branches().List();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, std::vector<std::string>{"default"});
}

TEST_F(BranchStoreTest, LiveKeyCountStartsAtTheSources) {
  MustPut("a", Value(1));
  MustPut("b", Value(2));
  MustFork("default", "child");
  MustPut("c", Value(3), On("child"));
  auto stats = engine_->Stats("child");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->total_keys, 3u);
  EXPECT_EQ(stats->branch_count, 2u);
  auto parent = engine_->Stats("default");
  EXPECT_EQ(parent->total_keys, 2u);
}

TEST_F(BranchStoreTest, AsOfOnAChildSeesItsPast) {
  MustPut("k", Value(1));
  MustFork("default", "child");
  MustPut("k", Value(2), On("child"));
  auto history = kv().History(On("child"), "k");
  ASSERT_TRUE(history.ok() && history->has_value());
  int64_t first_ts = (**history)[1].timestamp;
  auto old = kv().Get(On("child"), "k", first_ts);
  ASSERT_TRUE(old.ok() && old->has_value());
  EXPECT_EQ((*old)->value, Value(1));
}

TEST_F(BranchStoreTest, CatalogSurvivesReopen) {
  MustPut("k", Value(1));
  MustFork("default", "child");
  MustDeleteBranch("child");
  MustFork("default", "kept");
  engine_.reset();
  engine_ = testing::OpenOrFail(testing::OptionsFor(dir_.path()));
  ASSERT_NE(engine_, nullptr);
  auto list = branches().List();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, (std::vector<std::string>{"default", "kept"}));
  EXPECT_EQ(Get("kept", "k"), Value(1));
}

}  // namespace
}  // namespace strata::storage

// Spaces (spec/api.md §10): create, list, exists, delete with and without
// force, name rules, isolation per branch, and a forced delete on a fork
// hiding inherited data without touching the parent. Real LMDB.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/engine.h"
#include "tests/storage/engine_test_env.h"

namespace strata::storage {
namespace {

class SpaceStoreTest : public testing::EngineTest {
 protected:
  SpaceStore& spaces() { return engine_->spaces(); }

  std::vector<std::string> ListOf(std::string_view branch) {
    auto r = spaces().List(branch);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : std::vector<std::string>{};
  }

  bool ExistsOn(std::string_view branch, std::string_view name) {
    auto r = spaces().Exists(branch, name);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() && *r;
  }

  Value Get(std::string_view branch, std::string_view space, std::string_view key) {
    auto r = kv().Get(Scope{std::string(branch), std::string(space)}, key, std::nullopt);
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (!r.ok() || !r->has_value()) return Value();
    return (*r)->value;
  }

  Scope On(std::string_view branch, std::string_view space) { return Scope{std::string(branch), std::string(space)}; }

  void Fork(std::string_view source, std::string_view dest) {
    auto r = engine_->branches().Fork(source, dest);
    ASSERT_TRUE(r.ok()) << r.status().message();
  }

  // A 2-dimensional collection "emb" in `scope`, with the given keys.
  void VectorsIn(const Scope& scope, std::vector<std::string> keys) {
    CollectionConfig config;
    config.dimension = 2;
    ASSERT_TRUE(engine_->vectors().CreateCollection(scope, "emb", config).ok());
    float x = 1;
    for (const auto& key : keys) {
      auto r = engine_->vectors().Upsert(scope, "emb", VectorInput{key, {x++, 1.0f}, std::nullopt});
      ASSERT_TRUE(r.ok()) << r.status().message();
    }
  }
  bool HasVector(const Scope& scope, std::string_view key) {
    auto r = engine_->vectors().Get(scope, "emb", key, std::nullopt);
    return r.ok() && r->has_value();
  }
  bool HasCollection(const Scope& scope) { return engine_->vectors().CollectionStats(scope, "emb").ok(); }
};

TEST_F(SpaceStoreTest, DefaultAlwaysListedAndExists) {
  EXPECT_EQ(ListOf("default"), std::vector<std::string>{"default"});
  EXPECT_EQ(ListOf(""), std::vector<std::string>{"default"});
  EXPECT_TRUE(ExistsOn("default", "default"));
  EXPECT_FALSE(ExistsOn("default", "other"));
}

TEST_F(SpaceStoreTest, CreateIsIdempotentAndListed) {
  auto v1 = spaces().Create("default", "alpha");
  ASSERT_TRUE(v1.ok()) << v1.status().message();
  EXPECT_GT(*v1, 0u);
  auto v2 = spaces().Create("default", "alpha");
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(*v2, *v1) << "creating an existing space writes nothing";
  ASSERT_TRUE(spaces().Create("default", "beta").ok());
  EXPECT_EQ(ListOf("default"), (std::vector<std::string>{"alpha", "beta", "default"}));
  EXPECT_TRUE(ExistsOn("default", "alpha"));
}

TEST_F(SpaceStoreTest, FirstWriteBringsASpaceIntoBeing) {
  MustPut("k", Value(1), On("", "written"));
  EXPECT_TRUE(ExistsOn("default", "written"));
  EXPECT_EQ(ListOf("default"), (std::vector<std::string>{"default", "written"}));
}

TEST_F(SpaceStoreTest, NameRules) {
  for (const std::string& bad : std::vector<std::string>{"", "Upper", "1digit", "_system_", "has space", "dot.ted", std::string(65, 'a'), "-x"}) {
    EXPECT_EQ(spaces().Create("default", bad).status().code(), Code::kInvalidArgument) << bad;
    EXPECT_EQ(spaces().Exists("default", bad).status().code(), Code::kInvalidArgument) << bad;
    EXPECT_EQ(spaces().Delete("default", bad, true).status().code(), Code::kInvalidArgument) << bad;
  }
  for (const std::string& good : std::vector<std::string>{"a", "a-b_c9", std::string(64, 'z')}) {
    EXPECT_TRUE(spaces().Create("default", good).ok()) << good;
  }
  EXPECT_EQ(spaces().Create("missing-branch", "a").status().code(), Code::kNotFound);
  EXPECT_EQ(spaces().List("missing-branch").status().code(), Code::kNotFound);
}

TEST_F(SpaceStoreTest, DeleteRefusesDefaultMissingAndNonEmpty) {
  EXPECT_EQ(spaces().Delete("default", "default", false).status().code(), Code::kConstraint);
  EXPECT_EQ(spaces().Delete("default", "default", true).status().code(), Code::kConstraint);
  EXPECT_EQ(spaces().Delete("default", "nope", false).status().code(), Code::kNotFound);
  MustPut("k", Value(1), On("", "full"));
  auto refused = spaces().Delete("default", "full", false);
  EXPECT_EQ(refused.status().code(), Code::kConstraint);
  EXPECT_NE(refused.status().message().find("not empty"), std::string::npos) << refused.status().message();
  EXPECT_EQ(Get("default", "full", "k"), Value(1)) << "a refused delete changes nothing";

  // Events alone make a space non-empty too.
  ASSERT_TRUE(engine_->events().Append(On("", "log"), "t", Value(1)).ok());
  EXPECT_EQ(spaces().Delete("default", "log", false).status().code(), Code::kConstraint);
}

// A space holding only vectors, or only an empty collection, was deleted
// without force (its data lost): vectors were not counted.
TEST_F(SpaceStoreTest, VectorsAndCollectionsMakeASpaceNonEmpty) {
  VectorsIn(On("", "docs"), {"v1"});
  auto refused = spaces().Delete("default", "docs", false);
  EXPECT_EQ(refused.status().code(), Code::kConstraint);
  EXPECT_NE(refused.status().message().find("1 vector collections"), std::string::npos) << refused.status().message();
  EXPECT_TRUE(HasVector(On("", "docs"), "v1")) << "a refused delete changes nothing";

  VectorsIn(On("", "empty-collection"), {});
  EXPECT_EQ(spaces().Delete("default", "empty-collection", false).status().code(), Code::kConstraint);
  EXPECT_TRUE(HasCollection(On("", "empty-collection")));
}

TEST_F(SpaceStoreTest, EmptySpaceDeletesWithoutForce) {
  ASSERT_TRUE(spaces().Create("default", "tmp").ok());
  MustPut("k", Value(1), On("", "tmp"));
  MustDelete("k", On("", "tmp"));
  ASSERT_TRUE(spaces().Delete("default", "tmp", false).ok());
  EXPECT_FALSE(ExistsOn("default", "tmp"));
  EXPECT_EQ(ListOf("default"), std::vector<std::string>{"default"});
}

TEST_F(SpaceStoreTest, ForceDeleteRemovesEveryPrimitiveOnThatBranchOnly) {
  Scope s = On("", "work");
  MustPut("k", Value(1), s);
  ASSERT_TRUE(engine_->state().Put(s, "cell", Value(2)).ok());
  ASSERT_TRUE(engine_->json().Set(s, "doc", "$", Value::parse(R"({"a":1})")).ok());
  ASSERT_TRUE(engine_->events().Append(s, "t", Value(3)).ok());
  MustPut("other", Value("stays"));
  ASSERT_TRUE(engine_->branches().Create("side").ok());
  MustPut("k", Value("side"), On("side", "work"));
  auto keys_before = engine_->Stats("default");

  ASSERT_TRUE(spaces().Delete("default", "work", true).ok());
  EXPECT_FALSE(ExistsOn("default", "work"));
  EXPECT_TRUE(Get("default", "work", "k").is_null());
  auto cell = engine_->state().Get(s, "cell", std::nullopt);
  ASSERT_TRUE(cell.ok());
  EXPECT_FALSE(cell->has_value());
  auto doc = engine_->json().Get(s, "doc", "$", std::nullopt);
  ASSERT_TRUE(doc.ok());
  EXPECT_FALSE(doc->has_value());
  auto len = engine_->events().Len(s, std::nullopt);
  ASSERT_TRUE(len.ok());
  EXPECT_EQ(*len, 0u);
  auto history = kv().History(s, "k");
  ASSERT_TRUE(history.ok());
  EXPECT_FALSE(history->has_value()) << "the branch's own records are physically gone";
  EXPECT_EQ(Get("default", "", "other"), Value("stays"));
  EXPECT_EQ(Get("side", "work", "k"), Value("side")) << "another branch's space is untouched";
  auto keys_after = engine_->Stats("default");
  EXPECT_EQ(keys_before->total_keys - keys_after->total_keys, 3u);

  // The space can come back: a new log starts at 0 with a valid chain.
  auto e = engine_->events().Append(s, "t", Value("new"));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->sequence, 0u);
  auto verify = engine_->events().Verify(s);
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->valid) << verify->reason;
  EXPECT_TRUE(ExistsOn("default", "work"));
}

TEST_F(SpaceStoreTest, SpacesAreIsolatedPerBranch) {
  ASSERT_TRUE(engine_->branches().Create("b2").ok());
  ASSERT_TRUE(spaces().Create("b2", "only-b2").ok());
  EXPECT_TRUE(ExistsOn("b2", "only-b2"));
  EXPECT_FALSE(ExistsOn("default", "only-b2"));
  MustPut("k", Value(1), On("default", "same"));
  MustPut("k", Value(2), On("b2", "same"));
  EXPECT_EQ(Get("default", "same", "k"), Value(1));
  EXPECT_EQ(Get("b2", "same", "k"), Value(2));
}

TEST_F(SpaceStoreTest, ForceDeleteOnAForkHidesInheritedDataAndLeavesTheParent) {
  Scope parent = On("default", "shared");
  MustPut("k", Value("parent"), parent);
  ASSERT_TRUE(engine_->events().Append(parent, "t", Value(1)).ok());
  Fork("default", "child");
  EXPECT_TRUE(ExistsOn("child", "shared"));
  MustPut("own", Value("child"), On("child", "shared"));

  EXPECT_EQ(spaces().Delete("child", "shared", false).status().code(), Code::kConstraint);
  ASSERT_TRUE(spaces().Delete("child", "shared", true).ok());
  EXPECT_FALSE(ExistsOn("child", "shared"));
  EXPECT_TRUE(Get("child", "shared", "k").is_null()) << "inherited data is hidden";
  EXPECT_TRUE(Get("child", "shared", "own").is_null());
  auto keys = kv().List(On("child", "shared"), "", std::nullopt, 100, std::nullopt);
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys->names.empty());
  auto len = engine_->events().Len(On("child", "shared"), std::nullopt);
  EXPECT_EQ(*len, 0u);

  EXPECT_EQ(Get("default", "shared", "k"), Value("parent")) << "the parent is untouched";
  auto parent_len = engine_->events().Len(parent, std::nullopt);
  EXPECT_EQ(*parent_len, 1u);

  // Writing again revives the space, still detached from the parent.
  MustPut("new", Value(1), On("child", "shared"));
  EXPECT_TRUE(ExistsOn("child", "shared"));
  EXPECT_TRUE(Get("child", "shared", "k").is_null());
  EXPECT_EQ(Get("child", "shared", "new"), Value(1));

  // A grandchild forked now sees the child's view, not the parent's.
  Fork("child", "grandchild");
  EXPECT_TRUE(Get("grandchild", "shared", "k").is_null());
  EXPECT_EQ(Get("grandchild", "shared", "new"), Value(1));
}

TEST_F(SpaceStoreTest, ForceDeleteKeepsWhatEarlierChildrenSee) {
  MustPut("inherited", Value("root"), On("default", "s"));
  Fork("default", "mid");
  MustPut("own", Value("mid"), On("mid", "s"));
  Fork("mid", "early");
  ASSERT_TRUE(spaces().Delete("mid", "s", true).ok());
  EXPECT_TRUE(Get("mid", "s", "own").is_null());
  EXPECT_TRUE(Get("mid", "s", "inherited").is_null());
  // "early" was forked before the delete: it still sees both.
  EXPECT_EQ(Get("early", "s", "own"), Value("mid"));
  EXPECT_EQ(Get("early", "s", "inherited"), Value("root"));
  Fork("mid", "late");
  EXPECT_TRUE(Get("late", "s", "own").is_null());
  EXPECT_TRUE(Get("late", "s", "inherited").is_null());
}

TEST_F(SpaceStoreTest, ForceDeleteRefusesOwnEventsThatChildrenStillRead) {
  ASSERT_TRUE(engine_->events().Append(On("default", "s"), "t", Value(1)).ok());
  Fork("default", "child");
  auto refused = spaces().Delete("default", "s", true);
  EXPECT_EQ(refused.status().code(), Code::kConstraint) << refused.status().message();
  // Once the child is gone nobody reads them: the delete goes through.
  ASSERT_TRUE(engine_->branches().Delete("child").ok());
  ASSERT_TRUE(spaces().Delete("default", "s", true).ok());
  EXPECT_FALSE(ExistsOn("default", "s"));
}

TEST_F(SpaceStoreTest, ChildrenForkedBeforeTheSpaceHadDataDoNotBlockAForcedDelete) {
  Fork("default", "older-child");
  Scope s = On("default", "late");
  MustPut("k", Value(1), s);
  ASSERT_TRUE(engine_->events().Append(s, "t", Value(1)).ok());
  ASSERT_TRUE(spaces().Delete("default", "late", true).ok());
  auto history = kv().History(s, "k");
  ASSERT_TRUE(history.ok());
  EXPECT_FALSE(history->has_value()) << "nobody read them: the records are physically gone";
  EXPECT_FALSE(ExistsOn("older-child", "late"));
}

// With a child reading the space, a forced delete tombstoned keys, cells and
// documents but left the collection and its vectors readable and searchable,
// and total_keys still counted the vectors.
TEST_F(SpaceStoreTest, ForcedDeleteEndsVectorsAndCollectionsWithOrWithoutChildren) {
  Scope read = On("default", "read");
  VectorsIn(read, {"a", "b"});
  Fork("default", "reader");
  Scope alone = On("default", "alone");
  VectorsIn(alone, {"c"});
  auto keys_before = engine_->Stats("default");
  ASSERT_TRUE(keys_before.ok());

  ASSERT_TRUE(spaces().Delete("default", "read", true).ok());
  ASSERT_TRUE(spaces().Delete("default", "alone", true).ok());
  for (const Scope& gone : {read, alone}) {
    EXPECT_FALSE(HasCollection(gone)) << gone.space;
    EXPECT_FALSE(HasVector(gone, "a") || HasVector(gone, "c")) << gone.space;
    auto listed = engine_->vectors().ListCollections(gone);
    ASSERT_TRUE(listed.ok());
    EXPECT_TRUE(listed->empty()) << gone.space;
  }
  auto keys_after = engine_->Stats("default");
  ASSERT_TRUE(keys_after.ok());
  EXPECT_EQ(keys_before->total_keys - keys_after->total_keys, 3u) << "the three vectors are no longer counted";
  Scope child = On("reader", "read");
  EXPECT_TRUE(HasVector(child, "a") && HasVector(child, "b")) << "the child still sees what it forked";
}

TEST_F(SpaceStoreTest, ForcedDeleteReadByChildrenEndsNamesWithTombstones) {
  Scope s = On("default", "kept");
  MustPut("k", Value("before"), s);
  ASSERT_TRUE(engine_->state().Put(s, "cell", Value(1)).ok());
  Fork("default", "reader");
  ASSERT_TRUE(spaces().Delete("default", "kept", true).ok());
  EXPECT_TRUE(Get("default", "kept", "k").is_null());
  auto cell = engine_->state().Get(s, "cell", std::nullopt);
  ASSERT_TRUE(cell.ok());
  EXPECT_FALSE(cell->has_value());
  auto history = kv().History(s, "k");
  ASSERT_TRUE(history.ok() && history->has_value());
  ASSERT_EQ((*history)->size(), 2u);
  EXPECT_TRUE((**history)[0].deleted);
  EXPECT_EQ(Get("reader", "kept", "k"), Value("before")) << "the child still sees what it forked";
  auto child_cell = engine_->state().Get(On("reader", "kept"), "cell", std::nullopt);
  ASSERT_TRUE(child_cell.ok() && child_cell->has_value());
}

TEST_F(SpaceStoreTest, ARestartedLogDoesNotHideInheritedEventsFromOlderChildren) {
  Scope root = On("default", "log");
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(engine_->events().Append(root, "t", Value(i)).ok());
  Fork("default", "mid");
  Fork("mid", "leaf");
  ASSERT_TRUE(spaces().Delete("mid", "log", true).ok());
  auto restarted = engine_->events().Append(On("mid", "log"), "t", Value("new"));
  ASSERT_TRUE(restarted.ok());
  EXPECT_EQ(restarted->sequence, 0u);

  auto e0 = engine_->events().Get(On("leaf", "log"), 0, std::nullopt);
  ASSERT_TRUE(e0.ok() && e0->has_value());
  EXPECT_EQ((*e0)->payload, Value(0));
  auto list = engine_->events().List(On("leaf", "log"), std::nullopt, 100, std::nullopt, std::nullopt);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  auto verify = engine_->events().Verify(On("leaf", "log"));
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->valid) << verify->reason;
  auto mid_verify = engine_->events().Verify(On("mid", "log"));
  ASSERT_TRUE(mid_verify.ok());
  EXPECT_TRUE(mid_verify->valid) << mid_verify->reason;
  EXPECT_EQ(mid_verify->length, 1u);
}

}  // namespace
}  // namespace strata::storage

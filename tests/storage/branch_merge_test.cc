// Branch merge (spec/api.md §9): three-way against the common ancestor (the
// fork point or the last merge of the pair), every primitive, each strategy.
// Real LMDB in a temporary directory.
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/engine.h"
#include "tests/storage/engine_test_env.h"

namespace strata::storage {
namespace {

class BranchMergeTest : public testing::EngineTest {
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
  void Del(std::string_view branch, std::string_view key) { ASSERT_TRUE(kv().Delete(On(branch), key).ok()); }
  Value Get(std::string_view branch, std::string_view key, std::string_view space = "") {
    auto r = kv().Get(On(branch, space), key, std::nullopt);
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (!r.ok() || !r->has_value()) return Value();
    return (*r)->value;
  }
  BranchMergeResult Merge(std::string_view s, std::string_view t, std::string_view strategy = "") {
    auto r = branches().Merge(s, t, strategy);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : BranchMergeResult{};
  }
  // kv "k" = 1 on default, forked to "feature", then changed on both sides.
  void ConflictSetUp() {
    Put("default", "k", 1);
    Fork("default", "feature");
    Put("default", "k", "target");
    Put("feature", "k", "source");  // the later write
  }
};

TEST_F(BranchMergeTest, OneSidedChangesApplyWithoutConflict) {
  Put("default", "a", 1);
  Put("default", "b", 1);
  Fork("default", "feature");
  Put("feature", "a", 2);        // source only
  Put("default", "b", 3);        // target only
  Put("feature", "new", "n");    // added on source
  BranchMergeResult r = Merge("feature", "default");
  EXPECT_TRUE(r.conflicts.empty());
  EXPECT_EQ(r.keys_applied, 2u);
  EXPECT_EQ(r.strategy, "last_writer_wins");
  EXPECT_FALSE(r.unrelated);
  EXPECT_GT(r.version, 0u);
  EXPECT_EQ(Get("default", "a"), Value(2));
  EXPECT_EQ(Get("default", "b"), Value(3));  // kept
  EXPECT_EQ(Get("default", "new"), Value("n"));
  // The source is unchanged.
  EXPECT_EQ(Get("feature", "b"), Value(1));
}

// A NaN left alone since the fork point compared unequal to itself, so a
// change on the source only was a conflict (strict refused the merge,
// target_wins dropped the change) and diff called the untouched key modified.
TEST_F(BranchMergeTest, ANanAtTheForkPointIsUnchangedOnTheSideThatLeftItAlone) {
  double nan = std::numeric_limits<double>::quiet_NaN();
  Put("default", "x", nan);
  Put("default", "same", nan);
  Fork("default", "feature");
  Put("feature", "x", 5);
  auto diff = branches().Diff("default", "feature");
  ASSERT_TRUE(diff.ok()) << diff.status().message();
  EXPECT_EQ(diff->modified, 1u) << "only x changed";
  BranchMergeResult r = Merge("feature", "default", "strict");
  EXPECT_TRUE(r.conflicts.empty());
  EXPECT_EQ(Get("default", "x"), Value(5));
}

// default -> f; f changes k and is merged back; g forks from f and changes k
// again. Merging g into default compared against the first fork point, where
// default had "changed" k (by the merge of f): a conflict for a key only g
// changed since what default already holds.
TEST_F(BranchMergeTest, AForkOfAForkMergedBackInheritsItsParentsMerge) {
  Put("default", "k", "base");
  Put("default", "other", "base");
  Fork("default", "f");
  Put("f", "k", "v1");
  ASSERT_TRUE(Merge("f", "default").conflicts.empty());
  Fork("f", "g");
  Put("g", "k", "v2");
  Put("default", "other", "target");  // the target's own change since the merge
  BranchMergeResult r = Merge("g", "default", "strict");
  EXPECT_TRUE(r.conflicts.empty());
  EXPECT_EQ(Get("default", "k"), Value("v2"));
  EXPECT_EQ(Get("default", "other"), Value("target"));

  // Both sides changing a key since that merge is still a conflict.
  Fork("f", "h");
  Put("h", "other", "h");
  Put("default", "other", "target again");
  auto refused = branches().Merge("h", "default", "strict");
  EXPECT_EQ(refused.status().code(), Code::kConflict) << refused.status().message();

  // A fork taken before its parent's merge does not inherit it.
  Fork("default", "p");
  Fork("p", "early");
  Put("p", "j", "p");
  ASSERT_TRUE(Merge("p", "default").conflicts.empty());
  Put("early", "j", "early");
  auto early = branches().Merge("early", "default", "strict");
  EXPECT_EQ(early.status().code(), Code::kConflict) << "early never saw p's j";
}

TEST_F(BranchMergeTest, AllWritesAreOneCommit) {
  Fork("default", "feature");
  for (int i = 0; i < 5; ++i) Put("feature", "k" + std::to_string(i), i);
  BranchMergeResult r = Merge("feature", "default");
  EXPECT_EQ(r.keys_applied, 5u);
  for (int i = 0; i < 5; ++i) {
    auto v = kv().Get(On("default"), "k" + std::to_string(i), std::nullopt);
    ASSERT_TRUE(v.ok() && v->has_value());
    EXPECT_EQ((*v)->version, r.version);
  }
}

TEST_F(BranchMergeTest, DeletionsPropagate) {
  Put("default", "gone", 1);
  Put("default", "kept", 1);
  Fork("default", "feature");
  Del("feature", "gone");
  BranchMergeResult r = Merge("feature", "default");
  EXPECT_EQ(r.keys_applied, 1u);
  EXPECT_TRUE(Get("default", "gone").is_null());
  EXPECT_EQ(Get("default", "kept"), Value(1));
  // A delete on the target only stays deleted.
  Fork("default", "f2");
  Del("default", "kept");
  Merge("f2", "default");
  EXPECT_TRUE(Get("default", "kept").is_null());
}

TEST_F(BranchMergeTest, SameChangeOnBothSidesIsNoConflict) {
  Put("default", "k", 1);
  Fork("default", "feature");
  Put("default", "k", 9);
  Put("feature", "k", 9);
  BranchMergeResult r = Merge("feature", "default", "strict");
  EXPECT_TRUE(r.conflicts.empty());
  EXPECT_EQ(r.keys_applied, 0u);
}

TEST_F(BranchMergeTest, LastWriterWins) {
  ConflictSetUp();
  BranchMergeResult r = Merge("feature", "default");
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].key, "k");
  EXPECT_EQ(r.conflicts[0].space, "default");
  EXPECT_EQ(r.conflicts[0].primitive, "kv");
  EXPECT_EQ(r.conflicts[0].source_value, Value("source"));
  EXPECT_EQ(r.conflicts[0].target_value, Value("target"));
  EXPECT_EQ(r.conflicts[0].resolution, "source");
  EXPECT_EQ(Get("default", "k"), Value("source"));
}

TEST_F(BranchMergeTest, LastWriterWinsKeepsTheLaterTarget) {
  Put("default", "k", 1);
  Fork("default", "feature");
  Put("feature", "k", "source");
  Put("default", "k", "target");  // the later write
  BranchMergeResult r = Merge("feature", "default", "last_writer_wins");
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].resolution, "target");
  EXPECT_EQ(Get("default", "k"), Value("target"));
}

TEST_F(BranchMergeTest, SourceWins) {
  Put("default", "k", 1);
  Fork("default", "feature");
  Put("feature", "k", "source");
  Put("default", "k", "target");
  BranchMergeResult r = Merge("feature", "default", "source_wins");
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].resolution, "source");
  EXPECT_EQ(Get("default", "k"), Value("source"));
}

TEST_F(BranchMergeTest, TargetWins) {
  ConflictSetUp();
  BranchMergeResult r = Merge("feature", "default", "target_wins");
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].resolution, "target");
  EXPECT_EQ(Get("default", "k"), Value("target"));
}

TEST_F(BranchMergeTest, DeleteAgainstModifyIsAConflict) {
  Put("default", "k", 1);
  Fork("default", "feature");
  Put("default", "k", 2);
  Del("feature", "k");
  BranchMergeResult r = Merge("feature", "default", "source_wins");
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_TRUE(r.conflicts[0].source_value.is_null());
  EXPECT_TRUE(Get("default", "k").is_null());
}

TEST_F(BranchMergeTest, StrictWritesNothing) {
  ConflictSetUp();
  Put("feature", "clean", 1);  // would apply without the conflict
  auto before = kv().Get(On("default"), "k", std::nullopt);
  auto r = branches().Merge("feature", "default", "strict");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kConflict);
  EXPECT_NE(r.status().message().find("\"k\""), std::string::npos) << r.status().message();
  EXPECT_EQ(Get("default", "k"), Value("target"));
  EXPECT_TRUE(Get("default", "clean").is_null());
  auto after = kv().Get(On("default"), "k", std::nullopt);
  EXPECT_EQ((*before)->version, (*after)->version);
  // Not recorded as merged: a later non-strict merge still sees everything.
  BranchMergeResult again = Merge("feature", "default", "source_wins");
  EXPECT_EQ(again.keys_applied, 2u);
}

TEST_F(BranchMergeTest, RepeatedMergeAppliesOnlyWhatChangedSince) {
  Put("default", "a", 1);
  Fork("default", "feature");
  Put("feature", "a", 2);
  Put("feature", "b", 2);
  EXPECT_EQ(Merge("feature", "default").keys_applied, 2u);
  // Nothing changed: nothing applied.
  BranchMergeResult none = Merge("feature", "default");
  EXPECT_EQ(none.keys_applied, 0u);
  EXPECT_TRUE(none.conflicts.empty());
  // The target changes "a" after the merge; the source changes only "c".
  Put("default", "a", 100);
  Put("feature", "c", 3);
  BranchMergeResult second = Merge("feature", "default");
  EXPECT_EQ(second.keys_applied, 1u);
  EXPECT_TRUE(second.conflicts.empty());
  EXPECT_EQ(Get("default", "a"), Value(100));  // not reverted to the source's 2
  EXPECT_EQ(Get("default", "c"), Value(3));
}

TEST_F(BranchMergeTest, StateAndJson) {
  ASSERT_TRUE(engine_->state().Put(On("default"), "cell", 1).ok());
  ASSERT_TRUE(engine_->json().Set(On("default"), "doc", "$", Value{{"a", 1}}).ok());
  Fork("default", "feature");
  ASSERT_TRUE(engine_->state().Put(On("feature"), "cell", 2).ok());
  ASSERT_TRUE(engine_->json().Set(On("feature"), "doc", "$.b", 2).ok());
  BranchMergeResult r = Merge("feature", "default");
  EXPECT_EQ(r.keys_applied, 2u);
  auto cell = engine_->state().Get(On("default"), "cell", std::nullopt);
  ASSERT_TRUE(cell.ok() && cell->has_value());
  EXPECT_EQ((*cell)->value, Value(2));
  auto doc = engine_->json().Get(On("default"), "doc", "$", std::nullopt);
  ASSERT_TRUE(doc.ok() && doc->has_value());
  EXPECT_EQ((*doc)->value, (Value{{"a", 1}, {"b", 2}}));
}

TEST_F(BranchMergeTest, EventsAppendInSourceOrder) {
  ASSERT_TRUE(engine_->events().Append(On("default"), "base", 0).ok());
  Fork("default", "feature");
  ASSERT_TRUE(engine_->events().Append(On("default"), "t", "t1").ok());
  ASSERT_TRUE(engine_->events().Append(On("feature"), "s", "s1").ok());
  ASSERT_TRUE(engine_->events().Append(On("feature"), "s", "s2").ok());
  BranchMergeResult r = Merge("feature", "default");
  EXPECT_EQ(r.keys_applied, 2u);
  auto list = engine_->events().List(On("default"), std::nullopt, 100, std::nullopt, std::nullopt);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 4u);
  EXPECT_EQ((*list)[2].payload, Value("s1"));
  EXPECT_EQ((*list)[3].payload, Value("s2"));
  EXPECT_EQ((*list)[3].sequence, 3u);
  auto verify = engine_->events().Verify(On("default"));
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->valid) << verify->reason;
  // A second merge appends nothing more.
  EXPECT_EQ(Merge("feature", "default").keys_applied, 0u);
  EXPECT_EQ(*engine_->events().Len(On("default"), std::nullopt), 4u);
}

TEST_F(BranchMergeTest, NewSpaceOnSourceComesAlong) {
  Fork("default", "feature");
  Put("feature", "k", 1, "docs");
  Merge("feature", "default");
  EXPECT_EQ(Get("default", "k", "docs"), Value(1));
  auto spaces = engine_->spaces().List("default");
  ASSERT_TRUE(spaces.ok());
  EXPECT_NE(std::find(spaces->begin(), spaces->end(), "docs"), spaces->end());
}

TEST_F(BranchMergeTest, ForcedSpaceDeleteOnSourcePropagates) {
  Put("default", "a", 1, "docs");
  Put("default", "b", 2, "docs");
  Put("default", "k", 1);
  Fork("default", "feature");
  ASSERT_TRUE(engine_->spaces().Delete("feature", "docs", /*force=*/true).ok());
  auto diff = branches().Diff("default", "feature");
  ASSERT_TRUE(diff.ok()) << diff.status().message();
  EXPECT_EQ(diff->removed, 2u);
  BranchMergeResult r = Merge("feature", "default");
  EXPECT_EQ(r.keys_applied, 2u);
  EXPECT_TRUE(Get("default", "a", "docs").is_null());
  EXPECT_TRUE(Get("default", "b", "docs").is_null());
  EXPECT_EQ(Get("default", "k"), Value(1));
}

TEST_F(BranchMergeTest, ParentIntoChild) {
  Put("default", "k", 1);
  Fork("default", "feature");
  Put("default", "k", 2);
  Put("feature", "mine", 1);
  BranchMergeResult r = Merge("default", "feature");
  EXPECT_TRUE(r.conflicts.empty());
  EXPECT_EQ(r.keys_applied, 1u);
  EXPECT_EQ(Get("feature", "k"), Value(2));
  EXPECT_EQ(Get("feature", "mine"), Value(1));
}

TEST_F(BranchMergeTest, UnrelatedBranchesTwoWay) {
  ASSERT_TRUE(branches().Create("x").ok());
  ASSERT_TRUE(branches().Create("y").ok());
  Put("x", "xonly", 1);
  Put("x", "both", "x");
  Put("y", "both", "y");
  Put("y", "yonly", 1);
  BranchMergeResult r = Merge("x", "y", "target_wins");
  EXPECT_TRUE(r.unrelated);
  EXPECT_EQ(r.keys_applied, 1u);
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(Get("y", "xonly"), Value(1));
  EXPECT_EQ(Get("y", "both"), Value("y"));
  EXPECT_EQ(Get("y", "yonly"), Value(1));
}

TEST_F(BranchMergeTest, Errors) {
  Fork("default", "feature");
  auto bad = branches().Merge("feature", "default", "theirs");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  auto self = branches().Merge("feature", "feature", "");
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(self.status().code(), Code::kInvalidArgument);
  auto missing = branches().Merge("nope", "default", "");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
}

TEST_F(BranchMergeTest, ReverseMergeStartsFromTheLastMergeBetweenThePair) {
  Put("default", "k", 1);
  Put("default", "own", 1);
  Fork("default", "feature");
  Put("default", "k", 2);          // changed on default
  Put("feature", "own", "f");      // feature's own change, before the merge
  BranchMergeResult ab = Merge("default", "feature");
  EXPECT_TRUE(ab.conflicts.empty());
  EXPECT_EQ(Get("feature", "k"), Value(2));
  Put("feature", "k", 3);          // changed on feature after the merge
  BranchMergeResult ba = Merge("feature", "default");
  EXPECT_TRUE(ba.conflicts.empty()) << ba.conflicts.size() << " conflict(s)";
  EXPECT_EQ(Get("default", "k"), Value(3));
  EXPECT_EQ(Get("default", "own"), Value("f"));  // the pre-merge change still comes along
  EXPECT_EQ(ba.keys_applied, 2u);
  // Strict agrees: nothing conflicts, and merging again applies nothing.
  EXPECT_EQ(Merge("feature", "default", "strict").keys_applied, 0u);
  EXPECT_EQ(Merge("default", "feature", "strict").keys_applied, 0u);
}

TEST_F(BranchMergeTest, ReverseMergeDoesNotReappendMergedEvents) {
  ASSERT_TRUE(engine_->events().Append(On("default"), "base", 0).ok());
  Fork("default", "feature");
  ASSERT_TRUE(engine_->events().Append(On("default"), "d", "d1").ok());
  ASSERT_TRUE(engine_->events().Append(On("feature"), "f", "f1").ok());  // before the merge
  EXPECT_EQ(Merge("default", "feature").keys_applied, 1u);               // d1 onto feature
  EXPECT_EQ(*engine_->events().Len(On("feature"), std::nullopt), 3u);
  BranchMergeResult ba = Merge("feature", "default");
  EXPECT_EQ(ba.keys_applied, 1u);  // f1 only, not d1 again
  auto list = engine_->events().List(On("default"), std::nullopt, 100, std::nullopt, std::nullopt);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[1].payload, Value("d1"));
  EXPECT_EQ((*list)[2].payload, Value("f1"));
  // Later events on feature go over once.
  ASSERT_TRUE(engine_->events().Append(On("feature"), "f", "f2").ok());
  EXPECT_EQ(Merge("feature", "default").keys_applied, 1u);
  EXPECT_EQ(Merge("feature", "default").keys_applied, 0u);
  EXPECT_EQ(*engine_->events().Len(On("default"), std::nullopt), 4u);
  auto verify = engine_->events().Verify(On("default"));
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->valid) << verify->reason;
}

// An event that reached the target by another path is not appended again:
// a merge keeps the time an event was first appended, and the target's log
// is checked for it (the change index alone re-appended such events).
class BranchMergeEventsTest : public BranchMergeTest {
 protected:
  void Append(std::string_view branch, std::string_view value) {
    auto r = engine_->events().Append(On(branch), "log", Value(std::string(value)));
    ASSERT_TRUE(r.ok()) << r.status().message();
  }
  std::vector<std::string> Events(std::string_view branch) {
    auto list = engine_->events().List(On(branch), std::nullopt, 1000, std::nullopt, std::nullopt);
    EXPECT_TRUE(list.ok()) << list.status().message();
    std::vector<std::string> out;
    if (list.ok()) {
      for (const auto& e : *list) out.push_back(e.payload.get<std::string>());
    }
    auto verify = engine_->events().Verify(On(branch));
    EXPECT_TRUE(verify.ok() && verify->valid) << branch << ": " << (verify.ok() ? verify->reason : "");
    return out;
  }
  using Log = std::vector<std::string>;
};

TEST_F(BranchMergeEventsTest, AFeatureBranchSyncedTwiceGivesBackOnlyItsOwnEvents) {
  Append("default", "m0");
  Fork("default", "feat");
  Append("default", "m1");
  Merge("default", "feat");
  Append("default", "m2");
  Merge("default", "feat");
  Append("feat", "f1");
  EXPECT_EQ(Events("feat"), (Log{"m0", "m1", "m2", "f1"}));
  EXPECT_EQ(Merge("feat", "default").keys_applied, 1u);
  EXPECT_EQ(Events("default"), (Log{"m0", "m1", "m2", "f1"}));
  EXPECT_EQ(Merge("feat", "default").keys_applied, 0u);
  EXPECT_EQ(Merge("default", "feat").keys_applied, 0u);
  EXPECT_EQ(Events("feat"), (Log{"m0", "m1", "m2", "f1"}));
}

TEST_F(BranchMergeEventsTest, AnEventThatTravelledThroughAThirdBranchIsNotAppendedAgain) {
  Append("default", "base");
  Fork("default", "b");
  Fork("default", "c");
  Append("b", "e1");
  Merge("b", "default");
  Merge("default", "c");
  EXPECT_EQ(Merge("c", "b").keys_applied, 0u);
  EXPECT_EQ(Events("b"), (Log{"base", "e1"}));
  EXPECT_EQ(Events("c"), (Log{"base", "e1"}));

  // A fork of a fork, merged into its parent, then into its grandparent.
  Fork("default", "b2");
  Fork("b2", "c2");
  Append("c2", "e2");
  Merge("c2", "b2");
  Merge("b2", "default");
  EXPECT_EQ(Merge("c2", "default").keys_applied, 0u);
  EXPECT_EQ(Events("default"), (Log{"base", "e1", "e2"}));
}

TEST_F(BranchMergeEventsTest, AnImportedCopyMergedBackBringsOnlyWhatIsNew) {
  ASSERT_TRUE(branches().Create("orig").ok());
  for (const char* e : {"e0", "e1", "e2"}) Append("orig", e);
  Put("orig", "k", 1);
  std::string bundle;
  auto exported = branches().Export("orig", [&](std::string_view piece) {
    bundle.append(piece);
    return Status::Ok();
  });
  ASSERT_TRUE(exported.ok()) << exported.status().message();
  auto imported = branches().Import(bundle, "copy");
  ASSERT_TRUE(imported.ok()) << imported.status().message();
  Append("copy", "new");
  Put("copy", "k2", 2);
  BranchMergeResult r = Merge("copy", "orig");
  EXPECT_TRUE(r.unrelated);
  EXPECT_EQ(r.keys_applied, 2u);  // the event "new" and k2, as the diff lists them
  EXPECT_EQ(Events("orig"), (Log{"e0", "e1", "e2", "new"}));
  EXPECT_EQ(Get("orig", "k2"), Value(2));
}

// Equal events (one type and payload) appended apart are two events, not
// copies of one: the identity holds the time each was first appended.
TEST_F(BranchMergeEventsTest, EqualEventsAppendedApartAreBothMerged) {
  Append("default", "same");
  Fork("default", "feat");
  Append("feat", "x");
  Append("feat", "x");
  EXPECT_EQ(Merge("feat", "default").keys_applied, 2u);
  EXPECT_EQ(Events("default"), (Log{"same", "x", "x"}));
}

TEST_F(BranchMergeTest, ConflictAfterTheLastMergeIsStillReported) {
  Put("default", "k", 1);
  Fork("default", "feature");
  Put("default", "k", 2);
  Merge("default", "feature");
  Put("default", "k", "target");
  Put("feature", "k", "source");  // both changed it after the last merge
  auto strict = branches().Merge("feature", "default", "strict");
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.status().code(), Code::kConflict);
  EXPECT_EQ(Get("default", "k"), Value("target"));
  BranchMergeResult r = Merge("feature", "default");
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].key, "k");
  EXPECT_EQ(Get("default", "k"), Value("source"));  // the later write
}

}  // namespace
}  // namespace strata::storage

// Transactions through the engine API (spec/api.md §11): snapshot reads plus
// own writes for every primitive, first-committer-wins validation, one commit
// version, rollback, expiry. Real LMDB in a temporary directory.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "storage/engine.h"
#include "tests/storage/engine_test_env.h"

namespace strata::storage {
namespace {

class TransactionTest : public testing::EngineTest {
 protected:
  TxnManager& txns() { return engine_->transactions(); }

  Scope Begin(const std::string& branch = "") {
    auto info = txns().Begin(branch);
    EXPECT_TRUE(info.ok()) << info.status().message();
    return Scope{branch, "", info.ok() ? info->id : ""};
  }

  std::optional<Value> Get(const Scope& scope, std::string_view key) {
    auto v = kv().Get(scope, key, std::nullopt);
    EXPECT_TRUE(v.ok()) << v.status().message();
    if (!v.ok() || !v->has_value()) return std::nullopt;
    return (*v)->value;
  }

  std::vector<std::string> List(const Scope& scope, std::string_view prefix = "", size_t limit = 100,
                                std::optional<std::string> after = std::nullopt) {
    auto page = kv().List(scope, prefix, after, limit, std::nullopt);
    EXPECT_TRUE(page.ok()) << page.status().message();
    return page.ok() ? page->names : std::vector<std::string>{};
  }

  uint64_t MustCommit(const Scope& t) {
    auto v = txns().Commit(t.txn_id);
    EXPECT_TRUE(v.ok()) << v.status().message();
    return v.ok() ? *v : 0;
  }
};

TEST_F(TransactionTest, ReadsSeeTheSnapshotPlusOwnWritesAndOthersSeeNothingBeforeCommit) {
  MustPut("a", Value(1));
  Scope t = Begin();
  ASSERT_TRUE(kv().Put(t, "b", Value(2)).ok());
  ASSERT_TRUE(kv().Delete(t, "a").ok());
  MustPut("c", Value(3));  // committed after the snapshot: invisible inside

  EXPECT_EQ(Get(t, "b"), Value(2));
  EXPECT_EQ(Get(t, "a"), std::nullopt);
  EXPECT_EQ(Get(t, "c"), std::nullopt);
  EXPECT_EQ(List(t), (std::vector<std::string>{"b"}));

  EXPECT_EQ(Get(scope_, "a"), Value(1));
  EXPECT_EQ(Get(scope_, "b"), std::nullopt);
  EXPECT_EQ(List(scope_), (std::vector<std::string>{"a", "c"}));

  // It read "c" (absent then) and "c" was created since: even a read of an
  // absent name is validated, so the commit fails and applies nothing.
  auto commit = txns().Commit(t.txn_id);
  EXPECT_EQ(commit.status().code(), Code::kConflict) << commit.status().message();
  EXPECT_NE(commit.status().message().find("\"c\""), std::string::npos) << commit.status().message();
  EXPECT_EQ(Get(scope_, "a"), Value(1));
  EXPECT_EQ(Get(scope_, "b"), std::nullopt);
}

TEST_F(TransactionTest, CommitMakesTheStagedWritesVisibleAtItsVersion) {
  MustPut("a", Value(1));
  Scope t = Begin();
  ASSERT_TRUE(kv().Put(t, "b", Value(2)).ok());
  ASSERT_TRUE(kv().Delete(t, "a").ok());
  MustPut("unrelated", Value(3));  // not read nor written inside: no conflict
  uint64_t version = MustCommit(t);
  EXPECT_EQ(Get(scope_, "a"), std::nullopt);
  EXPECT_EQ(Get(scope_, "b"), Value(2));
  auto b = kv().Get(scope_, "b", std::nullopt);
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ((*b)->version, version);
}

TEST_F(TransactionTest, EveryWriteOfACommitCarriesOneVersion) {
  Scope t = Begin();
  ASSERT_TRUE(kv().Put(t, "x", Value(1)).ok());
  ASSERT_TRUE(engine_->state().Put(t, "cell", Value("s")).ok());
  ASSERT_TRUE(engine_->json().Set(t, "doc", "$", Value::object({{"a", 1}})).ok());
  auto appended = engine_->events().Append(t, "audit", Value::object({{"n", 1}}));
  ASSERT_TRUE(appended.ok()) << appended.status().message();
  EXPECT_EQ(appended->sequence, 0u);
  uint64_t before = engine_->core().writer().committed_version();
  uint64_t version = MustCommit(t);
  EXPECT_EQ(version, before + 1);
  EXPECT_EQ((*kv().Get(scope_, "x", std::nullopt))->version, version);
  EXPECT_EQ((*engine_->state().Get(scope_, "cell", std::nullopt))->version, version);
  EXPECT_EQ((*engine_->json().Get(scope_, "doc", "$", std::nullopt))->version, version);
  auto event = engine_->events().Get(scope_, 0, std::nullopt);
  ASSERT_TRUE(event.ok() && event->has_value());
  EXPECT_EQ((*event)->version, version);
  auto verify = engine_->events().Verify(scope_);
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->valid) << verify->reason;
}

TEST_F(TransactionTest, ListMergesStagedPutsAndHidesStagedDeletesAcrossPages) {
  for (char c = 'a'; c <= 'j'; ++c) MustPut(std::string("k") + c, Value(1));
  Scope t = Begin();
  ASSERT_TRUE(kv().Delete(t, "kb").ok());
  ASSERT_TRUE(kv().Delete(t, "kc").ok());
  ASSERT_TRUE(kv().Put(t, "kbb", Value(2)).ok());
  ASSERT_TRUE(kv().Put(t, "kz", Value(2)).ok());
  ASSERT_TRUE(kv().Put(t, "other", Value(2)).ok());
  std::vector<std::string> all;
  std::optional<std::string> after;
  for (int pages = 0; pages < 20; ++pages) {
    auto page = kv().List(t, "k", after, 3, std::nullopt);
    ASSERT_TRUE(page.ok()) << page.status().message();
    all.insert(all.end(), page->names.begin(), page->names.end());
    if (!page->has_more) break;
    after = page->names.back();
  }
  EXPECT_EQ(all, (std::vector<std::string>{"ka", "kbb", "kd", "ke", "kf", "kg", "kh", "ki", "kj", "kz"}));
}

TEST_F(TransactionTest, EventsAppendedInsideAreCountedAndReadInside) {
  ASSERT_TRUE(engine_->events().Append(scope_, "t", Value(0)).ok());
  Scope t = Begin();
  auto a = engine_->events().Append(t, "t", Value(1));
  auto b = engine_->events().Append(t, "u", Value(2));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->sequence, 1u);
  EXPECT_EQ(b->sequence, 2u);
  EXPECT_EQ(*engine_->events().Len(t, std::nullopt), 3u);
  EXPECT_EQ(*engine_->events().Len(scope_, std::nullopt), 1u);
  auto got = engine_->events().Get(t, 2, std::nullopt);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->type, "u");
  auto of_type = engine_->events().List(t, std::string("t"), 10, std::nullopt, std::nullopt);
  ASSERT_TRUE(of_type.ok());
  ASSERT_EQ(of_type->size(), 2u);
  EXPECT_EQ((*of_type)[1].sequence, 1u);
  MustCommit(t);
  EXPECT_EQ(*engine_->events().Len(scope_, std::nullopt), 3u);
}

// An event appended inside shows, before commit, the timestamp and hashes it
// keeps: the chain from the snapshot's head on (they were empty, and the
// timestamp moved at commit).
TEST_F(TransactionTest, EventsAppendedInsideShowTheHashesAndTimeTheyKeep) {
  ASSERT_TRUE(engine_->events().Append(scope_, "t", Value(0)).ok());
  auto head = engine_->events().Get(scope_, 0, std::nullopt);
  ASSERT_TRUE(head.ok() && head->has_value());
  Scope t = Begin();
  ASSERT_TRUE(engine_->events().Append(t, "t", Value(1)).ok());
  ASSERT_TRUE(engine_->events().Append(t, "u", Value(2)).ok());
  auto inside = engine_->events().List(t, std::nullopt, 10, std::nullopt, std::nullopt);
  ASSERT_TRUE(inside.ok());
  ASSERT_EQ(inside->size(), 3u);
  EXPECT_EQ((*inside)[1].prev_hash, (*head)->hash);
  EXPECT_EQ((*inside)[1].hash.size(), 32u);
  EXPECT_EQ((*inside)[2].prev_hash, (*inside)[1].hash);
  MustCommit(t);
  auto after = engine_->events().List(scope_, std::nullopt, 10, std::nullopt, std::nullopt);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 3u);
  for (size_t i = 1; i < 3; ++i) {
    EXPECT_EQ((*after)[i].hash, (*inside)[i].hash) << i;
    EXPECT_EQ((*after)[i].prev_hash, (*inside)[i].prev_hash) << i;
    EXPECT_EQ((*after)[i].timestamp, (*inside)[i].timestamp) << i;
  }
  auto verify = engine_->events().Verify(scope_);
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->valid) << verify->reason;
}

TEST_F(TransactionTest, ConcurrentAppendToTheSameLogIsAConflict) {
  Scope t = Begin();
  ASSERT_TRUE(engine_->events().Append(t, "t", Value(1)).ok());
  ASSERT_TRUE(engine_->events().Append(scope_, "t", Value(2)).ok());
  auto commit = txns().Commit(t.txn_id);
  ASSERT_FALSE(commit.ok());
  EXPECT_EQ(commit.status().code(), Code::kConflict) << commit.status().message();
  EXPECT_EQ(*engine_->events().Len(scope_, std::nullopt), 1u);
  auto verify = engine_->events().Verify(scope_);
  EXPECT_TRUE(verify.ok() && verify->valid);
}

// A forced space delete after begin() removed what the transaction had read
// (its reads then found nothing) and its commit still went through, leaving
// only its own write: no serial order allows that. Reads and writes inside
// the transaction in that space are conflicts too: they found it empty.
TEST_F(TransactionTest, ASpaceDeletedAfterTheSnapshotIsAConflict) {
  Scope work{"", "work", ""};
  // x = 1 in "work", and a transaction that has read it.
  auto begin_after_reading_x = [&] {
    MustPut("x", Value(1), work);
    auto info = txns().Begin("");
    EXPECT_TRUE(info.ok());
    Scope t{"", "work", info.ok() ? info->id : ""};
    EXPECT_EQ(Get(t, "x"), Value(1));
    return t;
  };
  Scope t = begin_after_reading_x();
  ASSERT_TRUE(engine_->spaces().Delete("default", "work", true).ok());
  auto read = kv().Get(t, "x", std::nullopt);
  ASSERT_FALSE(read.ok()) << "the snapshot's x = 1 is gone: the read must not answer \"no such key\"";
  EXPECT_EQ(read.status().code(), Code::kConflict);
  EXPECT_NE(read.status().message().find("space \"work\" was deleted"), std::string::npos) << read.status().message();
  EXPECT_EQ(kv().Put(t, "y", Value(2)).status().code(), Code::kConflict);
  EXPECT_EQ(engine_->json().Get(t, "doc", "$", std::nullopt).status().code(), Code::kConflict);
  EXPECT_EQ(engine_->events().Len(t, std::nullopt).status().code(), Code::kConflict);
  Scope other_space{"", "", t.txn_id};
  EXPECT_TRUE(kv().Get(other_space, "x", std::nullopt).ok()) << "other spaces still answer";
  auto commit = txns().Commit(t.txn_id);
  ASSERT_FALSE(commit.ok());
  EXPECT_EQ(commit.status().code(), Code::kConflict) << commit.status().message();
  EXPECT_NE(commit.status().message().find("space \"work\" was deleted"), std::string::npos)
      << commit.status().message();
  EXPECT_FALSE(Get(work, "y").has_value()) << "nothing of the transaction was applied";

  // Deleted and made again after the snapshot: still a conflict.
  Scope t2 = begin_after_reading_x();
  ASSERT_TRUE(engine_->spaces().Delete("default", "work", true).ok());
  MustPut("x", Value(5), work);
  EXPECT_EQ(kv().Put(t2, "y", Value(2)).status().code(), Code::kConflict);
  EXPECT_EQ(txns().Commit(t2.txn_id).status().code(), Code::kConflict);
}

TEST_F(TransactionTest, LostUpdateOnAStateCellIsAConflictForTheSecondCommitter) {
  ASSERT_TRUE(engine_->state().Put(scope_, "counter", Value(10)).ok());
  Scope t1 = Begin();
  Scope t2 = Begin();
  for (const Scope& t : {t1, t2}) {
    auto v = engine_->state().Get(t, "counter", std::nullopt);
    ASSERT_TRUE(v.ok() && v->has_value());
    ASSERT_TRUE(engine_->state().Put(t, "counter", Value((*v)->value.get<int64_t>() + 1)).ok());
  }
  MustCommit(t1);
  auto second = txns().Commit(t2.txn_id);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kConflict);
  EXPECT_NE(second.status().message().find("\"counter\""), std::string::npos) << second.status().message();
  EXPECT_EQ((*engine_->state().Get(scope_, "counter", std::nullopt))->value, Value(11));
}

TEST_F(TransactionTest, WriteSkewIsAConflictBecauseReadsAreValidated) {
  // Two doctors on call; each may go off call only if the other stays.
  ASSERT_TRUE(engine_->state().Put(scope_, "alice", Value(true)).ok());
  ASSERT_TRUE(engine_->state().Put(scope_, "bob", Value(true)).ok());
  Scope t1 = Begin();
  Scope t2 = Begin();
  auto on_call = [&](const Scope& t, const char* who) {
    auto v = engine_->state().Get(t, who, std::nullopt);
    return v.ok() && v->has_value() && (*v)->value == Value(true);
  };
  ASSERT_TRUE(on_call(t1, "bob"));
  ASSERT_TRUE(engine_->state().Put(t1, "alice", Value(false)).ok());
  ASSERT_TRUE(on_call(t2, "alice"));
  ASSERT_TRUE(engine_->state().Put(t2, "bob", Value(false)).ok());
  MustCommit(t1);
  auto second = txns().Commit(t2.txn_id);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kConflict);
  EXPECT_EQ((*engine_->state().Get(scope_, "bob", std::nullopt))->value, Value(true));
}

TEST_F(TransactionTest, CasInsideSeesOwnWritesAndFailsWithoutUndoingEarlierOnes) {
  Scope t = Begin();
  ASSERT_TRUE(engine_->state().Init(t, "c", Value(1)).ok());
  CasExpectation expect_one;
  expect_one.value = Value(1);
  ASSERT_TRUE(engine_->state().Cas(t, "c", Value(2), expect_one).ok());
  auto failed = engine_->state().Cas(t, "c", Value(3), expect_one);
  EXPECT_EQ(failed.status().code(), Code::kConflict);
  EXPECT_EQ((*engine_->state().Get(t, "c", std::nullopt))->value, Value(2));
  MustCommit(t);
  EXPECT_EQ((*engine_->state().Get(scope_, "c", std::nullopt))->value, Value(2));
}

TEST_F(TransactionTest, JsonPathUpdatesInsideBuildOnEachOther) {
  ASSERT_TRUE(engine_->json().Set(scope_, "d", "$", Value::object({{"n", 1}})).ok());
  Scope t = Begin();
  ASSERT_TRUE(engine_->json().Set(t, "d", "$.m", Value(2)).ok());
  ASSERT_TRUE(engine_->json().Set(t, "d", "$.n", Value(5)).ok());
  auto inside = engine_->json().Get(t, "d", "$", std::nullopt);
  ASSERT_TRUE(inside.ok() && inside->has_value());
  EXPECT_EQ((*inside)->value, Value::object({{"n", 5}, {"m", 2}}));
  EXPECT_EQ((*engine_->json().Get(scope_, "d", "$", std::nullopt))->value, Value::object({{"n", 1}}));
  MustCommit(t);
  EXPECT_EQ((*engine_->json().Get(scope_, "d", "$", std::nullopt))->value, Value::object({{"n", 5}, {"m", 2}}));
}

TEST_F(TransactionTest, RollbackLeavesNoTraceAndTheIdIsGone) {
  uint64_t before = engine_->core().writer().committed_version();
  Scope t = Begin();
  ASSERT_TRUE(kv().Put(t, "x", Value(1)).ok());
  ASSERT_TRUE(engine_->events().Append(t, "e", Value(1)).ok());
  ASSERT_TRUE(txns().Rollback(t.txn_id).ok());
  EXPECT_EQ(Get(scope_, "x"), std::nullopt);
  EXPECT_EQ(*engine_->events().Len(scope_, std::nullopt), 0u);
  EXPECT_EQ(engine_->core().writer().committed_version(), before);
  EXPECT_EQ(txns().Commit(t.txn_id).status().code(), Code::kNotFound);
  EXPECT_EQ(kv().Put(t, "y", Value(1)).status().code(), Code::kNotFound);
  EXPECT_EQ(kv().Get(t, "y", std::nullopt).status().code(), Code::kNotFound);
}

TEST_F(TransactionTest, AFailedCommitAppliesNothing) {
  MustPut("shared", Value(0));
  Scope t = Begin();
  ASSERT_TRUE(kv().Put(t, "a", Value(1)).ok());
  ASSERT_TRUE(kv().Put(t, "shared", Value(1)).ok());
  ASSERT_TRUE(kv().Put(t, "z", Value(1)).ok());
  MustPut("shared", Value(2));
  EXPECT_EQ(txns().Commit(t.txn_id).status().code(), Code::kConflict);
  EXPECT_EQ(Get(scope_, "a"), std::nullopt);
  EXPECT_EQ(Get(scope_, "z"), std::nullopt);
  EXPECT_EQ(Get(scope_, "shared"), Value(2));
  EXPECT_EQ(txns().open_count(), 0u);
}

// Spec §11: commit fails when a key the transaction *read or wrote* changed
// after begin(), so a read-only transaction is validated too (it used to
// commit whatever had changed, which docs/transactions.md did not say).
TEST_F(TransactionTest, ReadOnlyCommitReturnsTheSnapshotOrAConflict) {
  MustPut("a", Value(1));
  Scope quiet = Begin();
  EXPECT_EQ(Get(quiet, "a"), Value(1));
  auto snapshot = txns().Info(quiet.txn_id);
  ASSERT_TRUE(snapshot.ok());
  auto v = txns().Commit(quiet.txn_id);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(*v, snapshot->snapshot_version);

  Scope t = Begin();
  EXPECT_EQ(Get(t, "a"), Value(1));
  MustPut("a", Value(2));
  auto conflict = txns().Commit(t.txn_id);
  EXPECT_EQ(conflict.status().code(), Code::kConflict) << conflict.status().message();
  EXPECT_EQ(txns().open_count(), 0u) << "the session ends either way";
}

TEST_F(TransactionTest, WorksOnABranchAndRefusesAnotherBranchName) {
  ASSERT_TRUE(engine_->branches().Create("feature").ok());
  Scope t = Begin("feature");
  ASSERT_TRUE(kv().Put(t, "k", Value(1)).ok());
  Scope wrong = t;
  wrong.branch = "default";
  EXPECT_EQ(kv().Put(wrong, "k", Value(1)).status().code(), Code::kInvalidArgument);
  Scope unnamed = t;
  unnamed.branch = "";
  EXPECT_EQ(Get(unnamed, "k"), Value(1));
  MustCommit(t);
  EXPECT_EQ(Get(Scope{"feature", "", ""}, "k"), Value(1));
  EXPECT_EQ(Get(scope_, "k"), std::nullopt);
}

TEST_F(TransactionTest, SpacesInsideOneTransactionCommitTogether) {
  Scope t = Begin();
  Scope in_space = t;
  in_space.space = "tenant1";
  ASSERT_TRUE(kv().Put(t, "k", Value(1)).ok());
  ASSERT_TRUE(kv().Put(in_space, "k", Value(2)).ok());
  EXPECT_EQ(Get(in_space, "k"), Value(2));
  uint64_t version = MustCommit(t);
  auto a = kv().Get(Scope{"", "tenant1", ""}, "k", std::nullopt);
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->value, Value(2));
  EXPECT_EQ((*a)->version, version);
}

TEST_F(TransactionTest, IdleSessionsExpireAndSayThatTheyExpired) {
  TxnLimits limits;
  limits.idle_timeout = std::chrono::milliseconds(50);
  txns().set_limits(limits);
  Scope t = Begin();
  ASSERT_TRUE(kv().Put(t, "x", Value(1)).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  txns().ExpireIdle();
  EXPECT_EQ(txns().open_count(), 0u);
  auto commit = txns().Commit(t.txn_id);
  EXPECT_EQ(commit.status().code(), Code::kNotFound);
  EXPECT_NE(commit.status().message().find("expired"), std::string::npos) << commit.status().message();
  // The idle limit as it was set (it said "0 s" below a second).
  EXPECT_NE(commit.status().message().find("after 50 ms idle"), std::string::npos) << commit.status().message();
  EXPECT_EQ(Get(scope_, "x"), std::nullopt);
  EXPECT_GE(txns().expired_count(), 1u);
}

TEST_F(TransactionTest, OldestSnapshotFollowsOpenSessions) {
  EXPECT_EQ(txns().OldestSnapshot(), UINT64_MAX);
  MustPut("a", Value(1));
  Scope t1 = Begin();
  MustPut("a", Value(2));
  Scope t2 = Begin();
  auto i1 = txns().Info(t1.txn_id);
  ASSERT_TRUE(i1.ok());
  EXPECT_EQ(txns().OldestSnapshot(), i1->snapshot_version);
  ASSERT_TRUE(txns().Rollback(t1.txn_id).ok());
  EXPECT_EQ(txns().OldestSnapshot(), txns().Info(t2.txn_id)->snapshot_version);
}

TEST_F(TransactionTest, StagedBytesAreBounded) {
  TxnLimits limits;
  limits.max_staged_bytes = 4096;
  txns().set_limits(limits);
  Scope t = Begin();
  std::string big(3000, 'x');
  ASSERT_TRUE(kv().Put(t, "a", Value(big)).ok());
  auto over = kv().Put(t, "b", Value(big));
  EXPECT_EQ(over.status().code(), Code::kResourceExhausted) << over.status().message();
  EXPECT_EQ(Get(t, "a"), Value(big));
  EXPECT_EQ(Get(t, "b"), std::nullopt);
}

// Before, the bound counted every write ever staged: overwriting one key
// with a value of 3000 bytes was refused at the second write.
TEST_F(TransactionTest, OverwritesCountOnlyWhatIsStagedNow) {
  TxnLimits limits;
  limits.max_staged_bytes = 4096;
  txns().set_limits(limits);
  Scope t = Begin();
  for (char c : std::string("abcdefghij")) {
    auto put = kv().Put(t, "a", Value(std::string(3000, c)));
    ASSERT_TRUE(put.ok()) << c << ": " << put.status().message();
  }
  EXPECT_EQ(Get(t, "a"), Value(std::string(3000, 'j')));
  auto over = kv().Put(t, "b", Value(std::string(3000, 'x')));
  EXPECT_EQ(over.status().code(), Code::kResourceExhausted) << "what is staged still counts";
}

TEST_F(TransactionTest, ConcurrentTransfersKeepTheTotalAndApplyEachCommitOnce) {
  constexpr int kAccounts = 10, kThreads = 8, kPerThread = 100;
  for (int i = 0; i < kAccounts; ++i) {
    ASSERT_TRUE(engine_->state().Put(scope_, "acct" + std::to_string(i), Value(100)).ok());
  }
  std::atomic<int> committed{0}, conflicts{0}, errors{0};
  std::vector<std::vector<std::pair<int, int>>> applied(kThreads);  // committed (from, to) per thread
  std::vector<std::thread> threads;
  for (int w = 0; w < kThreads; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kPerThread; ++i) {
        int from_i = (w + i) % kAccounts, to_i = (w * 3 + i * 7 + 1) % kAccounts;
        if (from_i == to_i) continue;
        std::string from = "acct" + std::to_string(from_i), to = "acct" + std::to_string(to_i);
        auto info = txns().Begin("");
        if (!info.ok()) {
          ++errors;
          continue;
        }
        Scope t{"", "", info->id};
        auto a = engine_->state().Get(t, from, std::nullopt);
        auto b = engine_->state().Get(t, to, std::nullopt);
        if (!a.ok() || !b.ok() || !a->has_value() || !b->has_value()) {
          ++errors;
          continue;
        }
        bool ok = engine_->state().Put(t, from, Value((*a)->value.get<int64_t>() - 1)).ok() &&
                  engine_->state().Put(t, to, Value((*b)->value.get<int64_t>() + 1)).ok();
        if (!ok) ++errors;
        auto v = txns().Commit(info->id);
        if (v.ok()) {
          ++committed;
          applied[w].emplace_back(from_i, to_i);
        } else if (v.status().code() == Code::kConflict) {
          ++conflicts;
        } else {
          ++errors;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_GT(committed.load(), 0);
  // Each committed transfer moved exactly one unit, once: every balance is
  // what replaying the committed transfers gives.
  std::vector<int64_t> expected(kAccounts, 100);
  for (const auto& list : applied) {
    for (auto [from, to] : list) {
      --expected[from];
      ++expected[to];
    }
  }
  int64_t total = 0;
  for (int i = 0; i < kAccounts; ++i) {
    int64_t balance = (*engine_->state().Get(scope_, "acct" + std::to_string(i), std::nullopt))->value.get<int64_t>();
    EXPECT_EQ(balance, expected[i]) << "acct" << i;
    total += balance;
  }
  EXPECT_EQ(total, 100 * kAccounts);
}

// The conflict named the vector "0000000000000001/a": its on-disk name
// without the collection, where merge conflicts say "docs/a".
TEST_F(TransactionTest, AVectorConflictNamesCollectionAndKey) {
  CollectionConfig c;
  c.dimension = 2;
  ASSERT_TRUE(engine_->vectors().CreateCollection(scope_, "docs", c).ok());
  ASSERT_TRUE(engine_->vectors().Upsert(scope_, "docs", VectorInput{"a", {1, 0}, std::nullopt}).ok());
  Scope t = Begin();
  ASSERT_TRUE(engine_->vectors().Get(t, "docs", "a", std::nullopt).ok());
  ASSERT_TRUE(engine_->vectors().Upsert(scope_, "docs", VectorInput{"a", {0, 1}, std::nullopt}).ok());
  ASSERT_TRUE(engine_->vectors().Upsert(t, "docs", VectorInput{"b", {1, 1}, std::nullopt}).ok());
  auto commit = txns().Commit(t.txn_id);
  ASSERT_EQ(commit.status().code(), Code::kConflict) << commit.status().message();
  EXPECT_NE(commit.status().message().find("vector \"docs/a\" in space \"default\""), std::string::npos)
      << commit.status().message();
}

TEST_F(TransactionTest, VectorSearchSeesTheSnapshotPlusOwnWrites) {
  VectorStore& vectors = engine_->vectors();
  CollectionConfig c;
  c.dimension = 2;
  c.metric = Metric::kEuclidean;
  ASSERT_TRUE(vectors.CreateCollection(scope_, "docs", c).ok());
  ASSERT_TRUE(vectors.Upsert(scope_, "docs", VectorInput{"keep", {0, 0}, std::nullopt}).ok());
  ASSERT_TRUE(vectors.Upsert(scope_, "docs", VectorInput{"drop", {1, 0}, std::nullopt}).ok());
  ASSERT_TRUE(vectors.Upsert(scope_, "docs", VectorInput{"move", {5, 5}, std::nullopt}).ok());
  auto keys = [&](const Scope& scope, std::vector<Filter> filters = {}) {
    VectorSearchOptions options;
    options.k = 10;
    options.filters = std::move(filters);
    auto r = vectors.Search(scope, "docs", {0, 0}, options);
    EXPECT_TRUE(r.ok()) << r.status().message();
    std::vector<std::string> out;
    if (r.ok()) {
      for (const auto& m : *r) out.push_back(m.key);
    }
    return out;
  };

  Scope t = Begin();
  ASSERT_TRUE(vectors.Upsert(t, "docs", VectorInput{"new", {0.5, 0}, Value{{"tag", "t"}}}).ok());
  ASSERT_TRUE(vectors.Upsert(t, "docs", VectorInput{"move", {0.1, 0}, std::nullopt}).ok());
  ASSERT_TRUE(vectors.Delete(t, "docs", "drop").ok());
  ASSERT_TRUE(vectors.Upsert(scope_, "docs", VectorInput{"other", {0.2, 0}, std::nullopt}).ok());  // after the snapshot

  EXPECT_EQ(keys(t), (std::vector<std::string>{"keep", "move", "new"}));
  auto filtered = ParseFilter("tag", "eq", Value("t"), 0);
  ASSERT_TRUE(filtered.ok()) << filtered.status().message();
  EXPECT_EQ(keys(t, {*filtered}), (std::vector<std::string>{"new"}));
  auto batch = vectors.BatchSearch(t, "docs", {{0, 0}, {5, 5}}, VectorSearchOptions{});
  ASSERT_TRUE(batch.ok()) << batch.status().message();
  ASSERT_EQ(batch->size(), 2u);
  EXPECT_EQ((*batch)[1].front().key, "new");  // nearest to (5, 5) now that "move" moved
  // Others see the committed state, through the index.
  EXPECT_EQ(keys(scope_), (std::vector<std::string>{"keep", "other", "drop", "move"}));

  MustCommit(t);
  EXPECT_EQ(keys(scope_), (std::vector<std::string>{"keep", "move", "other", "new"}));
}

}  // namespace
}  // namespace strata::storage

// The Transactions service against a real stratad over loopback gRPC: calls
// join a session through Context.txn_id; commit is atomic and first committer
// wins; unknown and expired ids are NOT_FOUND.
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "strata/v1/events.grpc.pb.h"
#include "strata/v1/state.grpc.pb.h"
#include "strata/v1/transactions.grpc.pb.h"
#include "tests/testutil/server_fixture.h"

namespace strata {
namespace {

using testutil::CallContext;

class TransactionsServiceTest : public testutil::ServerTest {
 protected:
  std::vector<std::string> ExtraArgs() const override { return {"--txn-idle-timeout-ms", "400"}; }

  void SetUp() override {
    ServerTest::SetUp();
    txns_ = v1::Transactions::NewStub(channel_);
    events_ = v1::Events::NewStub(channel_);
  }

  std::string Begin(const std::string& branch = "") {
    v1::TxnBeginRequest req;
    req.set_branch(branch);
    v1::TxnInfo info;
    CallContext ctx;
    grpc::Status st = txns_->Begin(ctx.get(), req, &info);
    EXPECT_TRUE(st.ok()) << st.error_message();
    EXPECT_EQ(info.status(), "active");
    return info.id();
  }

  grpc::Status PutIn(const std::string& txn, const std::string& key, int64_t value, uint64_t* version = nullptr) {
    v1::KvPutRequest req;
    req.mutable_context()->set_txn_id(txn);
    req.set_key(key);
    *req.mutable_value() = testutil::IntValue(value);
    v1::WriteResponse resp;
    CallContext ctx;
    grpc::Status st = kv_->Put(ctx.get(), req, &resp);
    if (version != nullptr) *version = resp.version();
    return st;
  }

  v1::KvGetResponse GetIn(const std::string& txn, const std::string& key) {
    v1::KvGetRequest req;
    req.mutable_context()->set_txn_id(txn);
    req.set_key(key);
    v1::KvGetResponse resp;
    CallContext ctx;
    grpc::Status st = kv_->Get(ctx.get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp;
  }

  grpc::Status Commit(const std::string& txn, uint64_t* version, std::string* reason = nullptr) {
    v1::TxnRequest req;
    req.set_txn_id(txn);
    v1::TxnCommitResponse resp;
    CallContext ctx;
    grpc::Status st = txns_->Commit(ctx.get(), req, &resp);
    *version = resp.version();
    if (reason != nullptr) *reason = ctx.reason();
    return st;
  }

  std::unique_ptr<v1::Transactions::Stub> txns_;
  std::unique_ptr<v1::Events::Stub> events_;
};

TEST_F(TransactionsServiceTest, WritesJoinTheSessionAndCommitAtOneVersion) {
  std::string txn = Begin();
  uint64_t staged = 1;
  ASSERT_TRUE(PutIn(txn, "a", 1, &staged).ok());
  EXPECT_EQ(staged, 0u);
  ASSERT_TRUE(PutIn(txn, "b", 2).ok());
  EXPECT_TRUE(GetIn(txn, "a").found());
  EXPECT_FALSE(MustGet("a").found());

  v1::TxnRequest info_req;
  info_req.set_txn_id(txn);
  v1::TxnInfo info;
  CallContext info_ctx;
  ASSERT_TRUE(txns_->Info(info_ctx.get(), info_req, &info).ok());
  EXPECT_EQ(info.staged_writes(), 2u);
  EXPECT_EQ(info.branch(), "default");

  uint64_t version = 0;
  ASSERT_TRUE(Commit(txn, &version).ok());
  EXPECT_EQ(MustGet("a").entry().version(), version);
  EXPECT_EQ(MustGet("b").entry().version(), version);
}

TEST_F(TransactionsServiceTest, SecondCommitterGetsAbortedWithTheConflictReason) {
  MustPut("k", testutil::IntValue(0));
  std::string t1 = Begin(), t2 = Begin();
  GetIn(t1, "k");
  GetIn(t2, "k");
  ASSERT_TRUE(PutIn(t1, "k", 1).ok());
  ASSERT_TRUE(PutIn(t2, "k", 2).ok());
  uint64_t version = 0;
  ASSERT_TRUE(Commit(t1, &version).ok());
  std::string reason;
  grpc::Status st = Commit(t2, &version, &reason);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::ABORTED) << st.error_message();
  EXPECT_EQ(reason, "conflict");
  EXPECT_NE(st.error_message().find("\"k\""), std::string::npos) << st.error_message();
  EXPECT_EQ(MustGet("k").entry().value().int_value(), 1);
}

TEST_F(TransactionsServiceTest, RollbackDiscardsAndEndsTheSession) {
  std::string txn = Begin();
  ASSERT_TRUE(PutIn(txn, "gone", 1).ok());
  v1::TxnRequest req;
  req.set_txn_id(txn);
  v1::TxnRollbackResponse resp;
  CallContext ctx;
  ASSERT_TRUE(txns_->Rollback(ctx.get(), req, &resp).ok());
  EXPECT_FALSE(MustGet("gone").found());
  EXPECT_EQ(PutIn(txn, "gone", 1).error_code(), grpc::StatusCode::NOT_FOUND);
  ExpectServing();
}

TEST_F(TransactionsServiceTest, IdleSessionExpiresWithAMessageSayingSo) {
  std::string txn = Begin();
  ASSERT_TRUE(PutIn(txn, "x", 1).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  uint64_t version = 0;
  grpc::Status st = Commit(txn, &version);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(st.error_message().find("expired"), std::string::npos) << st.error_message();
  EXPECT_FALSE(MustGet("x").found());
}

TEST_F(TransactionsServiceTest, EmptyIdAndOtherBranchAreInvalid) {
  v1::TxnRequest req;
  v1::TxnCommitResponse resp;
  CallContext ctx;
  EXPECT_EQ(txns_->Commit(ctx.get(), req, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  std::string txn = Begin();
  v1::KvPutRequest put;
  put.mutable_context()->set_txn_id(txn);
  put.mutable_context()->set_branch("elsewhere");
  put.set_key("k");
  *put.mutable_value() = testutil::IntValue(1);
  v1::WriteResponse put_resp;
  CallContext put_ctx;
  grpc::Status st = kv_->Put(put_ctx.get(), put, &put_resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
  EXPECT_NE(st.error_message().find("elsewhere"), std::string::npos);
}

TEST_F(TransactionsServiceTest, EventAppendInsideReturnsItsFutureSequence) {
  std::string txn = Begin();
  v1::EventAppendRequest req;
  req.mutable_context()->set_txn_id(txn);
  req.set_event_type("audit");
  *req.mutable_payload() = testutil::IntValue(7);
  v1::EventAppendResponse resp;
  CallContext ctx;
  grpc::Status st = events_->Append(ctx.get(), req, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(resp.sequence(), 0u);
  uint64_t version = 0;
  ASSERT_TRUE(Commit(txn, &version).ok());
  v1::EventGetRequest get;
  get.set_sequence(0);
  v1::EventGetResponse got;
  CallContext get_ctx;
  ASSERT_TRUE(events_->Get(get_ctx.get(), get, &got).ok());
  EXPECT_EQ(got.event().version(), version);
}

}  // namespace
}  // namespace strata

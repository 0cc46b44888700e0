// Branches.Diff and Branches.Merge against a real stratad over loopback gRPC:
// shapes, strategies, and their error codes and reasons.
#include <string>

#include <gtest/gtest.h>

#include "strata/v1/branches.grpc.pb.h"
#include "tests/testutil/server_fixture.h"

namespace strata {
namespace {

using testutil::CallContext;

class BranchMergeServiceTest : public testutil::ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    branches_ = v1::Branches::NewStub(channel_);
  }

  void Fork(const std::string& source, const std::string& dest) {
    v1::BranchForkRequest req;
    req.set_source(source);
    req.set_destination(dest);
    v1::BranchForkResponse resp;
    CallContext ctx;
    grpc::Status st = branches_->Fork(ctx.get(), req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }

  void PutOn(const std::string& branch, const std::string& key, const v1::Value& value) {
    v1::KvPutRequest req;
    req.set_key(key);
    req.mutable_context()->set_branch(branch);
    *req.mutable_value() = value;
    v1::WriteResponse resp;
    CallContext ctx;
    grpc::Status st = kv_->Put(ctx.get(), req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }

  v1::KvGetResponse GetOn(const std::string& branch, const std::string& key) {
    v1::KvGetRequest req;
    req.set_key(key);
    req.mutable_context()->set_branch(branch);
    v1::KvGetResponse resp;
    CallContext ctx;
    grpc::Status st = kv_->Get(ctx.get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp;
  }

  grpc::Status Merge(const std::string& source, const std::string& target, const std::string& strategy,
                     v1::BranchMergeResponse* resp, std::string* reason = nullptr) {
    v1::BranchMergeRequest req;
    req.set_source(source);
    req.set_target(target);
    req.set_strategy(strategy);
    CallContext ctx;
    grpc::Status st = branches_->Merge(ctx.get(), req, resp);
    if (reason != nullptr) *reason = ctx.reason();
    return st;
  }

  std::unique_ptr<v1::Branches::Stub> branches_;
};

TEST_F(BranchMergeServiceTest, DiffShapes) {
  PutOn("", "mod", testutil::IntValue(1));
  Fork("default", "child");
  PutOn("child", "mod", testutil::IntValue(2));
  PutOn("child", "new", testutil::StringValue("n"));
  v1::BranchDiffRequest req;
  req.set_branch_a("default");
  req.set_branch_b("child");
  v1::BranchDiffResponse resp;
  CallContext ctx;
  grpc::Status st = branches_->Diff(ctx.get(), req, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(resp.branch_a(), "default");
  EXPECT_EQ(resp.branch_b(), "child");
  EXPECT_EQ(resp.added(), 1u);
  EXPECT_EQ(resp.modified(), 1u);
  EXPECT_EQ(resp.removed(), 0u);
  EXPECT_FALSE(resp.unrelated());
  ASSERT_EQ(resp.entries_size(), 2);
  for (const auto& e : resp.entries()) {
    EXPECT_EQ(e.space(), "default");
    EXPECT_EQ(e.primitive(), "kv");
    if (e.key() == "mod") {
      EXPECT_EQ(e.change(), "modified");
      EXPECT_EQ(e.value_a().int_value(), 1);
      EXPECT_EQ(e.value_b().int_value(), 2);
    } else {
      EXPECT_EQ(e.key(), "new");
      EXPECT_EQ(e.change(), "added");
      EXPECT_EQ(e.value_b().string_value(), "n");
    }
  }
}

TEST_F(BranchMergeServiceTest, DiffOfMissingBranchIsNotFound) {
  v1::BranchDiffRequest req;
  req.set_branch_a("default");
  req.set_branch_b("nope");
  v1::BranchDiffResponse resp;
  CallContext ctx;
  grpc::Status st = branches_->Diff(ctx.get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(BranchMergeServiceTest, MergeWithConflictAndStrategies) {
  PutOn("", "k", testutil::IntValue(1));
  Fork("default", "feature");
  PutOn("", "k", testutil::StringValue("target"));
  PutOn("feature", "k", testutil::StringValue("source"));
  PutOn("feature", "clean", testutil::IntValue(5));

  v1::BranchMergeResponse strict;
  std::string reason;
  grpc::Status st = Merge("feature", "default", "strict", &strict, &reason);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_NE(st.error_message().find("\"k\""), std::string::npos) << st.error_message();
  EXPECT_EQ(GetOn("default", "k").entry().value().string_value(), "target");
  EXPECT_FALSE(GetOn("default", "clean").found());

  v1::BranchMergeResponse resp;
  st = Merge("feature", "default", "target_wins", &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(resp.source(), "feature");
  EXPECT_EQ(resp.target(), "default");
  EXPECT_EQ(resp.strategy(), "target_wins");
  EXPECT_EQ(resp.keys_applied(), 1u);
  EXPECT_GT(resp.version(), 0u);
  ASSERT_EQ(resp.conflicts_size(), 1);
  EXPECT_EQ(resp.conflicts(0).key(), "k");
  EXPECT_EQ(resp.conflicts(0).primitive(), "kv");
  EXPECT_EQ(resp.conflicts(0).space(), "default");
  EXPECT_EQ(resp.conflicts(0).source_value().string_value(), "source");
  EXPECT_EQ(resp.conflicts(0).target_value().string_value(), "target");
  EXPECT_EQ(resp.conflicts(0).resolution(), "target");
  EXPECT_EQ(GetOn("default", "k").entry().value().string_value(), "target");
  EXPECT_EQ(GetOn("default", "clean").entry().value().int_value(), 5);

  // Merging again: nothing changed since.
  v1::BranchMergeResponse again;
  ASSERT_TRUE(Merge("feature", "default", "", &again).ok());
  EXPECT_EQ(again.strategy(), "last_writer_wins");
  EXPECT_EQ(again.keys_applied(), 0u);
}

TEST_F(BranchMergeServiceTest, MergeErrors) {
  Fork("default", "feature");
  v1::BranchMergeResponse resp;
  EXPECT_EQ(Merge("feature", "default", "ours", &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Merge("feature", "feature", "", &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Merge("nope", "default", "", &resp).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Merge("feature", "nope", "", &resp).error_code(), grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace strata

// The Branches service against a real stratad over loopback gRPC: catalog
// calls, their error codes and reasons, and data isolation seen over the wire.
#include <csignal>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "strata/v1/branches.grpc.pb.h"
#include "strata/v1/events.grpc.pb.h"
#include "tests/testutil/server_fixture.h"

namespace strata {
namespace {

using testutil::CallContext;

class BranchesServiceTest : public testutil::ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    branches_ = v1::Branches::NewStub(channel_);
  }

  v1::BranchForkResponse MustFork(const std::string& source, const std::string& dest) {
    v1::BranchForkRequest req;
    req.set_source(source);
    req.set_destination(dest);
    v1::BranchForkResponse resp;
    CallContext ctx;
    grpc::Status st = branches_->Fork(ctx.get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp;
  }

  uint64_t PutOn(const std::string& branch, const std::string& key, const v1::Value& value) {
    v1::KvPutRequest req;
    req.set_key(key);
    req.mutable_context()->set_branch(branch);
    *req.mutable_value() = value;
    v1::WriteResponse resp;
    CallContext ctx;
    grpc::Status st = kv_->Put(ctx.get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.version();
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

  std::vector<std::string> Names() {
    v1::BranchListResponse resp;
    CallContext ctx;
    grpc::Status st = branches_->List(ctx.get(), v1::BranchListRequest(), &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return {resp.names().begin(), resp.names().end()};
  }

  std::unique_ptr<v1::Branches::Stub> branches_;
};

TEST_F(BranchesServiceTest, CreateGetListDelete) {
  EXPECT_EQ(Names(), std::vector<std::string>{"default"});
  v1::BranchCreateRequest create;
  create.set_name("feature");
  v1::BranchInfo info;
  {
    CallContext ctx;
    ASSERT_TRUE(branches_->Create(ctx.get(), create, &info).ok());
  }
  EXPECT_EQ(info.name(), "feature");
  EXPECT_EQ(info.parent(), "");
  EXPECT_GT(info.created_at(), 0);
  EXPECT_EQ(Names(), (std::vector<std::string>{"default", "feature"}));

  v1::BranchGetRequest get;
  get.set_name("feature");
  v1::BranchInfo got;
  {
    CallContext ctx;
    ASSERT_TRUE(branches_->Get(ctx.get(), get, &got).ok());
  }
  EXPECT_EQ(got.name(), "feature");
  EXPECT_EQ(got.created_at(), info.created_at());

  v1::BranchDeleteRequest del;
  del.set_name("feature");
  v1::BranchDeleteResponse deleted;
  {
    CallContext ctx;
    ASSERT_TRUE(branches_->Delete(ctx.get(), del, &deleted).ok());
  }
  EXPECT_GT(deleted.version(), 0u);
  EXPECT_EQ(Names(), std::vector<std::string>{"default"});
  CallContext ctx;
  grpc::Status st = branches_->Get(ctx.get(), get, &got);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ctx.reason(), "not_found");
  EXPECT_NE(st.error_message().find("feature"), std::string::npos);
}

TEST_F(BranchesServiceTest, ErrorsCarryTheirCodesAndReasons) {
  {
    v1::BranchCreateRequest req;
    req.set_name("default");
    v1::BranchInfo resp;
    CallContext ctx;
    grpc::Status st = branches_->Create(ctx.get(), req, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::ALREADY_EXISTS) << st.error_message();
    EXPECT_EQ(ctx.reason(), "constraint");
  }
  {
    v1::BranchCreateRequest req;  // empty name
    v1::BranchInfo resp;
    CallContext ctx;
    grpc::Status st = branches_->Create(ctx.get(), req, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(ctx.reason(), "validation");
  }
  {
    v1::BranchDeleteRequest req;
    req.set_name("default");
    v1::BranchDeleteResponse resp;
    CallContext ctx;
    grpc::Status st = branches_->Delete(ctx.get(), req, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(ctx.reason(), "constraint");
  }
  {
    v1::BranchDeleteRequest req;
    req.set_name("missing");
    v1::BranchDeleteResponse resp;
    CallContext ctx;
    grpc::Status st = branches_->Delete(ctx.get(), req, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(ctx.reason(), "not_found");
  }
  {
    v1::BranchForkRequest req;
    req.set_source("missing");
    req.set_destination("x");
    v1::BranchForkResponse resp;
    CallContext ctx;
    grpc::Status st = branches_->Fork(ctx.get(), req, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  }
}

TEST_F(BranchesServiceTest, ForkIsolatesBothWaysOverTheWire) {
  PutOn("", "shared", testutil::IntValue(1));
  v1::BranchForkResponse fork = MustFork("default", "child");
  EXPECT_EQ(fork.source(), "default");
  EXPECT_EQ(fork.destination(), "child");
  EXPECT_GT(fork.version(), 0u);
  v1::BranchGetRequest get;
  get.set_name("child");
  v1::BranchInfo info;
  CallContext ctx;
  ASSERT_TRUE(branches_->Get(ctx.get(), get, &info).ok());
  EXPECT_EQ(info.parent(), "default");
  EXPECT_EQ(info.fork_version(), fork.version());

  EXPECT_EQ(GetOn("child", "shared").entry().value().int_value(), 1);
  PutOn("child", "shared", testutil::IntValue(2));
  PutOn("", "parent-only", testutil::IntValue(3));
  EXPECT_EQ(GetOn("child", "shared").entry().value().int_value(), 2);
  EXPECT_EQ(GetOn("", "shared").entry().value().int_value(), 1);
  EXPECT_FALSE(GetOn("child", "parent-only").found());
}

TEST_F(BranchesServiceTest, ChildEventLogVerifiesAfterFork) {
  auto events = v1::Events::NewStub(channel_);
  for (int i = 0; i < 3; ++i) {
    v1::EventAppendRequest req;
    req.set_event_type("t");
    *req.mutable_payload() = testutil::IntValue(i);
    v1::EventAppendResponse resp;
    CallContext ctx;
    ASSERT_TRUE(events->Append(ctx.get(), req, &resp).ok());
  }
  MustFork("default", "child");
  v1::EventAppendRequest req;
  req.mutable_context()->set_branch("child");
  req.set_event_type("t");
  *req.mutable_payload() = testutil::StringValue("child");
  v1::EventAppendResponse appended;
  {
    CallContext ctx;
    ASSERT_TRUE(events->Append(ctx.get(), req, &appended).ok());
  }
  EXPECT_EQ(appended.sequence(), 3u);
  v1::EventVerifyRequest verify;
  verify.mutable_context()->set_branch("child");
  v1::EventVerifyResponse verified;
  CallContext ctx;
  ASSERT_TRUE(events->Verify(ctx.get(), verify, &verified).ok());
  EXPECT_TRUE(verified.valid());
  EXPECT_EQ(verified.length(), 4u);
}

TEST_F(BranchesServiceTest, BranchesSurviveARestart) {
  PutOn("", "k", testutil::IntValue(7));
  MustFork("default", "kept");
  kv_.reset();
  admin_.reset();
  branches_.reset();
  channel_.reset();
  EXPECT_EQ(server_->Stop(SIGTERM), 0);
  server_ = std::make_unique<testutil::ServerProcess>(std::vector<std::string>{"--data-dir", data_dir()});
  ASSERT_TRUE(server_->ready());
  channel_ = testutil::Connect(server_->address());
  kv_ = v1::KV::NewStub(channel_);
  branches_ = v1::Branches::NewStub(channel_);
  EXPECT_EQ(Names(), (std::vector<std::string>{"default", "kept"}));
  EXPECT_EQ(GetOn("kept", "k").entry().value().int_value(), 7);
}

}  // namespace
}  // namespace strata

// The Spaces service against a real stratad over loopback gRPC.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "strata/v1/branches.grpc.pb.h"
#include "strata/v1/spaces.grpc.pb.h"
#include "tests/testutil/server_fixture.h"

namespace strata {
namespace {

using testutil::CallContext;

class SpacesServiceTest : public testutil::ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    spaces_ = v1::Spaces::NewStub(channel_);
  }

  std::vector<std::string> Names(const std::string& branch = "") {
    v1::SpaceListRequest req;
    req.set_branch(branch);
    v1::SpaceListResponse resp;
    CallContext ctx;
    grpc::Status st = spaces_->List(ctx.get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return {resp.names().begin(), resp.names().end()};
  }

  bool Exists(const std::string& name, const std::string& branch = "") {
    v1::SpaceRequest req;
    req.set_branch(branch);
    req.set_name(name);
    v1::SpaceExistsResponse resp;
    CallContext ctx;
    grpc::Status st = spaces_->Exists(ctx.get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.exists();
  }

  grpc::Status Delete(const std::string& name, bool force, std::string* reason = nullptr) {
    v1::SpaceDeleteRequest req;
    req.set_name(name);
    req.set_force(force);
    v1::SpaceDeleteResponse resp;
    CallContext ctx;
    grpc::Status st = spaces_->Delete(ctx.get(), req, &resp);
    if (reason != nullptr) *reason = ctx.reason();
    return st;
  }

  std::unique_ptr<v1::Spaces::Stub> spaces_;
};

TEST_F(SpacesServiceTest, CreateListExists) {
  EXPECT_EQ(Names(), std::vector<std::string>{"default"});
  EXPECT_TRUE(Exists("default"));
  v1::SpaceRequest req;
  req.set_name("notes");
  v1::SpaceCreateResponse first, second;
  {
    CallContext ctx;
    ASSERT_TRUE(spaces_->Create(ctx.get(), req, &first).ok());
  }
  {
    CallContext ctx;
    ASSERT_TRUE(spaces_->Create(ctx.get(), req, &second).ok()) << "create is idempotent";
  }
  EXPECT_GT(first.version(), 0u);
  EXPECT_EQ(Names(), (std::vector<std::string>{"default", "notes"}));
  EXPECT_TRUE(Exists("notes"));
  EXPECT_FALSE(Exists("other"));
  MustPut("k", testutil::IntValue(1), "written");
  EXPECT_TRUE(Exists("written")) << "a space exists from its first write";
}

TEST_F(SpacesServiceTest, BadNamesAreValidationErrors) {
  v1::SpaceRequest req;
  req.set_name("Bad Name");
  v1::SpaceCreateResponse resp;
  CallContext ctx;
  grpc::Status st = spaces_->Create(ctx.get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ctx.reason(), "validation");
  v1::SpaceRequest reserved;
  reserved.set_name("_system_");
  CallContext ctx2;
  EXPECT_EQ(spaces_->Create(ctx2.get(), reserved, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::SpaceListRequest list;
  list.set_branch("missing");
  v1::SpaceListResponse listed;
  CallContext ctx3;
  EXPECT_EQ(spaces_->List(ctx3.get(), list, &listed).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(SpacesServiceTest, DeleteRules) {
  std::string reason;
  grpc::Status st = Delete("default", true, &reason);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(reason, "constraint");
  st = Delete("missing", false, &reason);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);

  MustPut("k", testutil::IntValue(1), "full");
  st = Delete("full", false, &reason);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << st.error_message();
  EXPECT_EQ(reason, "constraint");
  EXPECT_TRUE(MustGet("k", "full").found());
  ASSERT_TRUE(Delete("full", true).ok());
  EXPECT_FALSE(Exists("full"));
  EXPECT_FALSE(MustGet("k", "full").found());
  EXPECT_EQ(Names(), std::vector<std::string>{"default"});
}

TEST_F(SpacesServiceTest, SpacesBelongToTheirBranch) {
  auto branches = v1::Branches::NewStub(channel_);
  MustPut("k", testutil::IntValue(1), "inherited");
  v1::BranchForkRequest fork;
  fork.set_source("default");
  fork.set_destination("child");
  v1::BranchForkResponse forked;
  {
    CallContext ctx;
    ASSERT_TRUE(branches->Fork(ctx.get(), fork, &forked).ok());
  }
  EXPECT_TRUE(Exists("inherited", "child"));
  v1::SpaceRequest create;
  create.set_branch("child");
  create.set_name("child-only");
  v1::SpaceCreateResponse created;
  {
    CallContext ctx;
    ASSERT_TRUE(spaces_->Create(ctx.get(), create, &created).ok());
  }
  EXPECT_EQ(Names("child"), (std::vector<std::string>{"child-only", "default", "inherited"}));
  EXPECT_EQ(Names(), (std::vector<std::string>{"default", "inherited"}));

  v1::SpaceDeleteRequest del;
  del.set_branch("child");
  del.set_name("inherited");
  del.set_force(true);
  v1::SpaceDeleteResponse deleted;
  {
    CallContext ctx;
    ASSERT_TRUE(spaces_->Delete(ctx.get(), del, &deleted).ok());
  }
  EXPECT_FALSE(Exists("inherited", "child"));
  EXPECT_TRUE(Exists("inherited"));
  EXPECT_TRUE(MustGet("k", "inherited").found());
}

}  // namespace
}  // namespace strata

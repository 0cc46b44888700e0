// --auth-token-file: every rpc needs a bearer token whose role covers it
// (read < write < admin), except health checking and reflection.
#include <gtest/gtest.h>

#include "strata/v1/branches.grpc.pb.h"
#include "tests/testutil/server_fixture.h"
#include "tests/testutil/token_file.h"

namespace strata {
namespace {

using testutil::CallContext;
using testutil::TestTokens;

class AuthTest : public testutil::ServerTest {
 protected:
  AuthTest() { TestTokens::Write(dir_.path() + "/tokens"); }
  std::vector<std::string> ExtraArgs() const override { return {"--auth-token-file", dir_.path() + "/tokens"}; }

  static void Authorize(CallContext& ctx, const std::string& token) {
    ctx.get()->AddMetadata("authorization", "Bearer " + token);
  }

  // KV.Put "k" with `token` ("" sends none).
  grpc::Status Put(const std::string& token) {
    v1::KvPutRequest req;
    req.set_key("k");
    *req.mutable_value() = testutil::IntValue(1);
    v1::WriteResponse resp;
    CallContext ctx;
    if (!token.empty()) Authorize(ctx, token);
    return kv_->Put(ctx.get(), req, &resp);
  }

  grpc::Status Get(const std::string& token) {
    v1::KvGetRequest req;
    req.set_key("k");
    v1::KvGetResponse resp;
    CallContext ctx;
    if (!token.empty()) Authorize(ctx, token);
    return kv_->Get(ctx.get(), req, &resp);
  }

  grpc::Status Flush(const std::string& token) {
    v1::FlushResponse resp;
    CallContext ctx;
    if (!token.empty()) Authorize(ctx, token);
    return admin_->Flush(ctx.get(), v1::FlushRequest(), &resp);
  }

  static bool Mentions(const grpc::Status& st, const std::string& word) {
    return st.error_message().find(word) != std::string::npos;
  }
};

TEST_F(AuthTest, NoTokenIsUnauthenticated) {
  grpc::Status st = Put("");
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED) << st.error_message();
  EXPECT_TRUE(Mentions(st, "authorization: Bearer")) << st.error_message();
  EXPECT_EQ(Get("").error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AuthTest, UnknownTokenIsUnauthenticated) {
  grpc::Status st = Put("not-a-token-of-this-server-at-all");
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED) << st.error_message();
  EXPECT_TRUE(Mentions(st, "unknown token")) << st.error_message();
  // A token that is a prefix of a real one is just as unknown.
  EXPECT_EQ(Get(std::string(TestTokens::kAdmin).substr(0, 20)).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AuthTest, OtherSchemesAreUnauthenticated) {
  v1::PingResponse resp;
  CallContext ctx;
  ctx.get()->AddMetadata("authorization", std::string("Basic ") + TestTokens::kAdmin);
  grpc::Status st = admin_->Ping(ctx.get(), v1::PingRequest(), &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED) << st.error_message();
}

TEST_F(AuthTest, ReadTokenReadsButCannotWrite) {
  EXPECT_TRUE(Get(TestTokens::kRead).ok());
  grpc::Status st = Put(TestTokens::kRead);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED) << st.error_message();
  EXPECT_TRUE(Mentions(st, "/strata.v1.KV/Put needs the write role")) << st.error_message();
  EXPECT_EQ(Flush(TestTokens::kRead).error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(AuthTest, WriteTokenWritesAndReadsButCannotAdminister) {
  grpc::Status put = Put(TestTokens::kWrite);
  ASSERT_TRUE(put.ok()) << put.error_message();
  v1::KvGetRequest req;
  req.set_key("k");
  v1::KvGetResponse resp;
  CallContext ctx;
  Authorize(ctx, TestTokens::kWrite);
  ASSERT_TRUE(kv_->Get(ctx.get(), req, &resp).ok());
  EXPECT_TRUE(resp.found());
  EXPECT_EQ(resp.entry().value().int_value(), 1);
  grpc::Status flush = Flush(TestTokens::kWrite);
  EXPECT_EQ(flush.error_code(), grpc::StatusCode::PERMISSION_DENIED) << flush.error_message();
  EXPECT_TRUE(Mentions(flush, "admin")) << flush.error_message();
}

TEST_F(AuthTest, AdminTokenDoesEverything) {
  EXPECT_TRUE(Put(TestTokens::kAdmin).ok());
  EXPECT_TRUE(Get(TestTokens::kAdmin).ok());
  grpc::Status flush = Flush(TestTokens::kAdmin);
  EXPECT_TRUE(flush.ok()) << flush.error_message();
  v1::CompactResponse resp;
  CallContext ctx;
  Authorize(ctx, TestTokens::kAdmin);
  EXPECT_TRUE(admin_->Compact(ctx.get(), v1::CompactRequest(), &resp).ok());
}

TEST_F(AuthTest, HealthCheckNeedsNoToken) { EXPECT_EQ(testutil::HealthCheck(*channel_, ""), 1) << "1 is SERVING"; }

TEST_F(AuthTest, StreamingExportNeedsAToken) {
  ASSERT_TRUE(Put(TestTokens::kWrite).ok());
  auto branches = v1::Branches::NewStub(channel_);
  v1::BranchExportRequest req;
  req.set_name("default");
  {
    CallContext ctx;
    auto reader = branches->Export(ctx.get(), req);
    v1::BundleChunk chunk;
    EXPECT_FALSE(reader->Read(&chunk));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  CallContext ctx;
  Authorize(ctx, TestTokens::kRead);
  auto reader = branches->Export(ctx.get(), req);
  v1::BundleChunk chunk;
  size_t bytes = 0;
  while (reader->Read(&chunk)) bytes += chunk.data().size();
  grpc::Status st = reader->Finish();
  EXPECT_TRUE(st.ok()) << st.error_message();
  EXPECT_GT(bytes, 0u);
}

}  // namespace
}  // namespace strata

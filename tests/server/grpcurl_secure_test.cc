// The real grpcurl against a stratad with TLS and tokens: -cacert, a bearer
// token with -H, reflection without a token, and a server-streaming call.
#include <gtest/gtest.h>

#include "tests/testutil/grpcurl.h"
#include "tests/testutil/server_process.h"
#include "tests/testutil/test_certs.h"
#include "tests/testutil/token_file.h"

namespace strata {
namespace {

using testutil::RunResult;
using testutil::TestTokens;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class GrpcurlSecureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpcurl_ = testutil::FindGrpcurl();
    ASSERT_FALSE(grpcurl_.empty()) << "grpcurl not found: set GRPCURL or install it at <source>/.tools/bin/grpcurl";
    certs_ = testutil::MakeTestCerts(dir_.path());
    ASSERT_FALSE(HasFailure());
    server_ = std::make_unique<testutil::ServerProcess>(std::vector<std::string>{
        "--data-dir", dir_.path() + "/db", "--tls-cert", certs_.server_cert, "--tls-key", certs_.server_key,
        "--auth-token-file", TestTokens::Write(dir_.path() + "/tokens")});
    ASSERT_TRUE(server_->ready());
  }

  // grpcurl over TLS trusting the test CA; `token` "" sends none.
  RunResult Grpcurl(const std::string& token, std::vector<std::string> flags, std::vector<std::string> rest) {
    std::vector<std::string> args = {"-cacert", certs_.ca_cert, "-max-time", "10"};
    if (!token.empty()) args.insert(args.end(), {"-H", "authorization: Bearer " + token});
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(server_->address());
    args.insert(args.end(), rest.begin(), rest.end());
    return testutil::RunProgram(grpcurl_, args, std::chrono::seconds(30));
  }

  std::string grpcurl_;
  testutil::TempDir dir_;
  testutil::TestCerts certs_;
  std::unique_ptr<testutil::ServerProcess> server_;
};

TEST_F(GrpcurlSecureTest, ReflectionAndHealthNeedNoToken) {
  RunResult list = Grpcurl("", {}, {"list"});
  ASSERT_EQ(list.exit_code, 0) << list.output;
  EXPECT_TRUE(Contains(list.output, "strata.v1.KV\n")) << list.output;
  RunResult health = Grpcurl("", {}, {"grpc.health.v1.Health/Check"});
  ASSERT_EQ(health.exit_code, 0) << health.output;
  EXPECT_TRUE(Contains(health.output, "\"SERVING\"")) << health.output;
}

TEST_F(GrpcurlSecureTest, BearerTokenDecidesWhatACallMayDo) {
  const std::string put = R"({"key":"greeting","value":{"stringValue":"hello"}})";
  RunResult anonymous = Grpcurl("", {"-d", put}, {"strata.v1.KV/Put"});
  EXPECT_NE(anonymous.exit_code, 0);
  EXPECT_TRUE(Contains(anonymous.output, "Unauthenticated")) << anonymous.output;

  RunResult reader = Grpcurl(TestTokens::kRead, {"-d", put}, {"strata.v1.KV/Put"});
  EXPECT_NE(reader.exit_code, 0);
  EXPECT_TRUE(Contains(reader.output, "PermissionDenied")) << reader.output;

  RunResult writer = Grpcurl(TestTokens::kWrite, {"-d", put}, {"strata.v1.KV/Put"});
  ASSERT_EQ(writer.exit_code, 0) << writer.output;
  EXPECT_TRUE(Contains(writer.output, "\"version\"")) << writer.output;

  RunResult get = Grpcurl(TestTokens::kRead, {"-d", R"({"key":"greeting"})"}, {"strata.v1.KV/Get"});
  ASSERT_EQ(get.exit_code, 0) << get.output;
  EXPECT_TRUE(Contains(get.output, "hello")) << get.output;
}

// Branches/Export streams the bundle as chunks.
TEST_F(GrpcurlSecureTest, ServerStreamingExport) {
  RunResult put = Grpcurl(TestTokens::kWrite, {"-d", R"({"key":"a","value":{"intValue":"1"}})"},
                          {"strata.v1.KV/Put"});
  ASSERT_EQ(put.exit_code, 0) << put.output;
  RunResult exported = Grpcurl(TestTokens::kRead, {"-d", R"({"name":"default"})"}, {"strata.v1.Branches/Export"});
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  EXPECT_TRUE(Contains(exported.output, "\"data\": \"")) << exported.output;

  RunResult anonymous = Grpcurl("", {"-d", R"({"name":"default"})"}, {"strata.v1.Branches/Export"});
  EXPECT_NE(anonymous.exit_code, 0);
  EXPECT_TRUE(Contains(anonymous.output, "Unauthenticated")) << anonymous.output;
}

}  // namespace
}  // namespace strata

// --tls-cert/--tls-key (TLS) and --tls-client-ca (mutual TLS) with throwaway
// certificates made by openssl at test time.
#include <gtest/gtest.h>

#include "strata/v1/admin.grpc.pb.h"
#include "tests/testutil/grpc_client.h"
#include "tests/testutil/server_process.h"
#include "tests/testutil/test_certs.h"
#include "tests/testutil/token_file.h"

namespace strata {
namespace {

using testutil::CallContext;
using testutil::ServerProcess;
using testutil::TempDir;

// Admin.Ping over `channel`, waiting at most a few seconds for the handshake.
grpc::Status Ping(const std::shared_ptr<grpc::Channel>& channel, const std::string& token = "") {
  auto admin = v1::Admin::NewStub(channel);
  v1::PingResponse resp;
  CallContext ctx(std::chrono::seconds(5));
  if (!token.empty()) ctx.get()->AddMetadata("authorization", "Bearer " + token);
  return admin->Ping(ctx.get(), v1::PingRequest(), &resp);
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    certs_ = testutil::MakeTestCerts(certs_dir_.path());
    ASSERT_FALSE(HasFailure());
  }

  void Start(std::vector<std::string> extra) {
    std::vector<std::string> args = {"--data-dir", data_dir_.path() + "/db", "--tls-cert", certs_.server_cert,
                                     "--tls-key", certs_.server_key};
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = std::make_unique<ServerProcess>(args);
    ASSERT_TRUE(server_->ready());
  }

  TempDir certs_dir_;
  TempDir data_dir_;
  testutil::TestCerts certs_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(TlsTest, ClientTrustingTheCaIsServed) {
  Start({});
  grpc::Status st = Ping(testutil::TlsChannel(server_->address(), certs_.ca_cert));
  EXPECT_TRUE(st.ok()) << st.error_code() << " " << st.error_message();
  EXPECT_EQ(testutil::HealthCheck(*testutil::TlsChannel(server_->address(), certs_.ca_cert)), 1);
}

TEST_F(TlsTest, PlaintextClientIsRefused) {
  Start({});
  grpc::Status st = Ping(grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE) << st.error_message();
}

TEST_F(TlsTest, ClientTrustingAnotherCaIsRefused) {
  Start({});
  grpc::Status st = Ping(testutil::TlsChannel(server_->address(), certs_.other_ca_cert));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE) << st.error_message();
}

TEST_F(TlsTest, MutualTlsAcceptsOnlyClientsWithACertificateFromTheClientCa) {
  Start({"--tls-client-ca", certs_.ca_cert});
  grpc::Status with_cert =
      Ping(testutil::TlsChannel(server_->address(), certs_.ca_cert, certs_.client_cert, certs_.client_key));
  EXPECT_TRUE(with_cert.ok()) << with_cert.error_code() << " " << with_cert.error_message();

  grpc::Status without_cert = Ping(testutil::TlsChannel(server_->address(), certs_.ca_cert));
  EXPECT_EQ(without_cert.error_code(), grpc::StatusCode::UNAVAILABLE) << without_cert.error_message();

  grpc::Status foreign_cert = Ping(testutil::TlsChannel(server_->address(), certs_.ca_cert,
                                                        certs_.other_client_cert, certs_.other_client_key));
  EXPECT_EQ(foreign_cert.error_code(), grpc::StatusCode::UNAVAILABLE) << foreign_cert.error_message();
}

TEST_F(TlsTest, TokensAreCheckedOverTls) {
  std::string tokens = testutil::TestTokens::Write(data_dir_.path() + "/tokens");
  Start({"--auth-token-file", tokens});
  auto channel = testutil::TlsChannel(server_->address(), certs_.ca_cert);
  EXPECT_EQ(Ping(channel).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status st = Ping(channel, testutil::TestTokens::kRead);
  EXPECT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(testutil::HealthCheck(*channel), 1) << "health checking stays open";
}

}  // namespace
}  // namespace strata

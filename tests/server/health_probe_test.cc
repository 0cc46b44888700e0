// `stratad health-probe`: exit 0 and "SERVING" against a serving stratad, 1
// with one line otherwise; plaintext and TLS.
#include <algorithm>

#include <gtest/gtest.h>

#include "tests/testutil/server_process.h"
#include "tests/testutil/test_certs.h"

namespace strata {
namespace {

using testutil::RunResult;
using testutil::RunStratad;
using testutil::ServerProcess;
using testutil::TempDir;

RunResult Probe(std::vector<std::string> flags) {
  flags.insert(flags.begin(), "health-probe");
  return RunStratad(flags, std::chrono::seconds(20));
}

TEST(HealthProbeTest, ServingServerExitsZero) {
  TempDir dir;
  ServerProcess server({"--data-dir", dir.path() + "/db"});
  ASSERT_TRUE(server.ready());
  RunResult r = Probe({"--address", server.address()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "SERVING\n");
}

TEST(HealthProbeTest, NoServerExitsOneWithinTheTimeout) {
  TempDir dir;
  std::string address;
  {
    ServerProcess server({"--data-dir", dir.path() + "/db"});
    ASSERT_TRUE(server.ready());
    address = server.address();
  }  // stopped: nothing listens there now
  auto start = std::chrono::steady_clock::now();
  RunResult r = Probe({"--address", address, "--timeout-ms", "500"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(r.output.rfind("unreachable: " + address, 0), 0u) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << "one line:\n" << r.output;
}

TEST(HealthProbeTest, BadFlagExitsOne) {
  RunResult r = Probe({"--no-such-flag"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
}

TEST(HealthProbeTest, TlsServerWithCaAndServerName) {
  TempDir dir;
  testutil::TestCerts certs = testutil::MakeTestCerts(dir.path());
  ASSERT_FALSE(::testing::Test::HasFailure());
  ServerProcess server(
      {"--data-dir", dir.path() + "/db", "--tls-cert", certs.server_cert, "--tls-key", certs.server_key});
  ASSERT_TRUE(server.ready());
  // Probes that should succeed get a long deadline (they return as soon as the
  // server answers): this test failed once in an ASan+UBSan run of every test
  // on two busy cores, where the default 2 s is short for a TLS handshake.
  RunResult ok = Probe({"--address", server.address(), "--tls-ca", certs.ca_cert, "--timeout-ms", "20000"});
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_EQ(ok.output, "SERVING\n");

  // Dial by IP, check the certificate for "localhost" (the name a container would use).
  RunResult named = Probe({"--address", server.address(), "--tls-ca", certs.ca_cert, "--tls-server-name", "localhost",
                           "--timeout-ms", "20000"});
  EXPECT_EQ(named.exit_code, 0) << named.output;

  RunResult wrong_name = Probe({"--address", server.address(), "--tls-ca", certs.ca_cert, "--tls-server-name",
                                "not-this-server.example", "--timeout-ms", "1000"});
  EXPECT_EQ(wrong_name.exit_code, 1) << wrong_name.output;

  RunResult plaintext = Probe({"--address", server.address(), "--timeout-ms", "1000"});
  EXPECT_EQ(plaintext.exit_code, 1) << plaintext.output;

  RunResult missing_ca = Probe({"--address", server.address(), "--tls-ca", dir.path() + "/nope.pem"});
  EXPECT_EQ(missing_ca.exit_code, 1) << missing_ca.output;
  EXPECT_NE(missing_ca.output.find("nope.pem"), std::string::npos) << missing_ca.output;
}

}  // namespace
}  // namespace strata

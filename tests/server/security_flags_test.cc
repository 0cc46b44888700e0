// stratad refuses to start, with a message naming the problem, when its TLS
// or token flags are wrong or when it would serve the network unguarded.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/testutil/server_process.h"
#include "tests/testutil/test_certs.h"

namespace strata {
namespace {

using testutil::RunResult;
using testutil::RunStratad;
using testutil::TempDir;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class SecurityFlagsTest : public ::testing::Test {
 protected:
  // stratad with `extra` on 127.0.0.1:0 (unless `extra` gives --listen); it must exit.
  RunResult Run(std::vector<std::string> extra) {
    std::vector<std::string> args = {"--data-dir", data_dir()};
    bool has_listen = std::find(extra.begin(), extra.end(), "--listen") != extra.end();
    if (!has_listen) args.insert(args.end(), {"--listen", "127.0.0.1:0"});
    args.insert(args.end(), extra.begin(), extra.end());
    return RunStratad(args, std::chrono::seconds(20));
  }
  std::string data_dir() const { return dir_.path() + "/db"; }
  std::string WriteFile(const std::string& name, const std::string& text) {
    std::string path = dir_.path() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  TempDir dir_;
};

TEST_F(SecurityFlagsTest, CertWithoutKeyIsRefused) {
  RunResult r = Run({"--tls-cert", "/nonexistent/cert.pem"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(Contains(r.output, "--tls-cert and --tls-key go together")) << r.output;
  RunResult key_only = Run({"--tls-key", "/nonexistent/key.pem"});
  EXPECT_NE(key_only.exit_code, 0);
  EXPECT_TRUE(Contains(key_only.output, "--tls-cert and --tls-key go together")) << key_only.output;
}

TEST_F(SecurityFlagsTest, ClientCaWithoutServerCertificateIsRefused) {
  RunResult r = Run({"--tls-client-ca", "/nonexistent/ca.pem"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(Contains(r.output, "--tls-client-ca needs --tls-cert")) << r.output;
}

TEST_F(SecurityFlagsTest, UnreadableTlsFilesAreNamed) {
  testutil::TestCerts certs = testutil::MakeTestCerts(dir_.path());
  ASSERT_FALSE(HasFailure());
  RunResult cert = Run({"--tls-cert", dir_.path() + "/missing-cert.pem", "--tls-key", certs.server_key});
  EXPECT_NE(cert.exit_code, 0);
  EXPECT_TRUE(Contains(cert.output, "--tls-cert file \"" + dir_.path() + "/missing-cert.pem\" cannot be read"))
      << cert.output;
  RunResult ca = Run({"--tls-cert", certs.server_cert, "--tls-key", certs.server_key, "--tls-client-ca",
                      dir_.path() + "/missing-ca.pem"});
  EXPECT_NE(ca.exit_code, 0);
  EXPECT_TRUE(Contains(ca.output, "missing-ca.pem")) << ca.output;
  EXPECT_FALSE(std::filesystem::exists(data_dir())) << "refused before the database was created";
}

TEST_F(SecurityFlagsTest, KeyOfAnotherCertificateIsRefused) {
  testutil::TestCerts certs = testutil::MakeTestCerts(dir_.path());
  ASSERT_FALSE(HasFailure());
  RunResult r = Run({"--tls-cert", certs.server_cert, "--tls-key", certs.client_key});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(Contains(r.output, "does not match the certificate")) << r.output;
  RunResult not_pem = Run({"--tls-cert", WriteFile("junk.pem", "not a certificate"), "--tls-key", certs.server_key});
  EXPECT_NE(not_pem.exit_code, 0);
  EXPECT_TRUE(Contains(not_pem.output, "junk.pem\" holds no PEM certificate")) << not_pem.output;
}

TEST_F(SecurityFlagsTest, MalformedTokenFileNamesTheLineButNeverTheToken) {
  const std::string secret = "s3cret-token-that-must-not-be-printed";
  std::string bad_role = WriteFile("roles", "# comment\n\nread good-token-0123456789\nsuperuser " + secret + "\n");
  RunResult r = Run({"--auth-token-file", bad_role});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(Contains(r.output, "line 4: the role must be read, write or admin")) << r.output;
  EXPECT_FALSE(Contains(r.output, secret)) << r.output;
  EXPECT_FALSE(Contains(r.output, "superuser")) << "the role word could be a misplaced token:\n" << r.output;

  std::string swapped = WriteFile("swapped", secret + " write\n");
  RunResult s = Run({"--auth-token-file", swapped});
  EXPECT_NE(s.exit_code, 0);
  EXPECT_TRUE(Contains(s.output, "line 1:")) << s.output;
  EXPECT_FALSE(Contains(s.output, secret)) << s.output;

  RunResult three = Run({"--auth-token-file", WriteFile("three", "admin " + secret + " extra\n")});
  EXPECT_NE(three.exit_code, 0);
  EXPECT_TRUE(Contains(three.output, "line 1: expected \"<role> <token>\"")) << three.output;
  EXPECT_FALSE(Contains(three.output, secret)) << three.output;

  RunResult short_token = Run({"--auth-token-file", WriteFile("short", "read abc\n")});
  EXPECT_NE(short_token.exit_code, 0);
  EXPECT_TRUE(Contains(short_token.output, "line 1: the token is shorter than 16")) << short_token.output;

  RunResult empty = Run({"--auth-token-file", WriteFile("empty", "# nobody\n")});
  EXPECT_NE(empty.exit_code, 0);
  EXPECT_TRUE(Contains(empty.output, "holds no tokens")) << empty.output;

  RunResult missing = Run({"--auth-token-file", dir_.path() + "/no-such-file"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_TRUE(Contains(missing.output, "no-such-file")) << missing.output;
}

// Only refusals: the tests never bind anything but 127.0.0.1.
TEST_F(SecurityFlagsTest, NonLoopbackListenWithoutTokensIsRefused) {
  for (const char* listen : {"0.0.0.0:0", "10.1.2.3:0", "[::]:0", ":0"}) {
    RunResult r = Run({"--listen", listen});
    EXPECT_NE(r.exit_code, 0) << listen;
    EXPECT_TRUE(Contains(r.output, std::string("refusing to listen on ") + listen)) << r.output;
    EXPECT_TRUE(Contains(r.output, "--auth-token-file")) << r.output;
    EXPECT_TRUE(Contains(r.output, "--insecure-listen-any")) << r.output;
  }
  EXPECT_FALSE(std::filesystem::exists(data_dir())) << "refused before the database was created";
}

TEST_F(SecurityFlagsTest, LoopbackListenNeedsNoFlag) {
  testutil::ServerProcess server({"--data-dir", data_dir()});
  EXPECT_TRUE(server.ready());
}

}  // namespace
}  // namespace strata

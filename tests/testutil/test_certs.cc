#include "tests/testutil/test_certs.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/testutil/server_process.h"

namespace strata::testutil {
namespace {

bool Openssl(const std::vector<std::string>& args) {
  RunResult r = RunProgram("/usr/bin/openssl", args, std::chrono::seconds(30));
  if (r.exit_code != 0) ADD_FAILURE() << "openssl failed (" << r.exit_code << "):\n" << r.output;
  return r.exit_code == 0;
}

bool WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

// P-256 keys: fast to make, and every TLS stack in the tests speaks them.
bool MakeCa(const std::string& dir, const std::string& name) {
  return Openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                  "-keyout", dir + "/" + name + ".key", "-out", dir + "/" + name + ".pem", "-days", "2", "-subj",
                  "/CN=" + name, "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                  "keyUsage=critical,keyCertSign,cRLSign"});
}

bool MakeLeaf(const std::string& dir, const std::string& ca, const std::string& name, const std::string& extensions) {
  std::string ext_file = dir + "/" + name + ".ext";
  return WriteText(ext_file, extensions) &&
         Openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                  dir + "/" + name + ".key", "-out", dir + "/" + name + ".csr", "-subj", "/CN=" + name}) &&
         Openssl({"x509", "-req", "-in", dir + "/" + name + ".csr", "-CA", dir + "/" + ca + ".pem", "-CAkey",
                  dir + "/" + ca + ".key", "-CAcreateserial", "-out", dir + "/" + name + ".pem", "-days", "2",
                  "-extfile", ext_file});
}

}  // namespace

TestCerts MakeTestCerts(const std::string& dir) {
  TestCerts c;
  c.dir = dir;
  c.ca_cert = dir + "/ca.pem";
  c.server_cert = dir + "/server.pem";
  c.server_key = dir + "/server.key";
  c.client_cert = dir + "/client.pem";
  c.client_key = dir + "/client.key";
  c.other_ca_cert = dir + "/other-ca.pem";
  c.other_client_cert = dir + "/other-client.pem";
  c.other_client_key = dir + "/other-client.key";
  MakeCa(dir, "ca") && MakeCa(dir, "other-ca") &&
      MakeLeaf(dir, "ca", "server",
               "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"
               "basicConstraints=CA:FALSE\n") &&
      MakeLeaf(dir, "ca", "client", "extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n") &&
      MakeLeaf(dir, "other-ca", "other-client", "extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n");
  return c;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::shared_ptr<grpc::Channel> TlsChannel(const std::string& address, const std::string& ca_cert,
                                          const std::string& client_cert, const std::string& client_key) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadFile(ca_cert);
  if (!client_cert.empty()) {
    ssl.pem_cert_chain = ReadFile(client_cert);
    ssl.pem_private_key = ReadFile(client_key);
  }
  return grpc::CreateChannel(address, grpc::SslCredentials(ssl));
}

}  // namespace strata::testutil

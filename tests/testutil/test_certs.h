// Throwaway certificates for TLS tests, made with the openssl command at test
// time (nothing secret is checked in): a CA, a server certificate for
// localhost and 127.0.0.1, a client certificate, and a second CA that trusts
// neither. Plus TLS channels that use them.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

namespace strata::testutil {

struct TestCerts {
  std::string dir;
  std::string ca_cert;      // path of the CA's certificate (PEM)
  std::string server_cert;  // signed by the CA; SAN localhost, 127.0.0.1
  std::string server_key;
  std::string client_cert;  // signed by the CA; for client authentication
  std::string client_key;
  std::string other_ca_cert;  // an unrelated CA
  std::string other_client_cert;  // signed by the unrelated CA
  std::string other_client_key;
};

// Creates them in `dir`. Fails the test (ADD_FAILURE) and returns paths that
// do not exist when openssl is missing or fails.
TestCerts MakeTestCerts(const std::string& dir);

// The whole file as a string ("" when unreadable).
std::string ReadFile(const std::string& path);

// A TLS channel to `address` trusting `ca_cert`, presenting `client_cert` /
// `client_key` when given; not yet connected.
std::shared_ptr<grpc::Channel> TlsChannel(const std::string& address, const std::string& ca_cert,
                                          const std::string& client_cert = "", const std::string& client_key = "");

}  // namespace strata::testutil

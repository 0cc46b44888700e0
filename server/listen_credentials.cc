#include "server/listen_credentials.h"

#include <grpc/grpc.h>
#include <grpc/grpc_security.h>

namespace strata::server {
namespace {

// grpc::InsecureServerCredentials() refuses an auth metadata processor, and
// the C++ TLS credentials would need a second copy of the check; wrapping the
// core credentials directly gives both transports the same processor.
class CoreServerCredentials final : public grpc::ServerCredentials {
 public:
  // The base class initialises gRPC, so core credentials are made after it.
  CoreServerCredentials() = default;
  ~CoreServerCredentials() override {
    if (creds_ != nullptr) grpc_server_credentials_release(creds_);
  }
  void Adopt(grpc_server_credentials* creds) { creds_ = creds; }
  grpc_server_credentials* core() { return creds_; }

  // The token check is installed on the core credentials (access_check.h).
  void SetAuthMetadataProcessor(const std::shared_ptr<grpc::AuthMetadataProcessor>&) override {}

 private:
  int AddPortToServer(const std::string& addr, grpc_server* server) override {
    return grpc_server_add_http2_port(server, addr.c_str(), creds_);
  }

  grpc_server_credentials* creds_ = nullptr;
};

grpc_server_credentials* MakeTlsCredentials(const TlsFiles& tls) {
  grpc_ssl_pem_key_cert_pair pair = {tls.private_key.c_str(), tls.cert_chain.c_str()};
  bool verify_clients = !tls.client_ca.empty();
  return grpc_ssl_server_credentials_create_ex(
      verify_clients ? tls.client_ca.c_str() : nullptr, &pair, 1,
      verify_clients ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                     : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE,
      nullptr);
}

}  // namespace

std::shared_ptr<grpc::ServerCredentials> MakeListenCredentials(const TlsFiles* tls,
                                                               std::shared_ptr<const TokenTable> tokens,
                                                               AccessDeniedObserver on_denied) {
  auto creds = std::make_shared<CoreServerCredentials>();
  creds->Adopt(tls != nullptr ? MakeTlsCredentials(*tls) : grpc_insecure_server_credentials_create());
  if (tokens != nullptr) InstallAccessCheck(creds->core(), std::move(tokens), std::move(on_denied));
  return creds;
}

}  // namespace strata::server

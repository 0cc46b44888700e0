#include "server/health_probe.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/impl/codegen/proto_utils.h>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <string>

#include "grpc/health/v1/health.pb.h"
#include "server/status_code_names.h"
#include "server/tls_files.h"

namespace strata::server {
namespace {

struct ProbeOptions {
  std::string address = "127.0.0.1:50051";
  uint32_t timeout_ms = 2000;
  std::string tls_ca;
  std::string tls_server_name;
  std::string tls_cert;
  std::string tls_key;
};

int Fail(const std::string& line) {
  std::printf("%s\n", line.c_str());
  return 1;
}

bool UsesTls(const ProbeOptions& o) { return !o.tls_ca.empty() || !o.tls_server_name.empty() || !o.tls_cert.empty(); }

}  // namespace

int RunHealthProbe(int argc, char** argv) {
  ProbeOptions o;
  CLI::App app{"stratad health-probe: exit 0 when the server answers SERVING, 1 otherwise"};
  app.name("stratad health-probe");
  app.add_option("--address", o.address, "host:port or unix:/path of the server")->capture_default_str();
  app.add_option("--timeout-ms", o.timeout_ms, "give up after this long")->capture_default_str();
  app.add_option("--tls-ca", o.tls_ca, "connect with TLS, trusting this PEM CA");
  app.add_option("--tls-server-name", o.tls_server_name, "expect this name in the server certificate (implies TLS)");
  app.add_option("--tls-cert", o.tls_cert, "client certificate (PEM) for a server with --tls-client-ca");
  app.add_option("--tls-key", o.tls_key, "private key (PEM) of --tls-cert");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 1;
  }
  if (o.tls_cert.empty() != o.tls_key.empty()) return Fail("error: --tls-cert and --tls-key go together");

  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  grpc::ChannelArguments args;
  if (UsesTls(o)) {
    grpc::SslCredentialsOptions ssl;
    for (auto [flag, path, out] : {std::tuple{"--tls-ca", &o.tls_ca, &ssl.pem_root_certs},
                                   std::tuple{"--tls-cert", &o.tls_cert, &ssl.pem_cert_chain},
                                   std::tuple{"--tls-key", &o.tls_key, &ssl.pem_private_key}}) {
      if (path->empty()) continue;
      auto pem = ReadFlagFile(flag, *path);
      if (!pem.ok()) return Fail("error: " + pem.status().message());
      *out = std::move(*pem);
    }
    credentials = grpc::SslCredentials(ssl);
    if (!o.tls_server_name.empty()) args.SetSslTargetNameOverride(o.tls_server_name);
  }
  auto channel = grpc::CreateCustomChannel(o.address, credentials, args);

  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(o.timeout_ms));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  // The generated health stub is not built (only its messages are, for
  // reflection); this is the call a generated stub would make.
  static const grpc::internal::RpcMethod kCheck("/grpc.health.v1.Health/Check", grpc::internal::RpcMethod::NORMAL_RPC);
  grpc::Status status = grpc::internal::BlockingUnaryCall(channel.get(), kCheck, &context, request, &response);
  if (!status.ok()) {
    return Fail("unreachable: " + o.address + ": " + std::string(StatusCodeName(status.error_code())) + ": " +
                status.error_message());
  }
  std::string name = grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
  if (response.status() != grpc::health::v1::HealthCheckResponse::SERVING) return Fail(name);
  std::printf("%s\n", name.c_str());
  return 0;
}

}  // namespace strata::server

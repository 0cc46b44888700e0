#include "server/strata_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>

#include <grpc/grpc.h>

#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>

#include "server/admin_service.h"
#include "server/branches_service.h"
#include "server/call_logging.h"
#include "server/events_service.h"
#include "server/health_service.h"
#include "server/json_service.h"
#include "server/kv_service.h"
#include "server/listen_credentials.h"
#include "server/rpc_metrics.h"
#include "server/search_service.h"
#include "server/spaces_service.h"
#include "server/state_service.h"
#include "server/transactions_service.h"
#include "server/unparsable_requests.h"
#include "server/vectors_service.h"
#include "server/wire_limits.h"

namespace strata::server {

// The most often a client may ping during its calls: below the Python
// client's keepalive interval (client-py/src/stratadb/connection.py).
constexpr int kMinClientPingIntervalMs = 5000;

storage::Result<std::unique_ptr<StrataServer>> StrataServer::Start(const Config& config, storage::Engine& engine,
                                                                   const ServerSecurity& security,
                                                                   ServerMetrics* metrics) {
  AllowDeepRequests();
  // Ours instead of gRPC's built-in one (server/health_service.h says why).
  grpc::EnableDefaultHealthCheckService(false);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  std::unique_ptr<StrataServer> server(new StrataServer());
  auto health = std::make_unique<HealthService>(config.max_health_watches);
  server->health_ = health.get();
  server->services_.push_back(std::move(health));
  server->services_.push_back(std::make_unique<KvService>(engine, config.max_message_size));
  server->services_.push_back(std::make_unique<StateService>(engine, config.max_message_size));
  server->services_.push_back(std::make_unique<EventsService>(engine, config.max_message_size));
  server->services_.push_back(std::make_unique<JsonService>(engine, config.max_message_size));
  server->services_.push_back(std::make_unique<AdminService>(engine, config.max_message_size));
  server->services_.push_back(std::make_unique<BranchesService>(engine, config.max_message_size));
  server->services_.push_back(std::make_unique<SpacesService>(engine));
  server->services_.push_back(std::make_unique<VectorsService>(engine, config.max_message_size));
  server->services_.push_back(std::make_unique<TransactionsService>(engine));
  server->services_.push_back(std::make_unique<SearchService>(engine));

  grpc::ServerBuilder builder;
  int port = 0;
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (security.tls || security.tokens) {
    AccessDeniedObserver on_denied;
    if (metrics != nullptr) {
      // Refused calls never reach an interceptor: count them here (RecordRpc
      // labels a method the server does not serve "unknown").
      on_denied = [metrics](std::string_view method, grpc::StatusCode code) {
        metrics->RecordRpc(method, code, std::chrono::nanoseconds(0));
      };
    }
    credentials = MakeListenCredentials(security.tls ? &*security.tls : nullptr, security.tokens, on_denied);
  }
  builder.AddListeningPort(config.listen, credentials, &port);
  builder.SetMaxReceiveMessageSize(static_cast<int>(config.max_message_size));
  builder.SetMaxSendMessageSize(static_cast<int>(config.max_message_size));
  // Two servers must never share a port: refuse to start if it is taken.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Clients ping during their calls to notice a server that stopped
  // answering (the Python client every 10 s, docs/operations.md); gRPC's
  // default (at most one ping per 5 minutes, then GOAWAY "too_many_pings")
  // would cut a long call short for those pings.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, kMinClientPingIntervalMs);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);  // 0: no limit
  for (auto& service : server->services_) builder.RegisterService(service.get());
  auto interceptors = MakeCallLogging(std::chrono::milliseconds(config.slow_call_ms));
  // First, so that logging and metrics see the corrected status.
  interceptors.insert(interceptors.begin(), MakeUnparsableRequestMapping());
  if (metrics != nullptr) interceptors.push_back(MakeRpcMetrics(metrics));
  interceptors.push_back(MakeActivityTracking(server->activity_));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || port == 0) {
    return storage::Status::Internal("cannot listen on " + config.listen +
                                     ": the address is in use or not valid on this machine");
  }
  if (config.listen.rfind("unix:", 0) == 0) {
    server->bound_address_ = config.listen;  // a socket path has no port to report
  } else {
    std::string host = config.listen.substr(0, config.listen.rfind(':'));
    server->bound_address_ = host + ":" + std::to_string(port);
  }
  return server;
}

StrataServer::~StrataServer() {
  if (server_ != nullptr) Shutdown(std::chrono::milliseconds(0));
}

namespace {

// How long no call must have been in progress before a stopping server closes
// the connections left: time for a finished call's last bytes to leave.
constexpr std::chrono::milliseconds kQuietBeforeClosing(100);
constexpr std::chrono::milliseconds kQuietPoll(20);

}  // namespace

void StrataServer::Shutdown(std::chrono::milliseconds grace) {
  if (server_ == nullptr) return;
  health_->Shutdown();
  // gRPC's shutdown ends when every client connection has closed. It asks
  // clients to leave (GOAWAY), but a connection with no call open lingered:
  // measured with gRPC 1.51, 5 s for a C++ client and 20 s for a Python one,
  // or the whole grace when shorter, so every stop of a server with connected
  // clients took that long. Once no call has been in progress for a moment,
  // the connections left are idle and are closed here (cancelling no call).
  std::mutex mu;
  std::condition_variable cv;
  bool stopped = false;
  std::thread closer([&] {
    std::unique_lock<std::mutex> lock(mu);
    while (!cv.wait_for(lock, kQuietPoll, [&] { return stopped; })) {
      if (activity_.IdleFor() >= kQuietBeforeClosing) grpc_server_cancel_all_calls(server_->c_server());
    }
  });
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  {
    std::lock_guard<std::mutex> lock(mu);
    stopped = true;
  }
  cv.notify_one();
  closer.join();
  server_->Wait();
  server_.reset();
}

storage::Status WriteReadyFile(const std::string& path, const std::string& address,
                               const std::vector<std::string>& more_lines) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << address << "\n";
    for (const auto& line : more_lines) out << line << "\n";
    out.close();
    if (!out) return storage::Status::Internal("cannot write the ready file \"" + tmp + "\"");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return storage::Status::Internal("cannot rename the ready file into \"" + path + "\"");
  }
  return storage::Status::Ok();
}

}  // namespace strata::server

// stratad: parses flags, opens the database, serves until SIGINT/SIGTERM, then
// shuts down cleanly (in-flight calls finish, LMDB is synced and closed, exit 0).
#include <signal.h>
#include <unistd.h>

#include <absl/synchronization/mutex.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <string_view>
#include <utility>
#include <variant>

#include "server/admin_service.h"
#include "server/config.h"
#include "server/health_probe.h"
#include "server/json_size_check.h"
#include "server/listen_probe.h"
#include "server/logging.h"
#include "server/server_metrics.h"
#include "server/server_security.h"
#include "server/stop_triggers.h"
#include "server/strata_server.h"
#include "storage/engine.h"

namespace {

// The stop signal's handler writes its number here; main reads it. A pipe is
// async-signal-safe and works whichever thread the kernel picks for delivery.
int g_signal_pipe[2] = {-1, -1};

void OnStopSignal(int signal_number) {
  unsigned char byte = static_cast<unsigned char>(signal_number);
  [[maybe_unused]] ssize_t n = write(g_signal_pipe[1], &byte, 1);
}

bool InstallStopHandlers() {
  if (pipe(g_signal_pipe) != 0) return false;
  struct sigaction action = {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  return sigaction(SIGINT, &action, nullptr) == 0 && sigaction(SIGTERM, &action, nullptr) == 0;
}

// Written to the pipe instead of a signal number when a stop trigger
// (--watch-fd, --idle-exit-ms) fires; the trigger has logged why.
constexpr int kStopTriggered = 0;

int WaitForStopSignal() {
  unsigned char byte = 0;
  while (read(g_signal_pipe[0], &byte, 1) != 1) {
  }
  return byte;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace strata;
  // gRPC's locks are absl::Mutex, and Debian's absl is built with its
  // lock-order (deadlock) detection on: a global cycle graph updated on every
  // lock, which costs every call (seen in profiles) and, being shared by all
  // threads without instrumentation, stops a ThreadSanitizer build at start.
  // It is a debugging aid for absl's users, not a guard for ours; off before
  // any gRPC thread starts.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  if (argc >= 2 && std::string_view(argv[1]) == "health-probe") return server::RunHealthProbe(argc - 1, argv + 1);
  if (!InstallStopHandlers()) {
    std::perror("stratad: cannot install signal handlers");
    return 1;
  }

  auto parsed = server::ParseConfig(argc, argv);
  if (auto* exit = std::get_if<server::ParseExit>(&parsed)) {
    std::fputs(exit->output.c_str(), exit->code == 0 ? stdout : stderr);
    return exit->code;
  }
  const server::Config& config = std::get<server::Config>(parsed);
  server::SetUpLogging(config.log_level, config.log_format);
  // Before the database opens: a bad certificate or token file must not leave
  // a fresh data directory behind.
  auto security = server::LoadServerSecurity(config);
  if (!security.ok()) {
    spdlog::error("{}", security.status().message());
    return 2;
  }

  // Before the database opens, so a bad --watch-fd leaves nothing behind.
  server::StopTriggers triggers([] { OnStopSignal(kStopTriggered); });
  if (config.watch_fd >= 0) {
    auto st = triggers.WatchFd(config.watch_fd);
    if (!st.ok()) {
      spdlog::error("{}", st.message());
      return 2;
    }
  }

  // Before the database opens, so a port in use leaves no database behind.
  for (const auto& [flag, listen] : {std::pair{"--listen", config.listen}, {"--metrics-listen", config.metrics_listen}}) {
    if (listen.empty()) continue;
    auto free = server::ProbeListenAddress(flag, listen);
    if (!free.ok()) {
      spdlog::error("{}", free.message());
      return 1;
    }
  }

  storage::EngineOptions options;
  options.data_dir = config.data_dir;
  options.durability = config.durability;
  options.map_size = config.map_size;
  options.sync_interval_ms = config.sync_interval_ms;
  options.retention = config.retention;
  options.txn_idle_timeout_ms = config.txn_idle_timeout_ms;
  // Vector indexes worn by upserts are rebuilt in the background, so that a
  // long-running server's memory follows its live vectors (bench/soak/).
  options.index_maintenance_interval_ms = storage::kServerIndexMaintenanceMs;
  // A path update may not grow a JSON document past what one answer carries.
  options.json_document_check = server::JsonAnswerCheck(config.max_message_size);
  auto engine = storage::Engine::Open(options);
  if (!engine.ok()) {
    spdlog::error("cannot open the database: {}", engine.status().message());
    return 1;
  }
  std::unique_ptr<server::ServerMetrics> metrics;
  if (!config.metrics_listen.empty()) {
    auto started = server::ServerMetrics::Start(config.metrics_listen, **engine);
    if (!started.ok()) {
      spdlog::error("{}", started.status().message());
      return 1;
    }
    metrics = std::move(*started);
  }
  auto server = server::StrataServer::Start(config, **engine, *security, metrics.get());
  if (!server.ok()) {
    spdlog::error("{}", server.status().message());
    return 1;
  }
  if (!config.ready_file.empty()) {
    std::vector<std::string> more_lines;
    if (metrics != nullptr) more_lines.push_back("metrics=" + metrics->bound_address());
    auto st = server::WriteReadyFile(config.ready_file, (*server)->bound_address(), more_lines);
    if (!st.ok()) {
      spdlog::error("{}", st.message());
      return 1;
    }
  }
  spdlog::info("stratad {} serving on {} (data: {}, durability: {})", server::ServerVersion(),
               (*server)->bound_address(), (*engine)->directory(), storage::DurabilityName(config.durability));
  spdlog::info("transport: {}; access: {}; metrics: {}",
               !security->tls ? "plaintext"
               : security->tls->client_ca.empty() ? "TLS"
                                                  : "mutual TLS (client certificates required)",
               security->tokens ? std::to_string(security->tokens->size()) + " bearer tokens" : "open (no tokens)",
               metrics ? "http://" + metrics->bound_address() + "/metrics" : std::string("off"));

  if (config.idle_exit_ms > 0) triggers.WatchIdle((*server)->activity(), std::chrono::milliseconds(config.idle_exit_ms));

  int signal_number = WaitForStopSignal();
  if (signal_number != kStopTriggered) {
    spdlog::info("received {}, shutting down", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  }
  triggers.Stop();  // before the server whose activity it reads goes away
  (*server)->Shutdown(std::chrono::milliseconds(config.shutdown_grace_ms));
  server->reset();
  metrics.reset();  // after the server (no rpc left to count), before the engine it reads
  engine->reset();
  spdlog::info("stopped cleanly");
  return 0;
}

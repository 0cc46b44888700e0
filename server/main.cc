// stratad: parses flags, opens the database, serves until SIGINT/SIGTERM, then
// shuts down cleanly (in-flight calls finish, LMDB is synced and closed, exit 0).
#include <signal.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <variant>

#include "server/admin_service.h"
#include "server/config.h"
#include "server/logging.h"
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

int WaitForStopSignal() {
  unsigned char byte = 0;
  while (read(g_signal_pipe[0], &byte, 1) != 1) {
  }
  return byte;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace strata;
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

  storage::EngineOptions options;
  options.data_dir = config.data_dir;
  options.durability = config.durability;
  options.map_size = config.map_size;
  options.sync_interval_ms = config.sync_interval_ms;
  auto engine = storage::Engine::Open(options);
  if (!engine.ok()) {
    spdlog::error("cannot open the database: {}", engine.status().message());
    return 1;
  }
  auto server = server::StrataServer::Start(config, **engine);
  if (!server.ok()) {
    spdlog::error("{}", server.status().message());
    return 1;
  }
  if (!config.ready_file.empty()) {
    auto st = server::WriteReadyFile(config.ready_file, (*server)->bound_address());
    if (!st.ok()) {
      spdlog::error("{}", st.message());
      return 1;
    }
  }
  spdlog::info("stratad {} serving on {} (data: {}, durability: {})", server::ServerVersion(),
               (*server)->bound_address(), (*engine)->directory(), storage::DurabilityName(config.durability));

  int signal_number = WaitForStopSignal();
  spdlog::info("received {}, shutting down", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  (*server)->Shutdown(std::chrono::milliseconds(config.shutdown_grace_ms));
  server->reset();
  engine->reset();
  spdlog::info("stopped cleanly");
  return 0;
}

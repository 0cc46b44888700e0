// stratad's configuration: command-line flags, also readable from a config file
// (--config, TOML/INI as CLI11 reads it). design.md §3.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "storage/engine.h"

namespace strata::server {

struct Config {
  std::string listen = "127.0.0.1:50051";
  std::string data_dir = "./strata-data";
  storage::Durability durability = storage::Durability::kAlways;
  uint64_t map_size = 64ull << 30;
  uint32_t sync_interval_ms = 100;
  // History retention applied by Compact (0: that rule is off; both 0: keep everything).
  storage::RetentionPolicy retention;
  // Open transactions idle longer than this are ended (spec/api.md §11).
  uint32_t txn_idle_timeout_ms = 60000;
  std::string log_level = "info";
  std::string log_format = "text";
  std::string ready_file;
  uint64_t max_message_size = 64ull << 20;
  uint32_t shutdown_grace_ms = 10000;
  uint32_t slow_call_ms = 1000;
  // Stopping on its own (server/stop_triggers.h): when this inherited fd hits
  // EOF (-1: never), and after this long with no call in progress (0: never).
  int watch_fd = -1;
  uint32_t idle_exit_ms = 0;
  // Open grpc.health.v1.Health/Watch streams at most (each holds a thread).
  uint32_t max_health_watches = 1024;
  // Security and metrics (docs/security.md, docs/metrics.md).
  std::string tls_cert;         // PEM; with tls_key, serve TLS
  std::string tls_key;          // PEM
  std::string tls_client_ca;    // PEM; require client certificates signed by it
  std::string auth_token_file;  // "<role> <token>" lines; require a bearer token
  bool insecure_listen_any = false;
  std::string metrics_listen;   // host:port of the Prometheus endpoint; empty: none
};

// The outcome of parsing: a config, or an exit code with text for the user
// (--help and --version exit 0; a bad flag exits non-zero with the reason).
struct ParseExit {
  int code = 0;
  std::string output;
};
std::variant<Config, ParseExit> ParseConfig(int argc, char** argv);

}  // namespace strata::server

#include "server/config.h"

#include <CLI/CLI.hpp>

#include <map>
#include <memory>
#include <sstream>

#include "server/admin_service.h"
#include "server/config_file.h"

namespace strata::server {

namespace {

// "" when `listen` is host:port (port 0-65535, 0: a free one) or, when
// `unix_ok`, unix:PATH; else what is wrong, naming `flag`. gRPC would
// otherwise take 127.0.0.1:99999 as port 34463, a missing port as 443, and
// "unix:" as a nameless abstract socket.
std::string ListenAddressProblem(const std::string& flag, const std::string& listen, bool unix_ok) {
  std::string bad = flag + " \"" + listen + "\" is not ";
  if (unix_ok && listen.rfind("unix:", 0) == 0) {
    return listen.size() > 5 ? "" : bad + "a socket path: give unix:/path/to.sock";
  }
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return bad + "host:port";  // ":port" (every interface) is fine
  std::string host = listen.substr(0, colon);
  if (host.find(':') != std::string::npos && !(host.front() == '[' && host.back() == ']')) {
    return bad + "host:port (an IPv6 host goes in brackets: [::1]:50051)";
  }
  std::string port = listen.substr(colon + 1);
  bool digits = !port.empty() && port.size() <= 5 &&
                port.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || std::stoul(port) > 65535) return bad + "host:port with a port from 0 to 65535";
  return "";
}

// The two spellings of one setting: --durability MODE and --ephemeral (MODE
// ephemeral). Resolved after parsing (ParseConfig).
struct DurabilityFlags {
  std::string durability = "always";
  bool ephemeral = false;
};

// Declares every flag on `app`, storing into `config` and `durability_flags`.
// Binds every flag to `config` and `durability_flags`; --config files are
// read by `file_reader`.
void AddFlags(CLI::App& app, Config& config, DurabilityFlags& durability_flags,
              std::shared_ptr<CLI::Config> file_reader) {
  app.set_config("--config", "", "read flags from this TOML/INI file");
  app.config_formatter(std::move(file_reader));
  // A key the file misspells (durabilty = ...) or nests under a [section]
  // would otherwise be ignored, and the server start with the default.
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.set_version_flag("--version", std::string("stratad ") + ServerVersion());

  std::string& durability = durability_flags.durability;
  bool& ephemeral = durability_flags.ephemeral;
  app.add_option("--listen", config.listen, "address to serve on (host:port; port 0 picks a free port)")
      ->capture_default_str();
  app.add_option("--data-dir", config.data_dir, "directory holding the database")->capture_default_str();
  app.add_flag("--ephemeral", ephemeral, "keep the database in memory only (same as --durability ephemeral)");
  app.add_option("--durability", durability, "always: fsync every commit; relaxed: sync every interval; ephemeral")
      ->check(CLI::IsMember({"always", "relaxed", "ephemeral"}))
      ->capture_default_str();
  app.add_option("--sync-interval-ms", config.sync_interval_ms, "relaxed durability: how often to sync")
      ->check(CLI::Range(1u, 60000u))
      ->capture_default_str();
  app.add_option("--txn-idle-timeout-ms", config.txn_idle_timeout_ms,
                 "end a transaction after this long without a call in it; its staged writes are discarded")
      ->check(CLI::Range(1u, 86400000u))
      ->capture_default_str();
  app.add_option("--retention-versions", config.retention.keep_versions,
                 "compact keeps this many newest versions of each name (0: no count rule)")
      ->capture_default_str();
  app.add_option("--retention-seconds", config.retention.keep_seconds,
                 "compact keeps the history of the last this many seconds (0: no time rule; with both 0, "
                 "all history is kept)")
      ->capture_default_str();
  app.add_option("--map-size", config.map_size, "LMDB map size, the database's maximum size (e.g. 64GiB)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  app.add_option("--log-level", config.log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  app.add_option("--log-format", config.log_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  app.add_option("--ready-file", config.ready_file, "write the bound address here once serving");
  app.add_option("--max-message-size", config.max_message_size, "largest request or response (e.g. 64MiB)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  app.add_option("--shutdown-grace-ms", config.shutdown_grace_ms,
                 "on SIGTERM/SIGINT, how long in-flight calls may take to finish")
      ->capture_default_str();

  app.add_option("--slow-call-ms", config.slow_call_ms, "log calls slower than this at warn level")
      ->capture_default_str();
  app.add_option("--watch-fd", config.watch_fd,
                 "shut down cleanly when this inherited descriptor reaches end of file, e.g. the read end of a "
                 "pipe whose writer is the parent: stratad then exits with its parent, even a killed one")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--max-health-watches", config.max_health_watches,
                 "open grpc.health.v1.Health/Watch streams at most (each holds a server thread); more are "
                 "refused with RESOURCE_EXHAUSTED")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1000000u));
  app.add_option("--idle-exit-ms", config.idle_exit_ms,
                 "shut down cleanly after this long with no call in progress (an open stream counts as a "
                 "call); 0 never")
      ->capture_default_str();

  app.add_option("--tls-cert", config.tls_cert, "serve TLS with this PEM certificate chain (needs --tls-key)");
  app.add_option("--tls-key", config.tls_key, "PEM private key of --tls-cert");
  app.add_option("--tls-client-ca", config.tls_client_ca,
                 "require client certificates signed by this PEM CA (mutual TLS; needs --tls-cert)");
  app.add_option("--auth-token-file", config.auth_token_file,
                 "require a bearer token from this file of \"<role> <token>\" lines (docs/security.md)");
  app.add_flag("--insecure-listen-any", config.insecure_listen_any,
               "allow a non-loopback --listen without --auth-token-file");
  app.add_option("--metrics-listen", config.metrics_listen,
                 "serve Prometheus metrics over HTTP on host:port (port 0 picks a free port)");
}

// What CLI11 says for a parse error (--help and --version included): its
// text and exit code.
ParseExit ExitFor(const CLI::App& app, const CLI::ParseError& e) {
  std::ostringstream out, err;
  int code = app.exit(e, out, err);
  return ParseExit{code, out.str() + err.str()};
}

}  // namespace

std::variant<Config, ParseExit> ParseConfig(int argc, char** argv) {
  // First the command line alone: CLI11 counts a value from the file like one
  // from the command line, and which of --ephemeral and --durability wins
  // depends on where each came from. Bad flags, --help and --version end here.
  bool ephemeral_on_command_line = false;
  bool durability_on_command_line = false;
  {
    Config ignored;
    DurabilityFlags ignored_durability;
    CLI::App app{"stratad: the StrataDB server"};
    AddFlags(app, ignored, ignored_durability, std::make_shared<CommandLineOnly>());
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      return ExitFor(app, e);
    }
    ephemeral_on_command_line = app.count("--ephemeral") > 0;
    durability_on_command_line = app.count("--durability") > 0;
  }

  Config config;
  DurabilityFlags durability_flags;
  CLI::App app{"stratad: the StrataDB server"};
  AddFlags(app, config, durability_flags, std::make_shared<TopLevelConfigFile>());
  try {
    app.parse(argc, argv);
  } catch (const ConfigFileProblem& e) {
    return ParseExit{2, "--config: " + std::string(e.what()) + "\n"};
  } catch (const CLI::ConfigError& e) {
    return ParseExit{2, "--config: " + std::string(e.what()) +
                            " (a key stratad does not know, or a line that is not key = value; "
                            "keys are the long flag names without dashes, at the top level)\n"};
  } catch (const CLI::ParseError& e) {
    return ExitFor(app, e);
  }
  static const std::map<std::string, storage::Durability> kModes = {
      {"always", storage::Durability::kAlways},
      {"relaxed", storage::Durability::kRelaxed},
      {"ephemeral", storage::Durability::kEphemeral}};
  // --ephemeral is --durability ephemeral under another name, so between the
  // two the usual rule holds: the command line wins over the file, and given
  // in the same place they must agree.
  const std::string& durability = durability_flags.durability;
  bool ephemeral = durability_flags.ephemeral;
  if (ephemeral && app.count("--durability") > 0 && durability != "ephemeral") {
    if (ephemeral_on_command_line && durability_on_command_line) {
      return ParseExit{2, "--ephemeral contradicts --durability " + durability +
                              ": give one of them (--ephemeral is --durability ephemeral)\n"};
    }
    if (!ephemeral_on_command_line && !durability_on_command_line) {
      return ParseExit{2, "--config: ephemeral = true contradicts durability = \"" + durability +
                              "\": give one of them (ephemeral = true is durability = \"ephemeral\")\n"};
    }
    ephemeral = ephemeral_on_command_line;  // the file's value loses
  }
  config.durability = ephemeral ? storage::Durability::kEphemeral : kModes.at(durability);
  if (std::string bad = ListenAddressProblem("--listen", config.listen, true); !bad.empty()) {
    return ParseExit{2, bad + "\n"};
  }
  if (!config.metrics_listen.empty()) {
    if (std::string bad = ListenAddressProblem("--metrics-listen", config.metrics_listen, false); !bad.empty()) {
      return ParseExit{2, bad + "\n"};
    }
  }
  if (config.map_size < (1u << 20)) {
    return ParseExit{2, "--map-size must be at least 1MiB\n"};
  }
  if (config.max_message_size < 1024 || config.max_message_size > (1ull << 31) - 1) {
    return ParseExit{2, "--max-message-size must be between 1KiB and 2GiB\n"};
  }
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    return ParseExit{2, "--tls-cert and --tls-key go together: give both to serve TLS, or neither\n"};
  }
  if (!config.tls_client_ca.empty() && config.tls_cert.empty()) {
    return ParseExit{2, "--tls-client-ca needs --tls-cert and --tls-key: client certificates are checked over TLS\n"};
  }
  return config;
}

}  // namespace strata::server

// How stratad reads --config: CLI11's TOML/INI reader, with two changes.
//
// TopLevelConfigFile refuses a [section] by the name the user wrote. CLI11
// reports a section it has no subcommand for as "server.++", its internal
// marker for a section's start, which names nothing the user wrote.
//
// CommandLineOnly reads nothing from the file. CLI11 counts a value from the
// file like one from the command line, so a parse with this reader is how
// ParseConfig tells which flags the command line itself gave (the command
// line wins over the file).
#pragma once

#include <CLI/CLI.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace strata::server {

// A problem with the config file that CLI11 would misreport; what() says what
// the file holds and what to do instead.
class ConfigFileProblem : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class TopLevelConfigFile final : public CLI::ConfigTOML {
 public:
  // Throws ConfigFileProblem for the first [section] in `input`.
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;
};

class CommandLineOnly final : public CLI::ConfigTOML {
 public:
  std::vector<CLI::ConfigItem> from_config(std::istream& /*input*/) const override { return {}; }
};

}  // namespace strata::server

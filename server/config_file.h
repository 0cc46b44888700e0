// How stratad reads --config: CLI11's TOML/INI reader, with a change.
//
// CommandLineOnly reads nothing from the file. CLI11 counts a value from the
// file like one from the command line, so a parse with this reader is how
// ParseConfig tells which flags the command line itself gave (the command
// line wins over the file).
#pragma once

#include <CLI/CLI.hpp>

#include <vector>

namespace strata::server {

class CommandLineOnly final : public CLI::ConfigTOML {
 public:
  std::vector<CLI::ConfigItem> from_config(std::istream& /*input*/) const override { return {}; }
};

}  // namespace strata::server

#include "server/config_file.h"

namespace strata::server {

std::vector<CLI::ConfigItem> TopLevelConfigFile::from_config(std::istream& input) const {
  std::vector<CLI::ConfigItem> items = CLI::ConfigTOML::from_config(input);
  for (size_t i = 0; i < items.size(); ++i) {
    // CLI11 marks where "[a.b]" starts with items named "++" whose parents are
    // {"a"}, then {"a", "b"}: the last of the run is the header as written. A
    // dotted key (a.b = 1) has parents too, but its own name, and CLI11's error
    // for an unknown key already names it as written.
    if (items[i].name != "++" || items[i].parents.empty()) continue;
    while (i + 1 < items.size() && items[i + 1].name == "++" &&
           items[i + 1].parents.size() > items[i].parents.size()) {
      ++i;
    }
    std::string section;
    for (const auto& part : items[i].parents) section += (section.empty() ? "" : ".") + part;
    throw ConfigFileProblem("sections are not supported: [" + section +
                            "] (remove the header and keep its keys at the top level of the file; keys are "
                            "the long flag names without dashes)");
  }
  return items;
}

}  // namespace strata::server

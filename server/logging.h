// spdlog set-up: level and text or JSON lines on stderr.
#pragma once

#include <string>

namespace strata::server {

// `level` and `format` are already validated by the config parser.
void SetUpLogging(const std::string& level, const std::string& format);

}  // namespace strata::server

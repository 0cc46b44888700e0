// Validation of user-supplied names: keys, cells, document ids, spaces, branches.
// Each check returns kInvalidArgument with a message that names the problem.
#pragma once

#include <string_view>

#include "storage/status.h"

namespace strata::storage {

// True when `s` is well-formed UTF-8.
bool IsValidUtf8(std::string_view s);

// Keys, cell names, document ids, vector keys: non-empty UTF-8, at most 1024
// bytes, no NUL, not starting with "_strata/". `what` names the kind ("key").
Status ValidateKey(std::string_view name, std::string_view what);

// Space names: ^[a-z][a-z0-9_-]{0,63}$, "_system_" reserved.
Status ValidateSpaceName(std::string_view name);

// Branch names: 1-255 bytes of UTF-8, no NUL, no "/" at either end.
Status ValidateBranchName(std::string_view name);

// Quotes a name for an error message, shortening very long ones.
std::string QuoteName(std::string_view name);

}  // namespace strata::storage

// Which role each rpc needs: the single access table, keyed by full method
// name ("/strata.v1.KV/Put"). A method that is not in it is refused to every
// token (fail closed), and a test walks the proto descriptors so a new rpc
// cannot ship without a row here. See docs/security.md.
#pragma once

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::server {

// Ordered: each role includes the ones below it (admin can write, write can read).
enum class Role { kRead = 1, kWrite = 2, kAdmin = 3 };

std::optional<Role> ParseRole(std::string_view name);
std::string_view RoleName(Role role);

// The role `full_method` needs; nullopt when the method is not in the table.
std::optional<Role> RequiredRole(std::string_view full_method);

// Health checking and server reflection answer without a token: load
// balancers, probes and grpcurl's `list` must work before anyone logs in.
bool IsOpenMethod(std::string_view full_method);

// Every row of the table, for the completeness test and the docs.
const std::vector<std::pair<std::string_view, Role>>& MethodRoleTable();

}  // namespace strata::server

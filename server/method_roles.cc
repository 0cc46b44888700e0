#include "server/method_roles.h"

#include <algorithm>

namespace strata::server {
namespace {

constexpr std::string_view kOpenPrefixes[] = {
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1alpha.ServerReflection/",
    "/grpc.reflection.v1.ServerReflection/",
};

// Reads need read; anything that changes data needs write; operations on the
// whole database (durability, retention) need admin. Transactions need write:
// a transaction exists to commit writes.
const std::vector<std::pair<std::string_view, Role>> kTable = {
    {"/strata.v1.Admin/Ping", Role::kRead},
    {"/strata.v1.Admin/Info", Role::kRead},
    {"/strata.v1.Admin/TimeRange", Role::kRead},
    {"/strata.v1.Admin/Flush", Role::kAdmin},
    {"/strata.v1.Admin/Compact", Role::kAdmin},

    {"/strata.v1.KV/Put", Role::kWrite},
    {"/strata.v1.KV/Get", Role::kRead},
    {"/strata.v1.KV/Delete", Role::kWrite},
    {"/strata.v1.KV/List", Role::kRead},
    {"/strata.v1.KV/History", Role::kRead},

    {"/strata.v1.State/Set", Role::kWrite},
    {"/strata.v1.State/Get", Role::kRead},
    {"/strata.v1.State/Init", Role::kWrite},
    {"/strata.v1.State/Cas", Role::kWrite},
    {"/strata.v1.State/Delete", Role::kWrite},
    {"/strata.v1.State/List", Role::kRead},
    {"/strata.v1.State/History", Role::kRead},

    {"/strata.v1.Events/Append", Role::kWrite},
    {"/strata.v1.Events/Get", Role::kRead},
    {"/strata.v1.Events/List", Role::kRead},
    {"/strata.v1.Events/Len", Role::kRead},
    {"/strata.v1.Events/Verify", Role::kRead},

    {"/strata.v1.Json/Set", Role::kWrite},
    {"/strata.v1.Json/Get", Role::kRead},
    {"/strata.v1.Json/Delete", Role::kWrite},
    {"/strata.v1.Json/List", Role::kRead},
    {"/strata.v1.Json/History", Role::kRead},

    {"/strata.v1.Branches/Create", Role::kWrite},
    {"/strata.v1.Branches/Fork", Role::kWrite},
    {"/strata.v1.Branches/Get", Role::kRead},
    {"/strata.v1.Branches/List", Role::kRead},
    {"/strata.v1.Branches/Delete", Role::kWrite},
    {"/strata.v1.Branches/Diff", Role::kRead},
    {"/strata.v1.Branches/Merge", Role::kWrite},
    {"/strata.v1.Branches/Export", Role::kRead},
    {"/strata.v1.Branches/Import", Role::kWrite},

    {"/strata.v1.Spaces/Create", Role::kWrite},
    {"/strata.v1.Spaces/List", Role::kRead},
    {"/strata.v1.Spaces/Exists", Role::kRead},
    {"/strata.v1.Spaces/Delete", Role::kWrite},

    {"/strata.v1.Vectors/CreateCollection", Role::kWrite},
    {"/strata.v1.Vectors/DeleteCollection", Role::kWrite},
    {"/strata.v1.Vectors/ListCollections", Role::kRead},
    {"/strata.v1.Vectors/CollectionStats", Role::kRead},
    {"/strata.v1.Vectors/Upsert", Role::kWrite},
    {"/strata.v1.Vectors/BatchUpsert", Role::kWrite},
    {"/strata.v1.Vectors/Get", Role::kRead},
    {"/strata.v1.Vectors/Delete", Role::kWrite},
    {"/strata.v1.Vectors/Search", Role::kRead},
    {"/strata.v1.Vectors/BatchSearch", Role::kRead},

    {"/strata.v1.Transactions/Begin", Role::kWrite},
    {"/strata.v1.Transactions/Commit", Role::kWrite},
    {"/strata.v1.Transactions/Rollback", Role::kWrite},
    {"/strata.v1.Transactions/Info", Role::kRead},

    {"/strata.v1.Search/Search", Role::kRead},
};

}  // namespace

std::optional<Role> ParseRole(std::string_view name) {
  if (name == "read") return Role::kRead;
  if (name == "write") return Role::kWrite;
  if (name == "admin") return Role::kAdmin;
  return std::nullopt;
}

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kRead:
      return "read";
    case Role::kWrite:
      return "write";
    case Role::kAdmin:
      return "admin";
  }
  return "?";
}

std::optional<Role> RequiredRole(std::string_view full_method) {
  auto it = std::find_if(kTable.begin(), kTable.end(), [&](const auto& row) { return row.first == full_method; });
  if (it == kTable.end()) return std::nullopt;
  return it->second;
}

bool IsOpenMethod(std::string_view full_method) {
  return std::any_of(std::begin(kOpenPrefixes), std::end(kOpenPrefixes),
                     [&](std::string_view prefix) { return full_method.starts_with(prefix); });
}

const std::vector<std::pair<std::string_view, Role>>& MethodRoleTable() { return kTable; }

}  // namespace strata::server

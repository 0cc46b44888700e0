// The access table covers every rpc of proto/strata/v1 and nothing else: a new
// rpc without a row would be refused to every token, a stale row hides a typo.
#include <filesystem>
#include <set>

#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include "server/method_roles.h"
#include "server/strata_server.h"

namespace strata {
namespace {

namespace fs = std::filesystem;
using google::protobuf::DescriptorPool;
using google::protobuf::FileDescriptor;

// Full method names of every rpc in <source>/proto/strata/v1/*.proto, from the
// descriptors compiled into this binary.
std::set<std::string> AllStrataRpcs() {
  // This file is <source>/tests/server/method_roles_test.cc.
  fs::path proto_dir = fs::path(__FILE__).parent_path().parent_path().parent_path() / "proto" / "strata" / "v1";
  std::set<std::string> rpcs;
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(proto_dir)) {
    if (entry.path().extension() != ".proto") continue;
    ++files;
    std::string name = "strata/v1/" + entry.path().filename().string();
    const FileDescriptor* file = DescriptorPool::generated_pool()->FindFileByName(name);
    // Every service is registered by the server library this test links, so its file is there.
    EXPECT_NE(file, nullptr) << name << " is not compiled into the server";
    if (file == nullptr) continue;
    for (int s = 0; s < file->service_count(); ++s) {
      for (int m = 0; m < file->service(s)->method_count(); ++m) {
        rpcs.insert("/" + file->service(s)->full_name() + "/" + file->service(s)->method(m)->name());
      }
    }
  }
  EXPECT_GT(files, 5u) << "no .proto files found in " << proto_dir;
  return rpcs;
}

TEST(MethodRolesTest, EveryRpcHasARole) {
  // Links the server, and with it every service it registers and their
  // descriptors (the proto library is static: unreferenced files drop out).
  volatile auto start = &server::StrataServer::Start;
  (void)start;
  std::set<std::string> rpcs = AllStrataRpcs();
  EXPECT_GT(rpcs.size(), 40u);
  for (const auto& rpc : rpcs) {
    EXPECT_TRUE(server::RequiredRole(rpc).has_value()) << rpc << " is missing from server/method_roles.cc";
    EXPECT_FALSE(server::IsOpenMethod(rpc)) << rpc;
  }
  for (const auto& [method, role] : server::MethodRoleTable()) {
    EXPECT_TRUE(rpcs.count(std::string(method))) << method << " is in the table but not in proto/strata/v1";
  }
}

TEST(MethodRolesTest, AdministrationNeedsAdminAndStatusNeedsRead) {
  using server::Role;
  EXPECT_EQ(server::RequiredRole("/strata.v1.Admin/Flush"), Role::kAdmin);
  EXPECT_EQ(server::RequiredRole("/strata.v1.Admin/Compact"), Role::kAdmin);
  EXPECT_EQ(server::RequiredRole("/strata.v1.Admin/Ping"), Role::kRead);
  EXPECT_EQ(server::RequiredRole("/strata.v1.Admin/Info"), Role::kRead);
  EXPECT_EQ(server::RequiredRole("/strata.v1.Admin/TimeRange"), Role::kRead);
  EXPECT_TRUE(server::IsOpenMethod("/grpc.health.v1.Health/Check"));
  EXPECT_TRUE(server::IsOpenMethod("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"));
  EXPECT_FALSE(server::IsOpenMethod("/strata.v1.KV/Get"));
}

}  // namespace
}  // namespace strata

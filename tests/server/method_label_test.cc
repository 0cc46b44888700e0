// The metrics' method label is a method the server serves, or "unknown": no
// caller can add a label value of its own (server/method_label.h).
#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include "server/method_label.h"
#include "server/method_roles.h"
#include "server/strata_server.h"

namespace strata {
namespace {

using google::protobuf::DescriptorPool;
using server::RpcMethodLabel;

TEST(MethodLabelTest, EveryServedMethodIsItsOwnLabel) {
  for (const auto& [method, role] : server::MethodRoleTable()) EXPECT_EQ(RpcMethodLabel(method), method);
  // Health and reflection, from the descriptors linked with the server: a
  // method added to either in a gRPC upgrade fails here until it is listed.
  volatile auto start = &server::StrataServer::Start;
  (void)start;
  for (const char* name : {"grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"}) {
    const auto* service = DescriptorPool::generated_pool()->FindServiceByName(name);
    ASSERT_NE(service, nullptr) << name << " is not linked into the server";
    for (int m = 0; m < service->method_count(); ++m) {
      std::string method = "/" + service->full_name() + "/" + service->method(m)->name();
      EXPECT_EQ(RpcMethodLabel(method), method);
    }
  }
}

TEST(MethodLabelTest, AnythingElseIsUnknown) {
  for (std::string_view method :
       {"/made.up.Service/Method", "/strata.v1.KV/NoSuchMethod", "/grpc.health.v1.Health/Nope",
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", "/x\xff\xfe/y", "", "unknown",
        "/strata.v1.KV/Put/", "strata.v1.KV/Put"}) {
    EXPECT_EQ(RpcMethodLabel(method), "unknown") << method;
  }
}

}  // namespace
}  // namespace strata

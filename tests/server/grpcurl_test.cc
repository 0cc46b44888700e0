// The real grpcurl against a real stratad, by server reflection alone (no
// .proto files): what any gRPC user can do with no client library.
#include <gtest/gtest.h>

#include "tests/testutil/grpcurl.h"
#include "tests/testutil/server_process.h"

namespace strata {
namespace {

using testutil::FindGrpcurl;
using testutil::RunProgram;
using testutil::RunResult;
using testutil::ServerProcess;
using testutil::TempDir;

class GrpcurlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpcurl_ = FindGrpcurl();
    // Not a skip: without grpcurl this contract is unchecked, which is a failure.
    ASSERT_FALSE(grpcurl_.empty()) << "grpcurl not found: set GRPCURL or install it at <source>/.tools/bin/grpcurl";
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"--data-dir", dir_.path() + "/db"});
    ASSERT_TRUE(server_->ready());
  }

  // grpcurl -plaintext -max-time 10 <args...>, with `target` placed where grpcurl expects it.
  RunResult Grpcurl(std::vector<std::string> flags, std::vector<std::string> rest) {
    std::vector<std::string> args = {"-plaintext", "-max-time", "10"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(server_->address());
    args.insert(args.end(), rest.begin(), rest.end());
    return RunProgram(grpcurl_, args, std::chrono::seconds(30));
  }

  static bool Contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
  }

  std::string grpcurl_;
  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(GrpcurlTest, ListShowsEveryStrataServiceAndHealth) {
  RunResult r = Grpcurl({}, {"list"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* service : {"strata.v1.KV", "strata.v1.Admin", "strata.v1.State", "strata.v1.Events",
                              "strata.v1.Json", "strata.v1.Vectors", "strata.v1.Branches", "strata.v1.Spaces",
                              "strata.v1.Transactions", "strata.v1.Search", "grpc.health.v1.Health"}) {
    EXPECT_TRUE(Contains(r.output, std::string(service) + "\n")) << service << " missing from:\n" << r.output;
  }
}

TEST_F(GrpcurlTest, DescribeKvShowsItsRpcs) {
  RunResult r = Grpcurl({}, {"describe", "strata.v1.KV"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "service KV")) << r.output;
  for (const char* rpc : {"rpc Put", "rpc Get", "rpc Delete", "rpc List", "rpc History"}) {
    EXPECT_TRUE(Contains(r.output, rpc)) << rpc << " missing from:\n" << r.output;
  }
  EXPECT_TRUE(Contains(r.output, ".strata.v1.KvPutRequest")) << r.output;

  RunResult message = Grpcurl({}, {"describe", "strata.v1.Value"});
  ASSERT_EQ(message.exit_code, 0) << message.output;
  EXPECT_TRUE(Contains(message.output, "string_value")) << message.output;
}

TEST_F(GrpcurlTest, PutThenGetByReflection) {
  RunResult put = Grpcurl({"-d", R"({"key":"greeting","value":{"stringValue":"hello"}})"}, {"strata.v1.KV/Put"});
  ASSERT_EQ(put.exit_code, 0) << put.output;
  EXPECT_TRUE(Contains(put.output, "\"version\"")) << put.output;

  RunResult get = Grpcurl({"-d", R"({"key":"greeting"})"}, {"strata.v1.KV/Get"});
  ASSERT_EQ(get.exit_code, 0) << get.output;
  EXPECT_TRUE(Contains(get.output, "\"found\": true")) << get.output;
  // grpcurl prints the proto field name or its JSON name, depending on its version.
  EXPECT_TRUE(Contains(get.output, "\"string_value\": \"hello\"") ||
              Contains(get.output, "\"stringValue\": \"hello\""))
      << get.output;

  RunResult list = Grpcurl({"-d", R"({"prefix":"greet"})"}, {"strata.v1.KV/List"});
  ASSERT_EQ(list.exit_code, 0) << list.output;
  EXPECT_TRUE(Contains(list.output, "\"greeting\"")) << list.output;
}

TEST_F(GrpcurlTest, ErrorCallShowsInvalidArgument) {
  RunResult r = Grpcurl({"-d", R"({"key":"","value":{"intValue":"1"}})"}, {"strata.v1.KV/Put"});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "InvalidArgument")) << r.output;
  EXPECT_FALSE(Contains(r.output, "Unknown")) << r.output;
}

// Health checking must also work by reflection alone: grpcurl (and anything
// else without compiled stubs) needs the service's descriptor, not just its name.
TEST_F(GrpcurlTest, HealthCheckIsServing) {
  RunResult r = Grpcurl({}, {"grpc.health.v1.Health/Check"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "SERVING")) << r.output;
  EXPECT_FALSE(Contains(r.output, "NOT_SERVING")) << r.output;
}

TEST_F(GrpcurlTest, AdminPingByReflection) {
  RunResult r = Grpcurl({}, {"strata.v1.Admin/Ping"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "\"version\"")) << r.output;
}

// Every data service driven by grpcurl with JSON requests, as docs/grpcurl.md
// shows them: what a user with no client library can do.
TEST_F(GrpcurlTest, EveryServiceAnswersByReflection) {
  auto call = [&](const std::string& method, const std::string& json) {
    RunResult r = Grpcurl({"-d", json}, {method});
    EXPECT_EQ(r.exit_code, 0) << method << " " << json << "\n" << r.output;
    return r.output;
  };
  EXPECT_TRUE(Contains(call("strata.v1.State/Init", R"({"cell":"counter","value":{"intValue":"0"}})"), "version"));
  EXPECT_TRUE(Contains(call("strata.v1.State/Cas",
                            R"({"cell":"counter","expected":{"intValue":"0"},"value":{"intValue":"1"}})"),
                       "version"));
  EXPECT_TRUE(Contains(call("strata.v1.State/Get", R"({"cell":"counter"})"), "\"found\": true"));

  call("strata.v1.Events/Append", R"({"eventType":"tool_call","payload":{"stringValue":"search"}})");
  EXPECT_TRUE(Contains(call("strata.v1.Events/Len", "{}"), "1"));
  EXPECT_TRUE(Contains(call("strata.v1.Events/Verify", "{}"), "\"valid\": true"));

  call("strata.v1.Json/Set", R"({"key":"profile","path":"$.name","value":{"stringValue":"Ada"}})");
  std::string doc = call("strata.v1.Json/Get", R"({"key":"profile","path":"$.name"})");
  EXPECT_TRUE(Contains(doc, "Ada")) << doc;

  call("strata.v1.Vectors/CreateCollection", R"({"name":"docs","dimension":3,"metric":"METRIC_EUCLIDEAN"})");
  call("strata.v1.Vectors/Upsert", R"({"collection":"docs","entry":{"key":"a","vector":{"values":[1,0,0]}}})");
  call("strata.v1.Vectors/Upsert", R"({"collection":"docs","entry":{"key":"b","vector":{"values":[0,5,0]}}})");
  std::string found = call("strata.v1.Vectors/Search", R"({"collection":"docs","query":{"values":[1,0.1,0]},"k":1})");
  EXPECT_TRUE(Contains(found, "\"key\": \"a\"")) << found;
  std::string columns =
      call("strata.v1.Vectors/Search", R"({"collection":"docs","query":{"values":[1,0.1,0]},"k":2,"columns":true})");
  EXPECT_TRUE(Contains(columns, "\"keys\": [")) << columns;
  EXPECT_TRUE(Contains(columns, "\"distances\": [")) << columns;
  std::string got = call("strata.v1.Vectors/Get", R"({"collection":"docs","key":"b","asValues":true})");
  EXPECT_TRUE(Contains(got, "5")) << got;

  call("strata.v1.Spaces/Create", R"({"name":"scratch"})");
  EXPECT_TRUE(Contains(call("strata.v1.Spaces/List", "{}"), "scratch"));
  EXPECT_TRUE(Contains(call("strata.v1.Branches/Fork", R"({"source":"default","destination":"try"})"), "try"));
  EXPECT_TRUE(Contains(call("strata.v1.Branches/List", "{}"), "try"));
  EXPECT_TRUE(Contains(call("strata.v1.Admin/Info", "{}"), "collectionCount") ||
              Contains(call("strata.v1.Admin/Info", "{}"), "collection_count"));
}

TEST_F(GrpcurlTest, TransactionByReflection) {
  // docs/grpcurl.md "Transactions": begin, a put joining it by context.txnId, commit.
  RunResult begin = Grpcurl({"-d", "{}"}, {"strata.v1.Transactions/Begin"});
  ASSERT_EQ(begin.exit_code, 0) << begin.output;
  size_t at = begin.output.find("txn-");
  ASSERT_NE(at, std::string::npos) << begin.output;
  std::string id = begin.output.substr(at, begin.output.find('"', at) - at);
  RunResult put = Grpcurl({"-d", R"({"context":{"txnId":")" + id + R"("},"key":"k","value":{"intValue":"1"}})"},
                          {"strata.v1.KV/Put"});
  ASSERT_EQ(put.exit_code, 0) << put.output;
  RunResult commit = Grpcurl({"-d", R"({"txnId":")" + id + R"("})"}, {"strata.v1.Transactions/Commit"});
  ASSERT_EQ(commit.exit_code, 0) << commit.output;
  EXPECT_TRUE(Contains(commit.output, "\"version\"")) << commit.output;
  RunResult get = Grpcurl({"-d", R"({"key":"k"})"}, {"strata.v1.KV/Get"});
  EXPECT_TRUE(Contains(get.output, "\"found\": true")) << get.output;
}

}  // namespace
}  // namespace strata

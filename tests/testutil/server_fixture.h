// A gtest fixture with one real stratad on 127.0.0.1:0 over a fresh data
// directory, a connected channel and stubs for the implemented services.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "strata/v1/admin.grpc.pb.h"
#include "strata/v1/kv.grpc.pb.h"
#include "tests/testutil/grpc_client.h"
#include "tests/testutil/server_process.h"

namespace strata::testutil {

class ServerTest : public ::testing::Test {
 protected:
  // Extra flags for stratad (beyond --data-dir, --listen, --ready-file).
  virtual std::vector<std::string> ExtraArgs() const { return {}; }

  void SetUp() override {
    std::vector<std::string> args = {"--data-dir", data_dir()};
    for (const auto& a : ExtraArgs()) args.push_back(a);
    server_ = std::make_unique<ServerProcess>(args);
    ASSERT_TRUE(server_->ready());
    channel_ = Connect(server_->address());
    kv_ = v1::KV::NewStub(channel_);
    admin_ = v1::Admin::NewStub(channel_);
  }

  std::string data_dir() const { return dir_.path() + "/db"; }

  // KV.Put that must succeed; returns the version.
  uint64_t MustPut(const std::string& key, const v1::Value& value, const std::string& space = "") {
    v1::KvPutRequest req;
    req.set_key(key);
    req.mutable_context()->set_space(space);
    *req.mutable_value() = value;
    v1::WriteResponse resp;
    CallContext ctx;
    grpc::Status st = kv_->Put(ctx.get(), req, &resp);
    EXPECT_TRUE(st.ok()) << "Put " << key << ": " << st.error_code() << " " << st.error_message();
    return resp.version();
  }

  // KV.Get that must succeed.
  v1::KvGetResponse MustGet(const std::string& key, const std::string& space = "") {
    v1::KvGetRequest req;
    req.set_key(key);
    req.mutable_context()->set_space(space);
    v1::KvGetResponse resp;
    CallContext ctx;
    grpc::Status st = kv_->Get(ctx.get(), req, &resp);
    EXPECT_TRUE(st.ok()) << "Get " << key << ": " << st.error_code() << " " << st.error_message();
    return resp;
  }

  // Admin.Ping succeeds: the server is alive and answering.
  void ExpectServing() {
    v1::PingResponse resp;
    CallContext ctx;
    grpc::Status st = admin_->Ping(ctx.get(), v1::PingRequest(), &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    EXPECT_FALSE(resp.version().empty());
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::KV::Stub> kv_;
  std::unique_ptr<v1::Admin::Stub> admin_;
};

}  // namespace strata::testutil

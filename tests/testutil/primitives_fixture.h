// A ServerTest (one real stratad on 127.0.0.1:0) with stubs for the State,
// Events and Json services, and checks shared by their e2e tests.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "strata/v1/events.grpc.pb.h"
#include "strata/v1/json.grpc.pb.h"
#include "strata/v1/state.grpc.pb.h"
#include "tests/testutil/server_fixture.h"

namespace strata::testutil {

class PrimitivesServerTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    state_ = v1::State::NewStub(channel_);
    events_ = v1::Events::NewStub(channel_);
    json_ = v1::Json::NewStub(channel_);
  }

  // A refused request: INVALID_ARGUMENT (never UNKNOWN) with reason "validation".
  static void ExpectInvalid(const grpc::Status& st, const CallContext& ctx, const std::string& what) {
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << what << ": code " << st.error_code() << " " << st.error_message();
    EXPECT_NE(st.error_code(), grpc::StatusCode::UNKNOWN) << what;
    EXPECT_EQ(ctx.reason(), "validation") << what;
    EXPECT_FALSE(st.error_message().empty()) << what;
  }

  std::unique_ptr<v1::State::Stub> state_;
  std::unique_ptr<v1::Events::Stub> events_;
  std::unique_ptr<v1::Json::Stub> json_;
};

}  // namespace strata::testutil

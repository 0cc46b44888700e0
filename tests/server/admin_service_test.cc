// Admin.Ping/Info/TimeRange/Flush/Compact and gRPC health checking.
#include <chrono>

#include <gtest/gtest.h>

#include "tests/testutil/server_fixture.h"

namespace strata {
namespace {

using testutil::CallContext;
using testutil::ServerTest;
using AdminServiceTest = ServerTest;

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

v1::InfoResponse MustInfo(v1::Admin::Stub& admin) {
  v1::InfoResponse resp;
  CallContext ctx;
  grpc::Status st = admin.Info(ctx.get(), v1::InfoRequest(), &resp);
  EXPECT_TRUE(st.ok()) << st.error_message();
  return resp;
}

TEST_F(AdminServiceTest, HealthCheckAnswersServing) {
  EXPECT_EQ(testutil::HealthCheck(*channel_, ""), 1) << "1 is SERVING";
}

TEST_F(AdminServiceTest, PingReturnsTheServerVersion) {
  v1::PingResponse resp;
  CallContext ctx;
  ASSERT_TRUE(admin_->Ping(ctx.get(), v1::PingRequest(), &resp).ok());
  EXPECT_FALSE(resp.version().empty());
  EXPECT_NE(resp.version().find('.'), std::string::npos) << resp.version();
  EXPECT_EQ(MustInfo(*admin_).version(), resp.version());
}

TEST_F(AdminServiceTest, InfoOfAFreshDatabase) {
  v1::InfoResponse info = MustInfo(*admin_);
  EXPECT_EQ(info.total_keys(), 0u);
  EXPECT_EQ(info.branch_count(), 1u);
  EXPECT_EQ(info.space_count(), 1u);
  EXPECT_EQ(info.collection_count(), 0u);
  EXPECT_EQ(info.current_version(), 0u);
  EXPECT_EQ(info.durability(), "always");
  EXPECT_GT(info.disk_bytes(), 0u);
  EXPECT_GT(info.map_size(), 0u);
  EXPECT_LE(info.map_used_bytes(), info.map_size());
  EXPECT_LT(info.uptime_secs(), 600u);
}

TEST_F(AdminServiceTest, InfoCountsTheLiveKeysWritten) {
  for (int i = 0; i < 7; ++i) MustPut("k" + std::to_string(i), testutil::IntValue(i));
  MustPut("k0", testutil::IntValue(100));  // overwrite: no new key
  uint64_t last = MustPut("other", testutil::StringValue("x"), "second");
  v1::KvDeleteRequest del;
  del.set_key("k6");
  v1::KvDeleteResponse del_resp;
  {
    CallContext ctx;
    ASSERT_TRUE(kv_->Delete(ctx.get(), del, &del_resp).ok());
  }
  v1::InfoResponse info = MustInfo(*admin_);
  EXPECT_EQ(info.total_keys(), 7u);  // k0..k5 and other
  EXPECT_EQ(info.space_count(), 2u);
  EXPECT_EQ(info.current_version(), del_resp.version());
  EXPECT_GT(del_resp.version(), last);
}

TEST_F(AdminServiceTest, InfoOfAnUnknownBranchIsNotFound) {
  v1::InfoRequest req;
  req.set_branch("nope");
  v1::InfoResponse resp;
  CallContext ctx;
  grpc::Status st = admin_->Info(ctx.get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND) << st.error_message();
  EXPECT_EQ(ctx.reason(), "not_found");
}

TEST_F(AdminServiceTest, TimeRangeIsZeroWhenEmptyAndBracketsTheWrites) {
  v1::TimeRangeResponse empty;
  {
    CallContext ctx;
    ASSERT_TRUE(admin_->TimeRange(ctx.get(), v1::TimeRangeRequest(), &empty).ok());
  }
  EXPECT_EQ(empty.oldest_ts(), 0);
  EXPECT_EQ(empty.latest_ts(), 0);

  int64_t before = NowMicros();
  MustPut("a", testutil::IntValue(1));
  MustPut("b", testutil::IntValue(2));
  int64_t after = NowMicros();
  v1::TimeRangeResponse range;
  {
    CallContext ctx;
    ASSERT_TRUE(admin_->TimeRange(ctx.get(), v1::TimeRangeRequest(), &range).ok());
  }
  EXPECT_LE(before, range.oldest_ts());
  EXPECT_LE(range.oldest_ts(), range.latest_ts());
  EXPECT_LE(range.latest_ts(), after);
  EXPECT_EQ(range.oldest_ts(), MustGet("a").entry().timestamp());
  EXPECT_EQ(range.latest_ts(), MustGet("b").entry().timestamp());
}

TEST_F(AdminServiceTest, FlushSucceeds) {
  MustPut("k", testutil::IntValue(1));
  v1::FlushResponse resp;
  CallContext ctx;
  grpc::Status st = admin_->Flush(ctx.get(), v1::FlushRequest(), &resp);
  EXPECT_TRUE(st.ok()) << st.error_message();
}

TEST_F(AdminServiceTest, CompactSucceedsAndKeepsTheData) {
  MustPut("k", testutil::IntValue(1));
  MustPut("k", testutil::IntValue(2));
  v1::CompactResponse resp;
  CallContext ctx;
  grpc::Status st = admin_->Compact(ctx.get(), v1::CompactRequest(), &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  // No retention policy is configured: every version is kept.
  EXPECT_EQ(resp.versions_removed(), 0u);
  EXPECT_EQ(resp.retention_versions(), 0u);
  EXPECT_EQ(resp.retention_seconds(), 0u);
  EXPECT_EQ(resp.retained_from_version(), 0u);
  v1::KvHistoryRequest req;
  req.set_key("k");
  v1::HistoryResponse history;
  CallContext hctx;
  ASSERT_TRUE(kv_->History(hctx.get(), req, &history).ok());
  EXPECT_EQ(history.entries_size(), 2);
}

v1::CompactResponse MustCompact(v1::Admin::Stub& admin) {
  v1::CompactResponse resp;
  CallContext ctx;
  grpc::Status st = admin.Compact(ctx.get(), v1::CompactRequest(), &resp);
  EXPECT_TRUE(st.ok()) << st.error_message();
  return resp;
}

// A server keeping one version of each name.
class RetainedAdminTest : public ServerTest {
 protected:
  std::vector<std::string> ExtraArgs() const override { return {"--retention-versions", "1"}; }
};

TEST_F(RetainedAdminTest, CompactAppliesTheRetentionPolicyAndRefusesOlderAsOf) {
  MustPut("k", testutil::IntValue(1));
  int64_t first_ts = MustGet("k").entry().timestamp();
  MustPut("k", testutil::IntValue(2));
  uint64_t last = MustPut("k", testutil::IntValue(3));
  MustPut("other", testutil::IntValue(0));
  EXPECT_EQ(MustInfo(*admin_).retention_versions(), 1u);

  v1::CompactResponse resp = MustCompact(*admin_);
  EXPECT_EQ(resp.retention_versions(), 1u);
  EXPECT_EQ(resp.versions_removed(), 2u);
  EXPECT_EQ(resp.names_removed(), 0u);
  EXPECT_EQ(resp.retained_from_version(), last);
  EXPECT_EQ(resp.retained_from_ts(), MustGet("k").entry().timestamp());
  EXPECT_GE(resp.commits(), 1u);
  EXPECT_EQ(MustGet("k").entry().value().int_value(), 3);

  v1::TimeRangeResponse range;
  {
    CallContext ctx;
    ASSERT_TRUE(admin_->TimeRange(ctx.get(), v1::TimeRangeRequest(), &range).ok());
  }
  EXPECT_EQ(range.oldest_ts(), resp.retained_from_ts());

  v1::KvGetRequest req;
  req.set_key("k");
  req.set_as_of(first_ts);
  v1::KvGetResponse get;
  CallContext ctx;
  grpc::Status st = kv_->Get(ctx.get(), req, &get);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
  EXPECT_NE(st.error_message().find("is before the retained history, which starts at " +
                                    std::to_string(resp.retained_from_ts())),
            std::string::npos)
      << st.error_message();

  v1::KvHistoryRequest hreq;
  hreq.set_key("k");
  v1::HistoryResponse history;
  CallContext hctx;
  ASSERT_TRUE(kv_->History(hctx.get(), hreq, &history).ok());
  EXPECT_EQ(history.entries_size(), 1);
}

class RelaxedAdminTest : public ServerTest {
 protected:
  // A minute between background syncs: within the test only Flush syncs.
  std::vector<std::string> ExtraArgs() const override {
    return {"--durability", "relaxed", "--sync-interval-ms", "60000"};
  }
};

TEST_F(RelaxedAdminTest, FlushForcesASyncInRelaxedDurability) {
  uint64_t version = MustPut("k", testutil::IntValue(1));
  v1::InfoResponse before = MustInfo(*admin_);
  EXPECT_EQ(before.durability(), "relaxed");
  EXPECT_EQ(before.current_version(), version);
  EXPECT_LT(before.durable_version(), version);
  v1::FlushResponse resp;
  CallContext ctx;
  ASSERT_TRUE(admin_->Flush(ctx.get(), v1::FlushRequest(), &resp).ok());
  EXPECT_EQ(MustInfo(*admin_).durable_version(), version);
}

class EphemeralAdminTest : public ServerTest {
 protected:
  std::vector<std::string> ExtraArgs() const override { return {"--ephemeral"}; }
};

TEST_F(EphemeralAdminTest, EphemeralServerReportsItsDurabilityAndServes) {
  MustPut("k", testutil::IntValue(1));
  EXPECT_TRUE(MustGet("k").found());
  v1::InfoResponse info = MustInfo(*admin_);
  EXPECT_EQ(info.durability(), "ephemeral");
  EXPECT_EQ(info.total_keys(), 1u);
  v1::FlushResponse resp;
  CallContext ctx;
  EXPECT_TRUE(admin_->Flush(ctx.get(), v1::FlushRequest(), &resp).ok());
}

}  // namespace
}  // namespace strata

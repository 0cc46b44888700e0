// --metrics-listen: Prometheus text over HTTP, scraped and parsed after real
// traffic (docs/metrics.md names every metric checked here).
#include <gtest/gtest.h>

#include <set>

#include "storage/names.h"
#include "strata/v1/vectors.grpc.pb.h"
#include "tests/testutil/http_get.h"
#include "tests/testutil/prometheus_text.h"
#include "tests/testutil/server_fixture.h"
#include "tests/testutil/token_file.h"

namespace strata {
namespace {

using testutil::CallContext;
using testutil::FindSample;
using testutil::PromSample;

// Every distinct `method` label of the strata_rpc_* samples.
std::set<std::string> RpcMethodLabels(const std::vector<PromSample>& samples) {
  std::set<std::string> methods;
  for (const auto& s : samples) {
    if (s.name.rfind("strata_rpc_", 0) == 0) methods.insert(s.labels.at("method"));
  }
  return methods;
}

constexpr const char* kPut = "/strata.v1.KV/Put";

class MetricsTest : public testutil::ServerTest {
 protected:
  std::vector<std::string> ExtraArgs() const override {
    return {"--metrics-listen", "127.0.0.1:0", "--map-size", "256MiB"};
  }

  std::vector<PromSample> Scrape() {
    EXPECT_FALSE(server_->metrics_address().empty()) << "no metrics= line in the ready file";
    testutil::HttpResponse r = testutil::HttpGet(server_->metrics_address(), "/metrics");
    EXPECT_EQ(r.status, 200) << r.body;
    return testutil::ParsePrometheusText(r.body);
  }

  grpc::Status PutKey(const std::string& key) {
    v1::KvPutRequest req;
    req.set_key(key);
    *req.mutable_value() = testutil::IntValue(1);
    v1::WriteResponse resp;
    CallContext ctx;
    return kv_->Put(ctx.get(), req, &resp);
  }
};

TEST_F(MetricsTest, RpcCountsByMethodAndCode) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(PutKey("k" + std::to_string(i)).ok());
  EXPECT_EQ(PutKey("").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto first = Scrape();
  EXPECT_EQ(FindSample(first, "strata_rpc_requests_total", {{"method", kPut}, {"code", "OK"}}), 3.0);
  EXPECT_EQ(FindSample(first, "strata_rpc_requests_total", {{"method", kPut}, {"code", "INVALID_ARGUMENT"}}), 1.0);

  ASSERT_TRUE(PutKey("k3").ok());
  auto second = Scrape();
  EXPECT_EQ(FindSample(second, "strata_rpc_requests_total", {{"method", kPut}, {"code", "OK"}}), 4.0)
      << "the counter grows with traffic";
}

TEST_F(MetricsTest, LatencyHistogramHasBuckets) {
  ASSERT_TRUE(PutKey("k").ok());
  ExpectServing();
  auto samples = Scrape();
  EXPECT_EQ(FindSample(samples, "strata_rpc_duration_seconds_count", {{"method", kPut}}), 1.0);
  EXPECT_EQ(FindSample(samples, "strata_rpc_duration_seconds_bucket", {{"method", kPut}, {"le", "+Inf"}}), 1.0);
  EXPECT_TRUE(FindSample(samples, "strata_rpc_duration_seconds_bucket", {{"method", kPut}, {"le", "0.001"}}));
  EXPECT_TRUE(FindSample(samples, "strata_rpc_duration_seconds_bucket", {{"method", kPut}, {"le", "10"}}));
  EXPECT_GT(*FindSample(samples, "strata_rpc_duration_seconds_sum", {{"method", kPut}}), 0.0);
  EXPECT_EQ(FindSample(samples, "strata_rpc_duration_seconds_count", {{"method", "/strata.v1.Admin/Ping"}}), 1.0);
}

TEST_F(MetricsTest, WriterCommitsAreObserved) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(PutKey("w" + std::to_string(i)).ok());
  auto samples = Scrape();
  auto commits = FindSample(samples, "strata_writer_commits_total", {{"result", "ok"}});
  ASSERT_TRUE(commits);
  // Sequential puts: each is its own group commit (the server also commits at open).
  EXPECT_GE(*commits, 5.0);
  EXPECT_EQ(FindSample(samples, "strata_writer_batch_size_count"), commits);
  EXPECT_GE(*FindSample(samples, "strata_writer_batch_size_sum"), 5.0);
  EXPECT_EQ(FindSample(samples, "strata_writer_commit_duration_seconds_count"), commits);
  EXPECT_TRUE(FindSample(samples, "strata_writer_batch_size_bucket", {{"le", "1"}}));
}

TEST_F(MetricsTest, EngineGaugesAreReadAtScrapeTime) {
  auto before = Scrape();
  EXPECT_EQ(FindSample(before, "strata_lmdb_map_size_bytes"), 256.0 * 1024 * 1024);
  auto used = FindSample(before, "strata_lmdb_map_used_bytes");
  ASSERT_TRUE(used);
  EXPECT_GT(*used, 0.0);
  EXPECT_GT(*FindSample(before, "strata_disk_bytes"), 0.0);
  EXPECT_EQ(FindSample(before, "strata_branches"), 1.0);

  std::string big(100000, 'x');
  for (int i = 0; i < 20; ++i) {
    v1::KvPutRequest req;
    req.set_key("big" + std::to_string(i));
    *req.mutable_value() = testutil::StringValue(big);
    v1::WriteResponse resp;
    CallContext ctx;
    ASSERT_TRUE(kv_->Put(ctx.get(), req, &resp).ok());
  }
  auto after = Scrape();
  EXPECT_GT(*FindSample(after, "strata_lmdb_map_used_bytes"), *used + 1e6) << "2 MB written";
  EXPECT_EQ(FindSample(after, "strata_default_branch_keys"), 20.0);
  EXPECT_GT(*FindSample(after, "strata_committed_version"), *FindSample(before, "strata_committed_version"));
}

TEST_F(MetricsTest, VectorIndexGaugesFollowTheCollections) {
  EXPECT_EQ(FindSample(Scrape(), "strata_vector_indexes"), 0.0);
  auto vectors = v1::Vectors::NewStub(channel_);
  v1::CreateCollectionRequest create;
  create.set_name("docs");
  create.set_dimension(2);
  v1::WriteResponse created;
  CallContext ctx;
  ASSERT_TRUE(vectors->CreateCollection(ctx.get(), create, &created).ok());
  v1::VectorBatchUpsertRequest batch;
  batch.set_collection("docs");
  for (int i = 0; i < 30; ++i) {
    auto* e = batch.add_entries();
    e->set_key("k" + std::to_string(i));
    e->mutable_vector()->add_values(1);
    e->mutable_vector()->add_values(static_cast<float>(i));
  }
  v1::VectorBatchUpsertResponse upserted;
  CallContext ctx2;
  ASSERT_TRUE(vectors->BatchUpsert(ctx2.get(), batch, &upserted).ok());
  auto after = Scrape();
  EXPECT_EQ(FindSample(after, "strata_vector_indexes"), 1.0);
  EXPECT_EQ(FindSample(after, "strata_vector_index_vectors"), 30.0);
  EXPECT_GT(*FindSample(after, "strata_vector_index_memory_bytes"), 0.0);
  EXPECT_EQ(FindSample(after, "strata_vector_indexes_built"), 1.0);
  EXPECT_EQ(FindSample(after, "strata_vector_indexes_loaded"), 0.0);
}

class MetricsWithTokensTest : public MetricsTest {
 protected:
  MetricsWithTokensTest() { testutil::TestTokens::Write(dir_.path() + "/tokens"); }
  std::vector<std::string> ExtraArgs() const override {
    return {"--metrics-listen", "127.0.0.1:0", "--auth-token-file", dir_.path() + "/tokens"};
  }
};

// Refused calls never reach a handler, yet they are counted like any other.
TEST_F(MetricsWithTokensTest, RefusedCallsAreCounted) {
  EXPECT_EQ(PutKey("k").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  v1::KvPutRequest req;
  req.set_key("k");
  *req.mutable_value() = testutil::IntValue(1);
  v1::WriteResponse resp;
  CallContext ctx;
  ctx.get()->AddMetadata("authorization", std::string("Bearer ") + testutil::TestTokens::kRead);
  EXPECT_EQ(kv_->Put(ctx.get(), req, &resp).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  auto samples = Scrape();
  EXPECT_EQ(FindSample(samples, "strata_rpc_requests_total", {{"method", kPut}, {"code", "UNAUTHENTICATED"}}), 1.0);
  EXPECT_EQ(FindSample(samples, "strata_rpc_requests_total", {{"method", kPut}, {"code", "PERMISSION_DENIED"}}),
            1.0);
}

// Refused calls were labelled with the raw :path the client sent: every
// made-up method became a new series for good (3,000 calls without a token took
// /metrics from 4 KB to 17 MB), and a path that is not UTF-8 put those bytes
// into /metrics, which the Prometheus text format forbids. A method the server
// does not serve is "unknown", with or without a token, as on a server
// without tokens.
TEST_F(MetricsWithTokensTest, CallsToMethodsNotServedAddNoSeries) {
  ASSERT_EQ(testutil::HealthCheck(*channel_), 1);
  std::vector<std::string> made_up;
  for (int i = 0; i < 20; ++i) made_up.push_back("/made.up.Service/Method" + std::to_string(i));
  made_up.push_back("/x\xff\xfe/y");
  made_up.push_back("/strata.v1.KV/NoSuchMethod");
  for (const auto& method : made_up) {
    EXPECT_EQ(testutil::RawUnaryCall(*channel_, method, "", nullptr).error_code(),
              grpc::StatusCode::UNAUTHENTICATED)
        << method;
    // With a valid token the access table refuses it (fail closed).
    std::vector<std::pair<std::string, std::string>> token = {
        {"authorization", std::string("Bearer ") + testutil::TestTokens::kAdmin}};
    EXPECT_EQ(testutil::RawUnaryCall(*channel_, method, "", nullptr, nullptr, std::chrono::seconds(10), token)
                  .error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << method;
  }
  // Open, so past the token check, but with no handler.
  EXPECT_EQ(testutil::RawUnaryCall(*channel_, "/grpc.health.v1.Health/Nope", "", nullptr).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);

  testutil::HttpResponse r = testutil::HttpGet(server_->metrics_address(), "/metrics");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(storage::IsValidUtf8(r.body)) << "/metrics must be UTF-8 (Prometheus text format)";
  auto samples = testutil::ParsePrometheusText(r.body);
  EXPECT_EQ(RpcMethodLabels(samples), (std::set<std::string>{"unknown", "/grpc.health.v1.Health/Check"}));
  auto n = static_cast<double>(made_up.size());
  EXPECT_EQ(FindSample(samples, "strata_rpc_requests_total", {{"method", "unknown"}, {"code", "UNAUTHENTICATED"}}),
            n);
  EXPECT_EQ(
      FindSample(samples, "strata_rpc_requests_total", {{"method", "unknown"}, {"code", "PERMISSION_DENIED"}}), n);
  EXPECT_EQ(FindSample(samples, "strata_rpc_requests_total", {{"method", "unknown"}, {"code", "UNIMPLEMENTED"}}),
            1.0);
  EXPECT_EQ(FindSample(samples, "strata_rpc_duration_seconds_count", {{"method", "unknown"}}), 2 * n + 1);
  EXPECT_EQ(FindSample(samples, "strata_rpc_requests_total",
                       {{"method", "/grpc.health.v1.Health/Check"}, {"code", "OK"}}),
            1.0);
}

}  // namespace
}  // namespace strata

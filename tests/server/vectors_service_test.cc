// Every Vectors rpc against a real stratad over loopback gRPC: values and
// packed f32le vectors, filters, batch search, errors with their reasons, and
// a restart that loads the index snapshot.
#include <chrono>
#include <cmath>
#include <cstring>

#include <gtest/gtest.h>

#include "strata/v1/vectors.grpc.pb.h"
#include "tests/testutil/server_fixture.h"

namespace strata {
namespace {

using testutil::CallContext;

v1::Vector Values(std::vector<float> v) {
  v1::Vector out;
  out.mutable_values()->Assign(v.begin(), v.end());
  return out;
}

v1::Vector Packed(const std::vector<float>& v) {
  v1::Vector out;
  std::string bytes(v.size() * 4, '\0');
  std::memcpy(bytes.data(), v.data(), bytes.size());  // x86-64 is little-endian
  out.set_f32le(bytes);
  return out;
}

class VectorsServiceTest : public testutil::ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    vectors_ = v1::Vectors::NewStub(channel_);
  }

  grpc::Status Create(const std::string& name, uint32_t dim, v1::Metric metric = v1::METRIC_COSINE,
                      std::string* reason = nullptr) {
    v1::CreateCollectionRequest req;
    req.set_name(name);
    req.set_dimension(dim);
    req.set_metric(metric);
    v1::WriteResponse resp;
    CallContext ctx;
    grpc::Status st = vectors_->CreateCollection(ctx.get(), req, &resp);
    if (reason) *reason = ctx.reason();
    return st;
  }

  grpc::Status Upsert(const std::string& coll, const std::string& key, const v1::Vector& v,
                      std::optional<v1::Value> metadata = std::nullopt, std::string* reason = nullptr) {
    v1::VectorUpsertRequest req;
    req.set_collection(coll);
    req.mutable_entry()->set_key(key);
    *req.mutable_entry()->mutable_vector() = v;
    if (metadata) *req.mutable_entry()->mutable_metadata() = *metadata;
    v1::WriteResponse resp;
    CallContext ctx;
    grpc::Status st = vectors_->Upsert(ctx.get(), req, &resp);
    if (reason) *reason = ctx.reason();
    return st;
  }

  v1::VectorSearchResponse MustSearch(v1::VectorSearchRequest req) {
    v1::VectorSearchResponse resp;
    CallContext ctx;
    grpc::Status st = vectors_->Search(ctx.get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp;
  }

  std::unique_ptr<v1::Vectors::Stub> vectors_;
};

TEST_F(VectorsServiceTest, RoundTripsAndSearchesOverTheWire) {
  ASSERT_TRUE(Create("docs", 3, v1::METRIC_EUCLIDEAN).ok());
  ASSERT_TRUE(Upsert("docs", "a", Values({0, 0, 0}),
                     testutil::ObjectValue({{"tag", testutil::StringValue("x")}, {"n", testutil::IntValue(1)}}))
                  .ok());
  ASSERT_TRUE(Upsert("docs", "b", Packed({3, 4, 0}), testutil::ObjectValue({{"n", testutil::IntValue(2)}})).ok());

  v1::VectorGetRequest get;
  get.set_collection("docs");
  get.set_key("b");
  v1::VectorGetResponse got;
  CallContext ctx;
  ASSERT_TRUE(vectors_->Get(ctx.get(), get, &got).ok());
  ASSERT_TRUE(got.found());
  ASSERT_EQ(got.vector().f32le().size(), 12u);
  float back[3];
  std::memcpy(back, got.vector().f32le().data(), 12);
  EXPECT_EQ(back[0], 3.0f);
  EXPECT_EQ(back[1], 4.0f);
  EXPECT_GT(got.version(), 0u);
  get.set_as_values(true);
  CallContext ctx2;
  ASSERT_TRUE(vectors_->Get(ctx2.get(), get, &got).ok());
  ASSERT_EQ(got.vector().values_size(), 3);
  EXPECT_EQ(got.vector().values(1), 4.0f);

  v1::VectorSearchRequest req;
  req.set_collection("docs");
  *req.mutable_query() = Values({0, 0, 0});
  req.set_k(5);
  auto resp = MustSearch(req);
  ASSERT_EQ(resp.matches_size(), 2);
  EXPECT_EQ(resp.matches(0).key(), "a");
  EXPECT_DOUBLE_EQ(resp.matches(0).distance(), 0.0);
  EXPECT_DOUBLE_EQ(resp.matches(0).score(), 1.0);
  EXPECT_NEAR(resp.matches(1).distance(), 5.0, 1e-6);
  EXPECT_NEAR(resp.matches(1).score(), 1.0 / 6.0, 1e-6);
  EXPECT_EQ(resp.matches(0).metadata().object_value().entries_size(), 2);

  auto* f = req.add_filters();
  f->set_field("n");
  f->set_op("gte");
  *f->mutable_value() = testutil::IntValue(2);
  resp = MustSearch(req);
  ASSERT_EQ(resp.matches_size(), 1);
  EXPECT_EQ(resp.matches(0).key(), "b");

  v1::VectorBatchSearchRequest batch;
  batch.set_collection("docs");
  *batch.add_queries() = Values({0, 0, 0});
  *batch.add_queries() = Packed({3, 4, 1});
  batch.set_k(1);
  v1::VectorBatchSearchResponse batch_resp;
  CallContext ctx3;
  ASSERT_TRUE(vectors_->BatchSearch(ctx3.get(), batch, &batch_resp).ok());
  ASSERT_EQ(batch_resp.results_size(), 2);
  EXPECT_EQ(batch_resp.results(0).matches(0).key(), "a");
  EXPECT_EQ(batch_resp.results(1).matches(0).key(), "b");

  v1::ListCollectionsResponse list;
  CallContext ctx4;
  ASSERT_TRUE(vectors_->ListCollections(ctx4.get(), v1::ListCollectionsRequest(), &list).ok());
  ASSERT_EQ(list.collections_size(), 1);
  EXPECT_EQ(list.collections(0).count(), 2u);
  EXPECT_EQ(list.collections(0).metric(), v1::METRIC_EUCLIDEAN);
  EXPECT_EQ(list.collections(0).index_type(), "hnsw");
  EXPECT_GT(list.collections(0).memory_bytes(), 0u);
}

TEST_F(VectorsServiceTest, IncludeMetadataFalseAnswersWithoutMetadata) {
  ASSERT_TRUE(Create("docs", 3, v1::METRIC_EUCLIDEAN).ok());
  ASSERT_TRUE(Upsert("docs", "a", Values({0, 0, 0}), testutil::ObjectValue({{"n", testutil::IntValue(1)}})).ok());
  ASSERT_TRUE(Upsert("docs", "b", Values({3, 4, 0}), testutil::ObjectValue({{"n", testutil::IntValue(2)}})).ok());

  v1::VectorSearchRequest req;
  req.set_collection("docs");
  *req.mutable_query() = Values({0, 0, 0});
  req.set_k(5);
  auto resp = MustSearch(req);  // unset: with metadata
  ASSERT_EQ(resp.matches_size(), 2);
  EXPECT_TRUE(resp.matches(0).has_metadata());
  req.set_include_metadata(true);
  resp = MustSearch(req);
  ASSERT_EQ(resp.matches_size(), 2);
  EXPECT_TRUE(resp.matches(1).has_metadata());
  req.set_include_metadata(false);
  resp = MustSearch(req);
  ASSERT_EQ(resp.matches_size(), 2);
  EXPECT_EQ(resp.matches(0).key(), "a");
  EXPECT_EQ(resp.matches(1).key(), "b");
  EXPECT_NEAR(resp.matches(1).distance(), 5.0, 1e-6);
  for (const auto& m : resp.matches()) EXPECT_FALSE(m.has_metadata()) << m.key();

  // Filters still see the metadata; the exact paths (metric override, as_of) honour it too.
  auto* f = req.add_filters();
  f->set_field("n");
  f->set_op("eq");
  *f->mutable_value() = testutil::IntValue(2);
  resp = MustSearch(req);
  ASSERT_EQ(resp.matches_size(), 1);
  EXPECT_EQ(resp.matches(0).key(), "b");
  EXPECT_FALSE(resp.matches(0).has_metadata());
  req.set_metric(v1::METRIC_COSINE);
  *req.mutable_query() = Values({1, 1, 0});
  resp = MustSearch(req);
  ASSERT_EQ(resp.matches_size(), 1);
  EXPECT_FALSE(resp.matches(0).has_metadata());
  req.set_metric(v1::METRIC_UNSPECIFIED);
  req.set_as_of(std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::system_clock::now().time_since_epoch() + std::chrono::hours(1))
                    .count());
  resp = MustSearch(req);
  ASSERT_EQ(resp.matches_size(), 1);
  EXPECT_EQ(resp.matches(0).key(), "b");
  EXPECT_FALSE(resp.matches(0).has_metadata());
  req.set_include_metadata(true);
  resp = MustSearch(req);
  ASSERT_EQ(resp.matches_size(), 1);
  EXPECT_TRUE(resp.matches(0).has_metadata());

  v1::VectorBatchSearchRequest batch;
  batch.set_collection("docs");
  *batch.add_queries() = Values({0, 0, 0});
  *batch.add_queries() = Packed({3, 4, 1});
  batch.set_k(2);
  batch.set_include_metadata(false);
  v1::VectorBatchSearchResponse batch_resp;
  CallContext ctx;
  ASSERT_TRUE(vectors_->BatchSearch(ctx.get(), batch, &batch_resp).ok());
  ASSERT_EQ(batch_resp.results_size(), 2);
  EXPECT_EQ(batch_resp.results(0).matches(0).key(), "a");
  EXPECT_EQ(batch_resp.results(1).matches(0).key(), "b");
  for (const auto& r : batch_resp.results()) {
    ASSERT_EQ(r.matches_size(), 2);
    for (const auto& m : r.matches()) EXPECT_FALSE(m.has_metadata());
  }
  batch.clear_include_metadata();
  CallContext ctx2;
  ASSERT_TRUE(vectors_->BatchSearch(ctx2.get(), batch, &batch_resp).ok());
  EXPECT_TRUE(batch_resp.results(1).matches(0).has_metadata());
}

// `columns` answers the same results as parallel lists: keys, scores and
// distances always, metadata (a null Value for a vector without any) only when
// asked for; `matches` stays empty. Single and batch search alike.
TEST_F(VectorsServiceTest, ColumnsAnswerTheSameResultsAsParallelLists) {
  ASSERT_TRUE(Create("docs", 3, v1::METRIC_EUCLIDEAN).ok());
  ASSERT_TRUE(Upsert("docs", "a", Values({0, 0, 0}), testutil::ObjectValue({{"n", testutil::IntValue(1)}})).ok());
  ASSERT_TRUE(Upsert("docs", "b", Values({3, 4, 0})).ok());
  ASSERT_TRUE(Upsert("docs", "c", Values({6, 8, 0}), testutil::ObjectValue({{"n", testutil::IntValue(3)}})).ok());

  v1::VectorSearchRequest req;
  req.set_collection("docs");
  *req.mutable_query() = Values({0, 0, 0});
  req.set_k(3);
  auto as_matches = MustSearch(req);
  ASSERT_EQ(as_matches.matches_size(), 3);
  EXPECT_EQ(as_matches.keys_size(), 0);
  req.set_columns(true);
  auto cols = MustSearch(req);
  EXPECT_EQ(cols.matches_size(), 0);
  ASSERT_EQ(cols.keys_size(), 3);
  ASSERT_EQ(cols.scores_size(), 3);
  ASSERT_EQ(cols.distances_size(), 3);
  ASSERT_EQ(cols.metadata_size(), 3);
  for (int i = 0; i < 3; ++i) {
    const auto& m = as_matches.matches(i);
    EXPECT_EQ(cols.keys(i), m.key());
    EXPECT_EQ(cols.scores(i), m.score());
    EXPECT_EQ(cols.distances(i), m.distance());
    if (m.has_metadata()) {
      EXPECT_EQ(cols.metadata(i).SerializeAsString(), m.metadata().SerializeAsString()) << m.key();
    } else {
      EXPECT_EQ(cols.metadata(i).kind_case(), v1::Value::kNullValue) << m.key();
    }
  }
  EXPECT_EQ(cols.keys(1), "b");
  EXPECT_NEAR(cols.distances(2), 10.0, 1e-6);

  req.set_include_metadata(false);
  cols = MustSearch(req);
  ASSERT_EQ(cols.keys_size(), 3);
  EXPECT_EQ(cols.metadata_size(), 0);

  // The exact paths (a filter, a metric override) answer in columns too.
  auto* f = req.add_filters();
  f->set_field("n");
  f->set_op("gte");
  *f->mutable_value() = testutil::IntValue(2);
  req.set_metric(v1::METRIC_DOT_PRODUCT);
  cols = MustSearch(req);
  ASSERT_EQ(cols.keys_size(), 1);
  EXPECT_EQ(cols.keys(0), "c");
  EXPECT_EQ(cols.matches_size(), 0);

  v1::VectorBatchSearchRequest batch;
  batch.set_collection("docs");
  *batch.add_queries() = Values({0, 0, 0});
  *batch.add_queries() = Packed({6, 8, 1});
  batch.set_k(2);
  batch.set_columns(true);
  v1::VectorBatchSearchResponse batch_resp;
  CallContext ctx;
  ASSERT_TRUE(vectors_->BatchSearch(ctx.get(), batch, &batch_resp).ok());
  ASSERT_EQ(batch_resp.results_size(), 2);
  for (const auto& r : batch_resp.results()) {
    EXPECT_EQ(r.matches_size(), 0);
    ASSERT_EQ(r.keys_size(), 2);
    EXPECT_EQ(r.metadata_size(), 2);
  }
  EXPECT_EQ(batch_resp.results(0).keys(0), "a");
  EXPECT_EQ(batch_resp.results(1).keys(0), "c");
}

TEST_F(VectorsServiceTest, BadRequestsNameTheProblem) {
  std::string reason;
  EXPECT_EQ(Create("docs", 0, v1::METRIC_COSINE, &reason).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(reason, "validation");
  EXPECT_EQ(Create("_x", 3, v1::METRIC_COSINE, &reason).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Create("docs", 3, static_cast<v1::Metric>(42), &reason).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(Create("docs", 3).ok());
  EXPECT_EQ(Create("docs", 3, v1::METRIC_COSINE, &reason).error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(reason, "constraint");

  EXPECT_EQ(Upsert("docs", "k", Values({1, 2}), std::nullopt, &reason).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(reason, "constraint");
  EXPECT_EQ(Upsert("nope", "k", Values({1, 2, 3}), std::nullopt, &reason).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(reason, "not_found");
  EXPECT_EQ(Upsert("docs", "k", Values({1, NAN, 3}), std::nullopt, &reason).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::Vector both = Values({1, 2, 3});
  both.set_f32le(std::string(12, '\0'));
  EXPECT_EQ(Upsert("docs", "k", both).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::Vector ragged;
  ragged.set_f32le(std::string(7, '\1'));
  EXPECT_EQ(Upsert("docs", "k", ragged).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Upsert("docs", "k", v1::Vector()).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Upsert("docs", "k", Values({1, 2, 3}), testutil::IntValue(3)).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  ASSERT_TRUE(Upsert("docs", "k", Values({1, 2, 3})).ok());
  v1::VectorSearchRequest req;
  req.set_collection("docs");
  *req.mutable_query() = Values({1, 2, 3});
  req.set_k(0);
  v1::VectorSearchResponse resp;
  CallContext ctx;
  EXPECT_EQ(vectors_->Search(ctx.get(), req, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  req.set_k(3);
  auto* f = req.add_filters();
  f->set_field("a");
  f->set_op("between");
  CallContext ctx2;
  grpc::Status st = vectors_->Search(ctx2.get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("between"), std::string::npos) << st.error_message();

  // Batch upsert: one bad entry, nothing written, the entry named.
  v1::VectorBatchUpsertRequest batch;
  batch.set_collection("docs");
  for (int i = 0; i < 3; ++i) {
    auto* e = batch.add_entries();
    e->set_key("b" + std::to_string(i));
    *e->mutable_vector() = Values({1, float(i), 1});
  }
  *batch.mutable_entries(2)->mutable_vector() = Values({1, 1});
  v1::VectorBatchUpsertResponse batch_resp;
  CallContext ctx3;
  st = vectors_->BatchUpsert(ctx3.get(), batch, &batch_resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(st.error_message().find("entry 2"), std::string::npos) << st.error_message();
  v1::CollectionStatsRequest stats_req;
  stats_req.set_name("docs");
  v1::CollectionInfo info;
  CallContext ctx4;
  ASSERT_TRUE(vectors_->CollectionStats(ctx4.get(), stats_req, &info).ok());
  EXPECT_EQ(info.count(), 1u);
  ExpectServing();
}

TEST_F(VectorsServiceTest, RestartLoadsTheSnapshot) {
  ASSERT_TRUE(Create("docs", 4).ok());
  v1::VectorBatchUpsertRequest batch;
  batch.set_collection("docs");
  for (int i = 0; i < 500; ++i) {
    auto* e = batch.add_entries();
    e->set_key("k" + std::to_string(i));
    *e->mutable_vector() = Values({1, float(i % 7), float(i % 11), float(i % 13) + 1});
  }
  v1::VectorBatchUpsertResponse batch_resp;
  CallContext ctx;
  ASSERT_TRUE(vectors_->BatchUpsert(ctx.get(), batch, &batch_resp).ok());
  ASSERT_EQ(batch_resp.versions_size(), 500);
  v1::VectorSearchRequest req;
  req.set_collection("docs");
  *req.mutable_query() = Values({1, 2, 3, 4});
  req.set_k(10);
  auto before = MustSearch(req);

  ASSERT_EQ(server_->Stop(SIGTERM), 0);
  server_ = std::make_unique<testutil::ServerProcess>(std::vector<std::string>{"--data-dir", data_dir()});
  ASSERT_TRUE(server_->ready());
  channel_ = testutil::Connect(server_->address());
  vectors_ = v1::Vectors::NewStub(channel_);
  admin_ = v1::Admin::NewStub(channel_);
  auto after = MustSearch(req);
  ASSERT_EQ(after.matches_size(), before.matches_size());
  for (int i = 0; i < after.matches_size(); ++i) EXPECT_EQ(after.matches(i).key(), before.matches(i).key());

  v1::InfoResponse info;
  CallContext ctx2;
  ASSERT_TRUE(admin_->Info(ctx2.get(), v1::InfoRequest(), &info).ok());
  EXPECT_EQ(info.collection_count(), 1u);
  EXPECT_EQ(info.vector_indexes_loaded(), 1u);
  EXPECT_EQ(info.vector_indexes_built(), 0u);
}

}  // namespace
}  // namespace strata

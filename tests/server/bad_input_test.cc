// Every kind of bad request, over raw gRPC to a real stratad, to every data
// service: each gets a precise status (INVALID_ARGUMENT, NOT_FOUND,
// FAILED_PRECONDITION, RESOURCE_EXHAUSTED) with a message naming the problem,
// never UNKNOWN or INTERNAL, and the server keeps serving after each one.
// bad_request_test.cc covers KV keys, cursors and nesting; this file covers
// the other services and the remaining kinds of bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "strata/v1/branches.grpc.pb.h"
#include "strata/v1/spaces.grpc.pb.h"
#include "strata/v1/transactions.grpc.pb.h"
#include "strata/v1/vectors.grpc.pb.h"
#include "tests/testutil/primitives_fixture.h"

namespace strata {
namespace {

using grpc::StatusCode;
using testutil::CallContext;

constexpr const char* kBadUtf8 = "bad\xff\xfeutf8";

class BadInputTest : public testutil::PrimitivesServerTest {
 protected:
  void SetUp() override {
    PrimitivesServerTest::SetUp();
    if (HasFatalFailure()) return;
    vectors_ = v1::Vectors::NewStub(channel_);
    branches_ = v1::Branches::NewStub(channel_);
    spaces_ = v1::Spaces::NewStub(channel_);
    txns_ = v1::Transactions::NewStub(channel_);
  }

  void TearDown() override {
    ExpectServing();
    MustPut("still-works", testutil::IntValue(1));
    EXPECT_TRUE(MustGet("still-works").found());
  }

  // The status is `code` with strata-reason `reason` and a message holding
  // every one of `needles`; then the server still answers a ping.
  void Expect(const grpc::Status& st, const CallContext& ctx, StatusCode code, const std::string& reason,
              const std::vector<std::string>& needles, const std::string& what) {
    EXPECT_EQ(st.error_code(), code) << what << ": got code " << st.error_code() << " \"" << st.error_message()
                                     << "\"";
    EXPECT_EQ(ctx.reason(), reason) << what << ": " << st.error_message();
    EXPECT_FALSE(st.error_message().empty()) << what;
    for (const std::string& n : needles) {
      EXPECT_NE(st.error_message().find(n), std::string::npos)
          << what << ": message \"" << st.error_message() << "\" does not name \"" << n << "\"";
    }
    ExpectServing();
  }

  void ExpectInvalid(const grpc::Status& st, const CallContext& ctx, const std::vector<std::string>& needles,
                     const std::string& what) {
    Expect(st, ctx, StatusCode::INVALID_ARGUMENT, "validation", needles, what);
  }

  // A raw call (bytes the generated stubs would not send) answered with
  // `code`; never UNKNOWN or INTERNAL.
  void ExpectRaw(const std::string& method, const google::protobuf::Message& req, StatusCode code,
                 const std::vector<std::string>& needles, const std::string& what) {
    std::string response, reason;
    grpc::Status st = testutil::RawUnaryCall(*channel_, method, req.SerializeAsString(), &response, &reason);
    EXPECT_EQ(st.error_code(), code) << what << ": got code " << st.error_code() << " \"" << st.error_message()
                                     << "\"";
    for (const std::string& n : needles) {
      EXPECT_NE(st.error_message().find(n), std::string::npos)
          << what << ": message \"" << st.error_message() << "\" does not name \"" << n << "\"";
    }
    ExpectServing();
  }

  void CreateCollection(const std::string& name, uint32_t dim) {
    v1::CreateCollectionRequest req;
    req.set_name(name);
    req.set_dimension(dim);
    v1::WriteResponse resp;
    CallContext ctx;
    ASSERT_TRUE(vectors_->CreateCollection(ctx.get(), req, &resp).ok());
  }

  static v1::Vector Vec(std::vector<float> values) {
    v1::Vector v;
    for (float f : values) v.add_values(f);
    return v;
  }

  std::unique_ptr<v1::Vectors::Stub> vectors_;
  std::unique_ptr<v1::Branches::Stub> branches_;
  std::unique_ptr<v1::Spaces::Stub> spaces_;
  std::unique_ptr<v1::Transactions::Stub> txns_;
};

// ---- missing fields -------------------------------------------------------

TEST_F(BadInputTest, MissingFieldsAreInvalidArgumentNamingTheField) {
  {
    v1::StateCasRequest req;  // no value
    req.set_cell("c");
    v1::WriteResponse resp;
    CallContext ctx;
    ExpectInvalid(state_->Cas(ctx.get(), req, &resp), ctx, {"value"}, "state cas without value");
  }
  {
    v1::StateSetRequest req;  // no cell
    *req.mutable_value() = testutil::IntValue(1);
    v1::WriteResponse resp;
    CallContext ctx;
    ExpectInvalid(state_->Set(ctx.get(), req, &resp), ctx, {"cell"}, "state set without cell");
  }
  {
    v1::EventAppendRequest req;  // no event type
    *req.mutable_payload() = testutil::IntValue(1);
    v1::EventAppendResponse resp;
    CallContext ctx;
    ExpectInvalid(events_->Append(ctx.get(), req, &resp), ctx, {"event_type"}, "event without type");
  }
  {
    v1::JsonSetRequest req;  // no value
    req.set_key("doc");
    req.set_path("$");
    v1::WriteResponse resp;
    CallContext ctx;
    ExpectInvalid(json_->Set(ctx.get(), req, &resp), ctx, {"value"}, "json set without value");
  }
  {
    v1::JsonSetRequest req;  // no key
    req.set_path("$");
    *req.mutable_value() = testutil::IntValue(1);
    v1::WriteResponse resp;
    CallContext ctx;
    ExpectInvalid(json_->Set(ctx.get(), req, &resp), ctx, {"must not be empty"}, "json set without key");
  }
  {
    v1::CreateCollectionRequest req;  // no name
    req.set_dimension(4);
    v1::WriteResponse resp;
    CallContext ctx;
    ExpectInvalid(vectors_->CreateCollection(ctx.get(), req, &resp), ctx, {"collection name"},
                  "collection without name");
  }
  {
    // Too deep for the protobuf parser itself: before, the answer spoke of
    // utf-8 or a malformed message only.
    v1::KvPutRequest req;
    req.set_key("k");
    *req.mutable_value() = testutil::NestedArrays(10000);
    ExpectRaw("/strata.v1.KV/Put", req, StatusCode::INVALID_ARGUMENT, {"could not be parsed", "nested", "128"},
              "kv value 10000 deep");
  }
  CreateCollection("docs", 2);
  {
    v1::VectorUpsertRequest req;  // no entry at all
    req.set_collection("docs");
    v1::WriteResponse resp;
    CallContext ctx;
    grpc::Status st = vectors_->Upsert(ctx.get(), req, &resp);
    EXPECT_EQ(st.error_code(), StatusCode::INVALID_ARGUMENT) << st.error_message();
    ExpectServing();
  }
  {
    v1::VectorUpsertRequest req;  // a key but no vector
    req.set_collection("docs");
    req.mutable_entry()->set_key("k");
    v1::WriteResponse resp;
    CallContext ctx;
    ExpectInvalid(vectors_->Upsert(ctx.get(), req, &resp), ctx, {"vector", "missing"}, "upsert without vector");
  }
  {
    v1::VectorSearchRequest req;  // no query
    req.set_collection("docs");
    req.set_k(1);
    v1::VectorSearchResponse resp;
    CallContext ctx;
    ExpectInvalid(vectors_->Search(ctx.get(), req, &resp), ctx, {"query", "missing"}, "search without query");
  }
  {
    v1::BranchForkRequest req;  // no destination
    req.set_source("default");
    v1::BranchForkResponse resp;
    CallContext ctx;
    ExpectInvalid(branches_->Fork(ctx.get(), req, &resp), ctx, {"branch name"}, "fork without destination");
  }
  {
    v1::SpaceRequest req;  // no name
    v1::SpaceCreateResponse resp;
    CallContext ctx;
    ExpectInvalid(spaces_->Create(ctx.get(), req, &resp), ctx, {"space name"}, "space without name");
  }
}

// ---- invalid UTF-8 --------------------------------------------------------
// proto3 strings must be UTF-8; the generated stubs refuse to send anything
// else, so these go as raw bytes. Whichever layer refuses them, the answer
// is INVALID_ARGUMENT, not INTERNAL ("failed to parse").

TEST_F(BadInputTest, InvalidUtf8InNamesKeysTypesAndPathsIsInvalidArgument) {
  {
    v1::KvPutRequest req;
    req.set_key(kBadUtf8);
    *req.mutable_value() = testutil::IntValue(1);
    ExpectRaw("/strata.v1.KV/Put", req, StatusCode::INVALID_ARGUMENT, {}, "kv key");
  }
  {
    v1::StateSetRequest req;
    req.set_cell(kBadUtf8);
    *req.mutable_value() = testutil::IntValue(1);
    ExpectRaw("/strata.v1.State/Set", req, StatusCode::INVALID_ARGUMENT, {}, "state cell");
  }
  {
    v1::EventAppendRequest req;
    req.set_event_type(kBadUtf8);
    *req.mutable_payload() = testutil::IntValue(1);
    ExpectRaw("/strata.v1.Events/Append", req, StatusCode::INVALID_ARGUMENT, {}, "event type");
  }
  {
    v1::JsonSetRequest req;
    req.set_key("doc");
    req.set_path(std::string("$.") + kBadUtf8);
    *req.mutable_value() = testutil::IntValue(1);
    ExpectRaw("/strata.v1.Json/Set", req, StatusCode::INVALID_ARGUMENT, {}, "json path");
  }
  {
    v1::KvPutRequest req;  // a string value
    req.set_key("k");
    *req.mutable_value() = testutil::StringValue(kBadUtf8);
    ExpectRaw("/strata.v1.KV/Put", req, StatusCode::INVALID_ARGUMENT, {}, "string value");
  }
  {
    v1::KvPutRequest req;  // an object key inside a value
    req.set_key("k");
    *req.mutable_value() = testutil::ObjectValue({{kBadUtf8, testutil::IntValue(1)}});
    ExpectRaw("/strata.v1.KV/Put", req, StatusCode::INVALID_ARGUMENT, {}, "object key");
  }
  {
    v1::CreateCollectionRequest req;
    req.set_name(kBadUtf8);
    req.set_dimension(2);
    ExpectRaw("/strata.v1.Vectors/CreateCollection", req, StatusCode::INVALID_ARGUMENT, {}, "collection name");
  }
  {
    v1::BranchCreateRequest req;
    req.set_name(kBadUtf8);
    ExpectRaw("/strata.v1.Branches/Create", req, StatusCode::INVALID_ARGUMENT, {}, "branch name");
  }
  {
    v1::KvGetRequest req;  // in the context
    req.set_key("k");
    req.mutable_context()->set_space(kBadUtf8);
    ExpectRaw("/strata.v1.KV/Get", req, StatusCode::INVALID_ARGUMENT, {}, "space in context");
  }
  EXPECT_FALSE(MustGet("k").found()) << "a refused put must write nothing";
}

// ---- limits and k -----------------------------------------------------------

// Errors quoting a huge input whole (an unknown transaction id, a malformed
// JSON path) overflowed the client's 16 KiB trailer limit: the call failed
// RESOURCE_EXHAUSTED with no strata-reason. Messages are now bounded.
TEST_F(BadInputTest, ErrorsAboutHugeInputsKeepTheirCodeReasonAndABoundedMessage) {
  std::string huge(20000, 'a');
  auto check = [&](const std::string& method, const google::protobuf::Message& req, StatusCode code,
                   const std::string& reason, const std::string& what) {
    std::string response, got_reason;
    grpc::Status st = testutil::RawUnaryCall(*channel_, method, req.SerializeAsString(), &response, &got_reason);
    EXPECT_EQ(st.error_code(), code) << what << ": " << st.error_message().substr(0, 200);
    EXPECT_EQ(got_reason, reason) << what;
    EXPECT_LT(st.error_message().size(), 2200u) << what;
    EXPECT_NE(st.error_message().find("(20"), std::string::npos) << what << ": says how long it was";
    ExpectServing();
  };
  {
    v1::KvGetRequest req;
    req.set_key("k");
    req.mutable_context()->set_txn_id(huge);
    check("/strata.v1.KV/Get", req, StatusCode::NOT_FOUND, "not_found", "unknown transaction id");
  }
  {
    v1::JsonGetRequest req;
    req.set_key("doc");
    req.set_path("$.a " + huge);
    check("/strata.v1.Json/Get", req, StatusCode::INVALID_ARGUMENT, "validation", "malformed json path");
  }
}

TEST_F(BadInputTest, HugeLimitsAreInvalidArgumentNamingTheLimit) {
  {
    v1::StateListRequest req;
    req.set_limit(std::numeric_limits<uint32_t>::max());
    v1::NameList resp;
    CallContext ctx;
    ExpectInvalid(state_->List(ctx.get(), req, &resp), ctx, {"10000"}, "state list limit");
  }
  {
    v1::JsonListRequest req;
    req.set_limit(10001);
    v1::NameList resp;
    CallContext ctx;
    ExpectInvalid(json_->List(ctx.get(), req, &resp), ctx, {"10000"}, "json list limit");
  }
  {
    v1::EventListRequest req;
    req.set_limit(std::numeric_limits<uint32_t>::max());
    v1::EventListResponse resp;
    CallContext ctx;
    ExpectInvalid(events_->List(ctx.get(), req, &resp), ctx, {"limit", "10000"}, "event list limit");
  }
  {
    v1::KvListRequest req;
    req.set_limit(std::numeric_limits<uint32_t>::max());
    v1::NameList resp;
    CallContext ctx;
    ExpectInvalid(kv_->List(ctx.get(), req, &resp), ctx, {"10000"}, "kv list limit uint32 max");
  }
}

TEST_F(BadInputTest, NegativeAsOfIsInvalidArgumentEverywhere) {
  {
    v1::StateGetRequest req;
    req.set_cell("c");
    req.set_as_of(-5);
    v1::StateGetResponse resp;
    CallContext ctx;
    ExpectInvalid(state_->Get(ctx.get(), req, &resp), ctx, {"as_of"}, "state get");
  }
  {
    v1::EventListRequest req;
    req.set_as_of(std::numeric_limits<int64_t>::min());
    v1::EventListResponse resp;
    CallContext ctx;
    ExpectInvalid(events_->List(ctx.get(), req, &resp), ctx, {"as_of"}, "event list");
  }
  {
    v1::EventLenRequest req;
    req.set_as_of(-1);
    v1::EventLenResponse resp;
    CallContext ctx;
    ExpectInvalid(events_->Len(ctx.get(), req, &resp), ctx, {"as_of"}, "event len");
  }
  {
    v1::JsonGetRequest req;
    req.set_key("doc");
    req.set_as_of(-1);
    v1::JsonGetResponse resp;
    CallContext ctx;
    ExpectInvalid(json_->Get(ctx.get(), req, &resp), ctx, {"as_of"}, "json get");
  }
  CreateCollection("docs", 2);
  {
    v1::VectorSearchRequest req;
    req.set_collection("docs");
    *req.mutable_query() = Vec({1, 0});
    req.set_k(1);
    req.set_as_of(-1);
    v1::VectorSearchResponse resp;
    CallContext ctx;
    ExpectInvalid(vectors_->Search(ctx.get(), req, &resp), ctx, {"as_of"}, "vector search");
  }
}

TEST_F(BadInputTest, HugeSequenceAndAfterAreAnsweredNotRefused) {
  // Sequences are uint64: the largest one simply is not there.
  v1::EventGetRequest get;
  get.set_sequence(std::numeric_limits<uint64_t>::max());
  v1::EventGetResponse get_resp;
  CallContext get_ctx;
  ASSERT_TRUE(events_->Get(get_ctx.get(), get, &get_resp).ok());
  EXPECT_FALSE(get_resp.found());
  v1::EventListRequest list;
  list.set_after(std::numeric_limits<uint64_t>::max());
  v1::EventListResponse list_resp;
  CallContext list_ctx;
  ASSERT_TRUE(events_->List(list_ctx.get(), list, &list_resp).ok());
  EXPECT_EQ(list_resp.events_size(), 0);
  ExpectServing();
}

TEST_F(BadInputTest, BadKAndEfAreInvalidArgumentNamingTheLimit) {
  CreateCollection("docs", 2);
  struct Case {
    uint32_t k;
    uint32_t ef;
    std::vector<std::string> needles;
  };
  for (const Case& c : {Case{0, 0, {"k"}}, Case{10001, 0, {"k", "10000"}},
                        Case{std::numeric_limits<uint32_t>::max(), 0, {"k", "10000"}},
                        Case{5, 100001, {"ef", "100000"}},
                        Case{5, std::numeric_limits<uint32_t>::max(), {"ef", "100000"}}}) {
    v1::VectorSearchRequest req;
    req.set_collection("docs");
    *req.mutable_query() = Vec({1, 0});
    req.set_k(c.k);
    req.set_ef(c.ef);
    v1::VectorSearchResponse resp;
    CallContext ctx;
    ExpectInvalid(vectors_->Search(ctx.get(), req, &resp), ctx, c.needles,
                  "search k=" + std::to_string(c.k) + " ef=" + std::to_string(c.ef));

    v1::VectorBatchSearchRequest batch;
    batch.set_collection("docs");
    *batch.add_queries() = Vec({1, 0});
    batch.set_k(c.k);
    batch.set_ef(c.ef);
    v1::VectorBatchSearchResponse batch_resp;
    CallContext batch_ctx;
    ExpectInvalid(vectors_->BatchSearch(batch_ctx.get(), batch, &batch_resp), batch_ctx, c.needles,
                  "batch search k=" + std::to_string(c.k));
  }
  {
    v1::VectorBatchSearchRequest batch;  // more queries than allowed
    batch.set_collection("docs");
    for (int i = 0; i < 10001; ++i) *batch.add_queries() = Vec({1, 0});
    batch.set_k(1);
    v1::VectorBatchSearchResponse resp;
    CallContext ctx;
    ExpectInvalid(vectors_->BatchSearch(ctx.get(), batch, &resp), ctx, {"10000"}, "10001 queries");
  }
}

// ---- dimensions -----------------------------------------------------------

TEST_F(BadInputTest, DimensionZeroHugeAndMismatchedAreRefused) {
  for (uint32_t dim : {0u, 65537u, std::numeric_limits<uint32_t>::max()}) {
    v1::CreateCollectionRequest req;
    req.set_name("c" + std::to_string(dim));
    req.set_dimension(dim);
    v1::WriteResponse resp;
    CallContext ctx;
    ExpectInvalid(vectors_->CreateCollection(ctx.get(), req, &resp), ctx, {"dimension", "65536"},
                  "dimension " + std::to_string(dim));
  }
  CreateCollection("docs", 3);
  {
    v1::VectorUpsertRequest req;  // 2 values for a 3-dimensional collection
    req.set_collection("docs");
    req.mutable_entry()->set_key("k");
    *req.mutable_entry()->mutable_vector() = Vec({1, 2});
    v1::WriteResponse resp;
    CallContext ctx;
    Expect(vectors_->Upsert(ctx.get(), req, &resp), ctx, StatusCode::FAILED_PRECONDITION, "constraint", {"3", "2"},
           "upsert dimension mismatch");
  }
  {
    v1::VectorSearchRequest req;
    req.set_collection("docs");
    *req.mutable_query() = Vec({1, 2, 3, 4});
    req.set_k(1);
    v1::VectorSearchResponse resp;
    CallContext ctx;
    Expect(vectors_->Search(ctx.get(), req, &resp), ctx, StatusCode::FAILED_PRECONDITION, "constraint", {"3", "4"},
           "search dimension mismatch");
  }
  {
    v1::VectorBatchUpsertRequest req;  // the second entry is wrong: nothing is written
    req.set_collection("docs");
    auto* a = req.add_entries();
    a->set_key("a");
    *a->mutable_vector() = Vec({1, 2, 3});
    auto* b = req.add_entries();
    b->set_key("b");
    *b->mutable_vector() = Vec({1, 2, 3, 4, 5});
    v1::VectorBatchUpsertResponse resp;
    CallContext ctx;
    Expect(vectors_->BatchUpsert(ctx.get(), req, &resp), ctx, StatusCode::FAILED_PRECONDITION, "constraint", {},
           "batch upsert dimension mismatch");
    v1::VectorGetRequest get;
    get.set_collection("docs");
    get.set_key("a");
    v1::VectorGetResponse got;
    CallContext get_ctx;
    ASSERT_TRUE(vectors_->Get(get_ctx.get(), get, &got).ok());
    EXPECT_FALSE(got.found()) << "a refused batch must write nothing";
  }
  {
    v1::VectorUpsertRequest req;  // f32le bytes not a multiple of 4
    req.set_collection("docs");
    req.mutable_entry()->set_key("k");
    req.mutable_entry()->mutable_vector()->set_f32le(std::string(11, '\0'));
    v1::WriteResponse resp;
    CallContext ctx;
    ExpectInvalid(vectors_->Upsert(ctx.get(), req, &resp), ctx, {"f32le", "11"}, "f32le of 11 bytes");
  }
  {
    v1::VectorUpsertRequest req;  // NaN component
    req.set_collection("docs");
    req.mutable_entry()->set_key("k");
    *req.mutable_entry()->mutable_vector() = Vec({1, std::nanf(""), 3});
    v1::WriteResponse resp;
    CallContext ctx;
    ExpectInvalid(vectors_->Upsert(ctx.get(), req, &resp), ctx, {"component 1"}, "NaN component");
  }
}

// ---- nesting and size -------------------------------------------------------

TEST_F(BadInputTest, NestingDeeperThanTheLimitIsRefusedByEveryPrimitive) {
  const v1::Value deep = testutil::NestedArrays(129);
  {
    v1::StateSetRequest req;
    req.set_cell("c");
    *req.mutable_value() = deep;
    v1::WriteResponse resp;
    CallContext ctx;
    ExpectInvalid(state_->Set(ctx.get(), req, &resp), ctx, {"128"}, "state value");
  }
  {
    v1::EventAppendRequest req;
    req.set_event_type("t");
    *req.mutable_payload() = deep;
    v1::EventAppendResponse resp;
    CallContext ctx;
    ExpectInvalid(events_->Append(ctx.get(), req, &resp), ctx, {"128"}, "event payload");
  }
  {
    v1::JsonSetRequest req;
    req.set_key("doc");
    req.set_path("$");
    *req.mutable_value() = deep;
    v1::WriteResponse resp;
    CallContext ctx;
    ExpectInvalid(json_->Set(ctx.get(), req, &resp), ctx, {"128"}, "json document");
  }
  {
    // 100 levels at $.a... plus a value 100 deep: the document would be
    // deeper than 128 although each part alone is within it.
    std::string path = "$";
    for (int i = 0; i < 100; ++i) path += ".a";
    v1::JsonSetRequest req;
    req.set_key("doc2");
    req.set_path(path);
    *req.mutable_value() = testutil::NestedArrays(100);
    v1::WriteResponse resp;
    CallContext ctx;
    ExpectInvalid(json_->Set(ctx.get(), req, &resp), ctx, {"128"}, "json path plus value too deep");
  }
  CreateCollection("docs", 2);
  {
    v1::VectorUpsertRequest req;
    req.set_collection("docs");
    req.mutable_entry()->set_key("k");
    *req.mutable_entry()->mutable_vector() = Vec({1, 2});
    *req.mutable_entry()->mutable_metadata() = testutil::ObjectValue({{"m", deep}});
    v1::WriteResponse resp;
    CallContext ctx;
    ExpectInvalid(vectors_->Upsert(ctx.get(), req, &resp), ctx, {"128"}, "vector metadata");
  }
}

TEST_F(BadInputTest, ValuesOverSixteenMebibytesAreRefusedNamingTheLimit) {
  const std::string big(16 * 1024 * 1024 + 1, 'x');
  {
    v1::KvPutRequest req;
    req.set_key("big");
    *req.mutable_value() = testutil::StringValue(big);
    v1::WriteResponse resp;
    CallContext ctx(std::chrono::seconds(30));
    grpc::Status st = kv_->Put(ctx.get(), req, &resp);
    EXPECT_TRUE(st.error_code() == StatusCode::INVALID_ARGUMENT || st.error_code() == StatusCode::RESOURCE_EXHAUSTED)
        << st.error_code() << " " << st.error_message();
    EXPECT_NE(st.error_message().find("16"), std::string::npos) << st.error_message();
    ExpectServing();
  }
  {
    v1::EventAppendRequest req;
    req.set_event_type("t");
    *req.mutable_payload() = testutil::BytesValue(big);
    v1::EventAppendResponse resp;
    CallContext ctx(std::chrono::seconds(30));
    grpc::Status st = events_->Append(ctx.get(), req, &resp);
    EXPECT_TRUE(st.error_code() == StatusCode::INVALID_ARGUMENT || st.error_code() == StatusCode::RESOURCE_EXHAUSTED)
        << st.error_code() << " " << st.error_message();
    EXPECT_NE(st.error_message().find("16"), std::string::npos) << st.error_message();
    ExpectServing();
  }
  EXPECT_FALSE(MustGet("big").found());
}

class SmallMessageBadInputTest : public BadInputTest {
 protected:
  std::vector<std::string> ExtraArgs() const override { return {"--max-message-size", "65536"}; }
};

TEST_F(SmallMessageBadInputTest, RequestOverTheMessageSizeIsResourceExhausted) {
  v1::KvPutRequest req;
  req.set_key("big");
  *req.mutable_value() = testutil::StringValue(std::string(200 * 1024, 'x'));
  v1::WriteResponse resp;
  CallContext ctx;
  grpc::Status st = kv_->Put(ctx.get(), req, &resp);
  EXPECT_EQ(st.error_code(), StatusCode::RESOURCE_EXHAUSTED) << st.error_message();
  ExpectServing();
  EXPECT_FALSE(MustGet("big").found());
}

// ---- unknown enum values and strategy names ----------------------------------

TEST_F(BadInputTest, UnknownEnumValuesAreInvalidArgument) {
  {
    v1::CreateCollectionRequest req;
    req.set_name("docs");
    req.set_dimension(2);
    req.set_metric(static_cast<v1::Metric>(99));
    v1::WriteResponse resp;
    CallContext ctx;
    ExpectInvalid(vectors_->CreateCollection(ctx.get(), req, &resp), ctx, {"metric", "99"}, "create metric 99");
  }
  CreateCollection("docs", 2);
  {
    v1::VectorSearchRequest req;
    req.set_collection("docs");
    *req.mutable_query() = Vec({1, 0});
    req.set_k(1);
    req.set_metric(static_cast<v1::Metric>(-3));
    v1::VectorSearchResponse resp;
    CallContext ctx;
    ExpectInvalid(vectors_->Search(ctx.get(), req, &resp), ctx, {"metric"}, "search metric -3");
  }
  {
    v1::KvPutRequest req;  // NullValue has one member; 7 is not it
    req.set_key("n");
    req.mutable_value()->set_null_value(static_cast<v1::NullValue>(7));
    v1::WriteResponse resp;
    CallContext ctx;
    grpc::Status st = kv_->Put(ctx.get(), req, &resp);
    // Either stored as null (proto3 keeps unknown enum values; the oneof says
    // null) or refused as invalid: never a crash or INTERNAL.
    EXPECT_TRUE(st.ok() || st.error_code() == StatusCode::INVALID_ARGUMENT) << st.error_message();
    ExpectServing();
  }
  {
    v1::BranchMergeRequest req;
    req.set_source("default");
    req.set_target("default");
    req.set_strategy("bogus");
    v1::BranchMergeResponse resp;
    CallContext ctx;
    ExpectInvalid(branches_->Merge(ctx.get(), req, &resp), ctx, {"bogus"}, "merge strategy");
  }
}

// ---- paths and filters ------------------------------------------------------

TEST_F(BadInputTest, MalformedJsonPathsPointAtTheOffendingCharacter) {
  v1::JsonSetRequest seed;
  seed.set_key("doc");
  seed.set_path("$");
  *seed.mutable_value() = testutil::ObjectValue({{"a", testutil::ArrayValue({testutil::IntValue(1)})}});
  v1::WriteResponse seed_resp;
  CallContext seed_ctx;
  ASSERT_TRUE(json_->Set(seed_ctx.get(), seed, &seed_resp).ok());
  for (const std::string& path :
       {std::string("a.b"), std::string("$..a"), std::string("$.*"), std::string("$[*]"), std::string("$["),
        std::string("$[1"), std::string("$['x"), std::string("$.a[?(@.x)]"), std::string("$.a[99999999999999999999]"),
        std::string("$.a[-2]"), std::string("$.a b"), std::string("$."), std::string("$['a'"), std::string("$.a\0b", 5),
        std::string("$$")}) {
    v1::JsonSetRequest req;
    req.set_key("doc");
    req.set_path(path);
    *req.mutable_value() = testutil::IntValue(1);
    v1::WriteResponse resp;
    CallContext ctx;
    ExpectInvalid(json_->Set(ctx.get(), req, &resp), ctx, {"path"}, "set path " + path);

    v1::JsonGetRequest get;
    get.set_key("doc");
    get.set_path(path);
    v1::JsonGetResponse get_resp;
    CallContext get_ctx;
    ExpectInvalid(json_->Get(get_ctx.get(), get, &get_resp), get_ctx, {"path"}, "get path " + path);
  }
}

TEST_F(BadInputTest, MalformedVectorFiltersAreInvalidArgumentNamingTheFilter) {
  CreateCollection("docs", 2);
  struct Case {
    std::string field, op;
    v1::Value value;
    bool has_value;
    std::vector<std::string> needles;
  };
  const std::vector<Case> cases = {
      {"", "eq", testutil::IntValue(1), true, {"filter 0", "field"}},
      {"n", "like", testutil::IntValue(1), true, {"filter 0", "like"}},
      {"n", "", testutil::IntValue(1), true, {"filter 0", "op"}},
      {"n", "in", testutil::IntValue(1), true, {"filter 0", "in", "list"}},
      {"n", "gt", testutil::ObjectValue({}), true, {"filter 0", "gt"}},
      {"n", "lt", testutil::FloatValue(std::nan("")), true, {"filter 0", "NaN"}},
      {"a..b", "eq", testutil::IntValue(1), true, {"filter 0", "a..b"}},
      {"n", "eq", v1::Value(), false, {"filter 0", "value is missing"}},
      {"n", "eq", testutil::NestedArrays(200), true, {"filter 0", "128"}},
  };
  for (const Case& c : cases) {
    v1::VectorSearchRequest req;
    req.set_collection("docs");
    *req.mutable_query() = Vec({1, 0});
    req.set_k(1);
    v1::Filter* f = req.add_filters();
    f->set_field(c.field);
    f->set_op(c.op);
    if (c.has_value) *f->mutable_value() = c.value;
    v1::VectorSearchResponse resp;
    CallContext ctx;
    ExpectInvalid(vectors_->Search(ctx.get(), req, &resp), ctx, c.needles, "filter " + c.field + " " + c.op);
  }
}

// ---- names that do not exist --------------------------------------------------

TEST_F(BadInputTest, MissingCollectionBranchAndSpaceAreNotFoundNamingThem) {
  {
    v1::VectorSearchRequest req;
    req.set_collection("nope");
    *req.mutable_query() = Vec({1, 0});
    req.set_k(1);
    v1::VectorSearchResponse resp;
    CallContext ctx;
    Expect(vectors_->Search(ctx.get(), req, &resp), ctx, StatusCode::NOT_FOUND, "not_found", {"nope"},
           "search a missing collection");
  }
  {
    v1::BranchForkRequest req;
    req.set_source("ghost");
    req.set_destination("copy");
    v1::BranchForkResponse resp;
    CallContext ctx;
    Expect(branches_->Fork(ctx.get(), req, &resp), ctx, StatusCode::NOT_FOUND, "not_found", {"ghost"},
           "fork a missing branch");
  }
  {
    v1::EventAppendRequest req;
    req.mutable_context()->set_branch("ghost");
    req.set_event_type("t");
    *req.mutable_payload() = testutil::IntValue(1);
    v1::EventAppendResponse resp;
    CallContext ctx;
    Expect(events_->Append(ctx.get(), req, &resp), ctx, StatusCode::NOT_FOUND, "not_found", {"ghost"},
           "append on a missing branch");
  }
  {
    v1::SpaceDeleteRequest req;
    req.set_name("default");
    v1::SpaceDeleteResponse resp;
    CallContext ctx;
    Expect(spaces_->Delete(ctx.get(), req, &resp), ctx, StatusCode::FAILED_PRECONDITION, "constraint", {"default"},
           "delete the default space");
  }
  {
    v1::BranchDeleteRequest req;
    req.set_name("default");
    v1::BranchDeleteResponse resp;
    CallContext ctx;
    Expect(branches_->Delete(ctx.get(), req, &resp), ctx, StatusCode::FAILED_PRECONDITION, "constraint",
           {"default"}, "delete the default branch");
  }
}

TEST_F(BadInputTest, GarbageBundleImportIsInvalidArgumentAndCreatesNoBranch) {
  v1::BranchImportResponse resp;
  CallContext ctx;
  auto writer = branches_->Import(ctx.get(), &resp);
  v1::BundleChunk chunk;
  chunk.set_branch("imported");
  chunk.set_data(std::string("this is not a bundle at all, just some bytes\x00\x01\x02", 48));
  writer->Write(chunk);
  writer->WritesDone();
  grpc::Status st = writer->Finish();
  Expect(st, ctx, StatusCode::INVALID_ARGUMENT, "validation", {"bundle"}, "garbage bundle");
  v1::BranchGetRequest get;
  get.set_name("imported");
  v1::BranchInfo info;
  CallContext get_ctx;
  EXPECT_EQ(branches_->Get(get_ctx.get(), get, &info).error_code(), StatusCode::NOT_FOUND);
}

// ---- transactions that do not exist -------------------------------------------

TEST_F(BadInputTest, WritesAndReadsInAnUnknownTransactionAreNotFoundNamingIt) {
  CreateCollection("docs", 2);
  const std::string txn = "txn-that-never-was";
  {
    v1::StateSetRequest req;
    req.mutable_context()->set_txn_id(txn);
    req.set_cell("c");
    *req.mutable_value() = testutil::IntValue(1);
    v1::WriteResponse resp;
    CallContext ctx;
    Expect(state_->Set(ctx.get(), req, &resp), ctx, StatusCode::NOT_FOUND, "not_found", {txn}, "state set");
  }
  {
    v1::EventAppendRequest req;
    req.mutable_context()->set_txn_id(txn);
    req.set_event_type("t");
    *req.mutable_payload() = testutil::IntValue(1);
    v1::EventAppendResponse resp;
    CallContext ctx;
    Expect(events_->Append(ctx.get(), req, &resp), ctx, StatusCode::NOT_FOUND, "not_found", {txn}, "event append");
  }
  {
    v1::JsonSetRequest req;
    req.mutable_context()->set_txn_id(txn);
    req.set_key("doc");
    req.set_path("$");
    *req.mutable_value() = testutil::IntValue(1);
    v1::WriteResponse resp;
    CallContext ctx;
    Expect(json_->Set(ctx.get(), req, &resp), ctx, StatusCode::NOT_FOUND, "not_found", {txn}, "json set");
  }
  {
    v1::VectorUpsertRequest req;
    req.mutable_context()->set_txn_id(txn);
    req.set_collection("docs");
    req.mutable_entry()->set_key("k");
    *req.mutable_entry()->mutable_vector() = Vec({1, 0});
    v1::WriteResponse resp;
    CallContext ctx;
    Expect(vectors_->Upsert(ctx.get(), req, &resp), ctx, StatusCode::NOT_FOUND, "not_found", {txn}, "vector upsert");
  }
  {
    v1::KvGetRequest req;
    req.mutable_context()->set_txn_id(txn);
    req.set_key("k");
    v1::KvGetResponse resp;
    CallContext ctx;
    Expect(kv_->Get(ctx.get(), req, &resp), ctx, StatusCode::NOT_FOUND, "not_found", {txn}, "kv get");
  }
  // Nothing of it was applied.
  v1::EventLenRequest len;
  v1::EventLenResponse len_resp;
  CallContext len_ctx;
  ASSERT_TRUE(events_->Len(len_ctx.get(), len, &len_resp).ok());
  EXPECT_EQ(len_resp.length(), 0u);
}

TEST_F(BadInputTest, CommitRollbackAndInfoOfAnUnknownTransactionAreNotFound) {
  const std::string txn = "txn-that-never-was";
  v1::TxnRequest req;
  req.set_txn_id(txn);
  {
    v1::TxnCommitResponse resp;
    CallContext ctx;
    grpc::Status st = txns_->Commit(ctx.get(), req, &resp);
    if (st.error_code() == StatusCode::UNIMPLEMENTED) GTEST_SKIP() << "transactions have not landed yet";
    Expect(st, ctx, StatusCode::NOT_FOUND, "not_found", {txn}, "commit");
  }
  {
    v1::TxnRollbackResponse resp;
    CallContext ctx;
    Expect(txns_->Rollback(ctx.get(), req, &resp), ctx, StatusCode::NOT_FOUND, "not_found", {txn}, "rollback");
  }
  {
    v1::TxnInfo resp;
    CallContext ctx;
    Expect(txns_->Info(ctx.get(), req, &resp), ctx, StatusCode::NOT_FOUND, "not_found", {txn}, "info");
  }
}

}  // namespace
}  // namespace strata

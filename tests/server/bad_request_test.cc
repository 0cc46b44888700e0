// Bad requests answer a precise status with its strata-reason (never UNKNOWN,
// never a crash), and the server keeps serving afterwards.
#include <gtest/gtest.h>

#include "strata/v1/transactions.grpc.pb.h"
#include "tests/testutil/server_fixture.h"

namespace strata {
namespace {

using testutil::CallContext;
using testutil::ServerTest;

class BadRequestTest : public ServerTest {
 protected:
  void TearDown() override {
    // Whatever was sent, the server is still up and still correct.
    ExpectServing();
    MustPut("still-works", testutil::IntValue(1));
    EXPECT_TRUE(MustGet("still-works").found());
  }

  void ExpectInvalidPut(const std::string& key, const v1::Value& value, const std::string& what) {
    v1::KvPutRequest req;
    req.set_key(key);
    *req.mutable_value() = value;
    v1::WriteResponse resp;
    CallContext ctx;
    grpc::Status st = kv_->Put(ctx.get(), req, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << what << ": " << st.error_message();
    EXPECT_EQ(ctx.reason(), "validation") << what;
    EXPECT_FALSE(st.error_message().empty()) << what;
  }

  void ExpectInvalidList(const v1::KvListRequest& req, const std::string& what) {
    v1::NameList resp;
    CallContext ctx;
    grpc::Status st = kv_->List(ctx.get(), req, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << what << ": " << st.error_message();
    EXPECT_EQ(ctx.reason(), "validation") << what;
  }
};

TEST_F(BadRequestTest, EmptyKeyIsInvalidArgument) {
  ExpectInvalidPut("", testutil::IntValue(1), "empty key");
  v1::KvGetRequest get;
  v1::KvGetResponse resp;
  CallContext ctx;
  grpc::Status st = kv_->Get(ctx.get(), get, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ctx.reason(), "validation");
}

TEST_F(BadRequestTest, KeyOf1025BytesIsInvalidArgumentNamingTheLimit) {
  v1::KvPutRequest req;
  req.set_key(std::string(1025, 'k'));
  *req.mutable_value() = testutil::IntValue(1);
  v1::WriteResponse resp;
  CallContext ctx;
  grpc::Status st = kv_->Put(ctx.get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ctx.reason(), "validation");
  EXPECT_NE(st.error_message().find("1024"), std::string::npos) << st.error_message();
}

TEST_F(BadRequestTest, ReservedKeyIsInvalidArgument) {
  ExpectInvalidPut("_strata/x", testutil::IntValue(1), "reserved key");
}

TEST_F(BadRequestTest, ObjectWithDuplicateKeysIsInvalidArgument) {
  ExpectInvalidPut("k",
                   testutil::ObjectValue({{"a", testutil::IntValue(1)}, {"b", testutil::IntValue(2)},
                                          {"a", testutil::IntValue(3)}}),
                   "duplicate object key");
  // Nested deeper too.
  ExpectInvalidPut("k",
                   testutil::ArrayValue({testutil::ObjectValue(
                       {{"x", testutil::NullValue()}, {"x", testutil::NullValue()}})}),
                   "nested duplicate object key");
  EXPECT_FALSE(MustGet("k").found()) << "a refused put must write nothing";
}

TEST_F(BadRequestTest, NestingDepth129IsInvalidArgumentNamingTheLimit) {
  v1::KvPutRequest req;
  req.set_key("deep");
  *req.mutable_value() = testutil::NestedArrays(129);
  v1::WriteResponse resp;
  CallContext ctx;
  grpc::Status st = kv_->Put(ctx.get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
  EXPECT_EQ(ctx.reason(), "validation");
  EXPECT_NE(st.error_message().find("128"), std::string::npos) << st.error_message();
}

TEST_F(BadRequestTest, NestingFarBeyondTheLimitIsInvalidArgumentToo) {
  // 1000 nested objects (3000 nested messages): far deeper than protobuf's
  // default parse limit of 100, still answered by validation.
  v1::Value v = testutil::IntValue(1);
  for (int i = 0; i < 1000; ++i) v = testutil::ObjectValue({{"k", std::move(v)}});
  v1::KvPutRequest req;
  req.set_key("deeper");
  *req.mutable_value() = std::move(v);
  v1::WriteResponse resp;
  CallContext ctx;
  grpc::Status st = kv_->Put(ctx.get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
  EXPECT_EQ(ctx.reason(), "validation");
}

TEST_F(BadRequestTest, MissingValueIsInvalidArgument) {
  v1::KvPutRequest req;
  req.set_key("k");
  v1::WriteResponse resp;
  CallContext ctx;
  grpc::Status st = kv_->Put(ctx.get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
  EXPECT_EQ(ctx.reason(), "validation");
}

TEST_F(BadRequestTest, InvalidUtf8KeyNeverAnswersUnknown) {
  // proto3 strings must be UTF-8; whichever layer refuses it, the answer is a
  // client error, not UNKNOWN or a crash.
  v1::KvPutRequest req;
  req.set_key("\xff\xfe");
  *req.mutable_value() = testutil::IntValue(1);
  std::string response;
  grpc::Status st = testutil::RawUnaryCall(*channel_, "/strata.v1.KV/Put", req.SerializeAsString(), &response);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.error_code(), grpc::StatusCode::UNKNOWN) << st.error_message();
}

TEST_F(BadRequestTest, LimitOver10000IsInvalidArgument) {
  v1::KvListRequest req;
  req.set_limit(10001);
  ExpectInvalidList(req, "limit 10001");
}

TEST_F(BadRequestTest, MalformedCursorIsInvalidArgument) {
  for (const std::string& cursor : {std::string("garbage"), std::string("c1:%%%"), std::string("c1:abc"),
                                    std::string("c1:ab$d")}) {
    v1::KvListRequest req;
    req.set_cursor(cursor);
    ExpectInvalidList(req, "cursor " + cursor);
  }
}

TEST_F(BadRequestTest, CursorWithBadBase64PaddingIsInvalidArgument) {
  // Four characters of base64 carry at most two '=' of padding, only at the end.
  MustPut("k", testutil::IntValue(1));
  for (const std::string& cursor : {std::string("c1:===="), std::string("c1:A==="), std::string("c1:=AAA"),
                                    std::string("c1:AA=A")}) {
    v1::KvListRequest req;
    req.set_cursor(cursor);
    ExpectInvalidList(req, "cursor " + cursor);
  }
}

TEST_F(BadRequestTest, NegativeAsOfIsInvalidArgument) {
  MustPut("k", testutil::IntValue(1));
  v1::KvGetRequest get;
  get.set_key("k");
  get.set_as_of(-1);
  v1::KvGetResponse resp;
  CallContext ctx;
  grpc::Status st = kv_->Get(ctx.get(), get, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
  EXPECT_EQ(ctx.reason(), "validation");

  v1::KvListRequest list;
  list.set_as_of(-100);
  ExpectInvalidList(list, "negative as_of");
}

TEST_F(BadRequestTest, BadSpaceNameIsInvalidArgument) {
  v1::KvPutRequest req;
  req.set_key("k");
  req.mutable_context()->set_space("Not Valid");
  *req.mutable_value() = testutil::IntValue(1);
  v1::WriteResponse resp;
  CallContext ctx;
  grpc::Status st = kv_->Put(ctx.get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
  EXPECT_EQ(ctx.reason(), "validation");
}

TEST_F(BadRequestTest, UnknownTransactionIdIsNotFound) {
  v1::KvPutRequest req;
  req.set_key("k");
  req.mutable_context()->set_txn_id("no-such-txn");
  *req.mutable_value() = testutil::IntValue(1);
  v1::WriteResponse resp;
  CallContext ctx;
  grpc::Status st = kv_->Put(ctx.get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND) << st.error_message();
  EXPECT_EQ(ctx.reason(), "not_found");
  EXPECT_NE(st.error_message().find("no-such-txn"), std::string::npos) << st.error_message();
  EXPECT_FALSE(MustGet("k").found()) << "a write in an unknown transaction must not be applied";
}

TEST_F(BadRequestTest, NonDefaultBranchIsNotFound) {
  v1::KvGetRequest req;
  req.set_key("k");
  req.mutable_context()->set_branch("feature");
  v1::KvGetResponse resp;
  CallContext ctx;
  grpc::Status st = kv_->Get(ctx.get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND) << st.error_message();
  EXPECT_EQ(ctx.reason(), "not_found");
  EXPECT_NE(st.error_message().find("feature"), std::string::npos) << st.error_message();

  v1::KvPutRequest put;
  put.set_key("k");
  put.mutable_context()->set_branch("feature");
  *put.mutable_value() = testutil::IntValue(1);
  v1::WriteResponse put_resp;
  CallContext put_ctx;
  st = kv_->Put(put_ctx.get(), put, &put_resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(put_ctx.reason(), "not_found");
}

TEST_F(BadRequestTest, TransactionOnMissingBranchOrUnknownIdIsNotFound) {
  auto transactions = v1::Transactions::NewStub(channel_);
  v1::TxnBeginRequest req;
  req.set_branch("no-such-branch");
  v1::TxnInfo resp;
  CallContext ctx;
  grpc::Status st = transactions->Begin(ctx.get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND) << st.error_message();
  EXPECT_NE(st.error_message().find("no-such-branch"), std::string::npos) << st.error_message();

  v1::TxnRequest commit;
  commit.set_txn_id("txn-0123");
  v1::TxnCommitResponse commit_resp;
  CallContext commit_ctx;
  st = transactions->Commit(commit_ctx.get(), commit, &commit_resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND) << st.error_message();
  EXPECT_NE(st.error_message().find("txn-0123"), std::string::npos) << st.error_message();
  EXPECT_EQ(commit_ctx.reason(), "not_found");
}

TEST_F(BadRequestTest, UnknownMethodIsUnimplemented) {
  std::string response;
  grpc::Status st = testutil::RawUnaryCall(*channel_, "/strata.v1.KV/NoSuchMethod", "", &response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNIMPLEMENTED) << st.error_message();
}

TEST_F(BadRequestTest, GarbageRequestBytesNeverAnswerUnknown) {
  std::string response;
  grpc::Status st =
      testutil::RawUnaryCall(*channel_, "/strata.v1.KV/Put", std::string("\xff\xff\xff\xff\x0f", 5), &response);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.error_code(), grpc::StatusCode::UNKNOWN) << st.error_message();
}

}  // namespace
}  // namespace strata

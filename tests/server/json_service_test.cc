// Every Json rpc against a real stratad over loopback gRPC, with the
// generated C++ stubs: set/get/delete/list/history by path, malformed paths
// INVALID_ARGUMENT naming the position, NaN refused, the server still serving.
#include <chrono>
#include <cmath>
#include <limits>
#include <thread>

#include <gtest/gtest.h>

#include "tests/testutil/primitives_fixture.h"

namespace strata {
namespace {

using testutil::CallContext;

class JsonServiceTest : public testutil::PrimitivesServerTest {
 protected:
  grpc::Status Set(const std::string& key, const std::string& path, const v1::Value& value, v1::WriteResponse* resp,
                   std::string* reason = nullptr) {
    v1::JsonSetRequest req;
    req.set_key(key);
    req.set_path(path);
    *req.mutable_value() = value;
    CallContext ctx;
    grpc::Status st = json_->Set(ctx.get(), req, resp);
    if (reason != nullptr) *reason = ctx.reason();
    return st;
  }

  uint64_t MustSet(const std::string& key, const std::string& path, const v1::Value& value) {
    v1::WriteResponse resp;
    grpc::Status st = Set(key, path, value, &resp);
    EXPECT_TRUE(st.ok()) << "Set " << key << " " << path << ": " << st.error_code() << " " << st.error_message();
    return resp.version();
  }

  v1::JsonGetResponse MustGetDoc(const std::string& key, const std::string& path = "$",
                                 std::optional<int64_t> as_of = std::nullopt) {
    v1::JsonGetRequest req;
    req.set_key(key);
    req.set_path(path);
    if (as_of.has_value()) req.set_as_of(*as_of);
    v1::JsonGetResponse resp;
    CallContext ctx;
    grpc::Status st = json_->Get(ctx.get(), req, &resp);
    EXPECT_TRUE(st.ok()) << "Get " << key << " " << path << ": " << st.error_message();
    return resp;
  }

  v1::JsonDeleteResponse MustDelete(const std::string& key, const std::string& path) {
    v1::JsonDeleteRequest req;
    req.set_key(key);
    req.set_path(path);
    v1::JsonDeleteResponse resp;
    CallContext ctx;
    grpc::Status st = json_->Delete(ctx.get(), req, &resp);
    EXPECT_TRUE(st.ok()) << "Delete " << key << " " << path << ": " << st.error_message();
    return resp;
  }
};

TEST_F(JsonServiceTest, SetAtRootThenGetTheWholeDocumentAndAPath) {
  v1::Value doc = testutil::ObjectValue(
      {{"name", testutil::StringValue("ada")},
       {"langs", testutil::ArrayValue({testutil::StringValue("en"), testutil::StringValue("fr")})}});
  uint64_t v = MustSet("user:1", "$", doc);
  EXPECT_GT(v, 0u);
  auto whole = MustGetDoc("user:1");
  ASSERT_TRUE(whole.found());
  EXPECT_EQ(whole.entry().version(), v);
  ASSERT_EQ(whole.entry().value().object_value().entries_size(), 2);
  EXPECT_EQ(whole.entry().value().object_value().entries(0).key(), "name");
  EXPECT_EQ(whole.entry().value().object_value().entries(1).key(), "langs");
  auto last = MustGetDoc("user:1", "$.langs[-1]");
  ASSERT_TRUE(last.found());
  EXPECT_EQ(last.entry().value().string_value(), "fr");
  EXPECT_EQ(last.entry().version(), v);
}

TEST_F(JsonServiceTest, AnEmptyGetPathMeansTheRoot) {
  MustSet("d", "$", testutil::ObjectValue({{"k", testutil::IntValue(1)}}));
  auto got = MustGetDoc("d", "");
  ASSERT_TRUE(got.found());
  EXPECT_EQ(got.entry().value().object_value().entries(0).key(), "k");
}

TEST_F(JsonServiceTest, SetAtAPathCreatesTheDocumentAndIntermediates) {
  MustSet("d", "$.a.b['c d']", testutil::IntValue(5));
  auto got = MustGetDoc("d", "$.a.b['c d']");
  ASSERT_TRUE(got.found());
  EXPECT_EQ(got.entry().value().int_value(), 5);
  MustSet("d", "$.list[0]", testutil::StringValue("x"));
  MustSet("d", "$.list[1]", testutil::StringValue("y"));
  auto list = MustGetDoc("d", "$.list");
  ASSERT_TRUE(list.found());
  EXPECT_EQ(list.entry().value().array_value().items_size(), 2);
}

TEST_F(JsonServiceTest, GetOfAMissingDocumentOrPathIsNotFound) {
  EXPECT_FALSE(MustGetDoc("nope").found());
  MustSet("d", "$", testutil::ObjectValue({{"a", testutil::IntValue(1)}}));
  auto missing = MustGetDoc("d", "$.b");
  EXPECT_FALSE(missing.found());
  EXPECT_FALSE(missing.has_entry());
}

TEST_F(JsonServiceTest, DeleteAPathAndThenTheWholeDocument) {
  MustSet("d", "$", testutil::ObjectValue({{"a", testutil::IntValue(1)}, {"b", testutil::IntValue(2)}}));
  auto del = MustDelete("d", "$.a");
  EXPECT_EQ(del.removed(), 1u);
  EXPECT_GT(del.version(), 0u);
  EXPECT_FALSE(MustGetDoc("d", "$.a").found());
  EXPECT_TRUE(MustGetDoc("d", "$.b").found());
  auto none = MustDelete("d", "$.a");
  EXPECT_EQ(none.removed(), 0u);
  EXPECT_EQ(none.version(), 0u);
  auto root = MustDelete("d", "$");
  EXPECT_EQ(root.removed(), 1u);
  EXPECT_GT(root.version(), del.version());
  EXPECT_FALSE(MustGetDoc("d").found());
}

TEST_F(JsonServiceTest, ListReturnsDocumentKeysWithThePrefixAndPages) {
  for (const char* k : {"doc:a", "doc:b", "doc:c", "zzz"}) MustSet(k, "$", testutil::IntValue(1));
  v1::JsonListRequest req;
  req.set_prefix("doc:");
  req.set_limit(2);
  v1::NameList first;
  {
    CallContext ctx;
    ASSERT_TRUE(json_->List(ctx.get(), req, &first).ok());
  }
  ASSERT_EQ(first.names_size(), 2);
  EXPECT_EQ(first.names(0), "doc:a");
  EXPECT_EQ(first.names(1), "doc:b");
  ASSERT_FALSE(first.next_cursor().empty());
  req.set_cursor(first.next_cursor());
  v1::NameList second;
  {
    CallContext ctx;
    ASSERT_TRUE(json_->List(ctx.get(), req, &second).ok());
  }
  ASSERT_EQ(second.names_size(), 1);
  EXPECT_EQ(second.names(0), "doc:c");
  EXPECT_TRUE(second.next_cursor().empty());
}

TEST_F(JsonServiceTest, HistoryHasWholeDocumentVersionsNewestFirst) {
  uint64_t v1 = MustSet("d", "$", testutil::ObjectValue({{"a", testutil::IntValue(1)}}));
  uint64_t v2 = MustSet("d", "$.b", testutil::IntValue(2));
  auto del = MustDelete("d", "$");
  v1::JsonHistoryRequest req;
  req.set_key("d");
  v1::HistoryResponse hist;
  {
    CallContext ctx;
    ASSERT_TRUE(json_->History(ctx.get(), req, &hist).ok());
  }
  EXPECT_TRUE(hist.exists());
  ASSERT_EQ(hist.entries_size(), 3);
  EXPECT_TRUE(hist.entries(0).deleted());
  EXPECT_EQ(hist.entries(0).version(), del.version());
  EXPECT_EQ(hist.entries(1).version(), v2);
  EXPECT_EQ(hist.entries(1).value().object_value().entries_size(), 2);
  EXPECT_EQ(hist.entries(2).version(), v1);
  EXPECT_EQ(hist.entries(2).value().object_value().entries_size(), 1);
  req.set_key("never");
  v1::HistoryResponse none;
  CallContext ctx;
  ASSERT_TRUE(json_->History(ctx.get(), req, &none).ok());
  EXPECT_FALSE(none.exists());
}

TEST_F(JsonServiceTest, GetAsOfSeesTheOldDocument) {
  MustSet("d", "$.n", testutil::IntValue(1));
  int64_t t = MustGetDoc("d").entry().timestamp();
  std::this_thread::sleep_for(std::chrono::milliseconds(3));
  MustSet("d", "$.n", testutil::IntValue(2));
  auto then = MustGetDoc("d", "$.n", t);
  ASSERT_TRUE(then.found());
  EXPECT_EQ(then.entry().value().int_value(), 1);
  EXPECT_EQ(MustGetDoc("d", "$.n").entry().value().int_value(), 2);
}

// ---- refused requests ----

TEST_F(JsonServiceTest, AMalformedPathIsInvalidArgumentNamingThePosition) {
  MustSet("d", "$", testutil::ObjectValue({{"a", testutil::IntValue(1)}}));
  struct Case {
    const char* path;
    const char* position;
  };
  for (const Case& c : {Case{"$..a", "position 2"}, Case{"$[*]", "position 2"}, Case{"a.b", "position 0"},
                        Case{"$.a[-2]", "position 4"}, Case{"$[?(@.x)]", "position 2"}}) {
    {
      v1::WriteResponse resp;
      v1::JsonSetRequest req;
      req.set_key("d");
      req.set_path(c.path);
      *req.mutable_value() = testutil::IntValue(2);
      CallContext ctx;
      grpc::Status st = json_->Set(ctx.get(), req, &resp);
      ExpectInvalid(st, ctx, std::string("Set ") + c.path);
      EXPECT_NE(st.error_message().find(c.position), std::string::npos) << c.path << ": " << st.error_message();
    }
    {
      v1::JsonGetRequest req;
      req.set_key("d");
      req.set_path(c.path);
      v1::JsonGetResponse resp;
      CallContext ctx;
      grpc::Status st = json_->Get(ctx.get(), req, &resp);
      ExpectInvalid(st, ctx, std::string("Get ") + c.path);
      EXPECT_NE(st.error_message().find(c.position), std::string::npos) << c.path << ": " << st.error_message();
    }
    {
      v1::JsonDeleteRequest req;
      req.set_key("d");
      req.set_path(c.path);
      v1::JsonDeleteResponse resp;
      CallContext ctx;
      grpc::Status st = json_->Delete(ctx.get(), req, &resp);
      ExpectInvalid(st, ctx, std::string("Delete ") + c.path);
      EXPECT_NE(st.error_message().find("position"), std::string::npos) << c.path << ": " << st.error_message();
    }
  }
  auto got = MustGetDoc("d", "$.a");
  ASSERT_TRUE(got.found());
  EXPECT_EQ(got.entry().value().int_value(), 1);
}

TEST_F(JsonServiceTest, TypeClashAndOutOfRangeAreInvalidArgument) {
  MustSet("d", "$", testutil::ObjectValue({{"s", testutil::StringValue("x")},
                                           {"xs", testutil::ArrayValue({testutil::IntValue(1)})}}));
  for (const char* path : {"$.s.k", "$.xs.k", "$.s[0]", "$.xs[5]"}) {
    v1::WriteResponse resp;
    std::string reason;
    grpc::Status st = Set("d", path, testutil::IntValue(1), &resp, &reason);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << path << ": " << st.error_message();
    EXPECT_EQ(reason, "validation") << path;
  }
}

TEST_F(JsonServiceTest, BadInputIsInvalidArgumentAndTheServerKeepsServing) {
  {
    v1::WriteResponse resp;
    std::string reason;
    grpc::Status st = Set("d", "$", testutil::FloatValue(std::numeric_limits<double>::quiet_NaN()), &resp, &reason);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
    EXPECT_EQ(reason, "validation");
    EXPECT_NE(st.error_message().find("NaN"), std::string::npos) << st.error_message();
  }
  {
    v1::WriteResponse resp;
    std::string reason;
    v1::Value nested = testutil::ObjectValue(
        {{"a", testutil::ArrayValue({testutil::FloatValue(-std::numeric_limits<double>::infinity())})}});
    grpc::Status st = Set("d", "$.x", nested, &resp, &reason);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
    EXPECT_EQ(reason, "validation");
  }
  {
    v1::JsonSetRequest req;  // empty key
    req.set_path("$");
    *req.mutable_value() = testutil::IntValue(1);
    v1::WriteResponse resp;
    CallContext ctx;
    ExpectInvalid(json_->Set(ctx.get(), req, &resp), ctx, "Set with an empty key");
  }
  {
    v1::JsonSetRequest req;  // no value
    req.set_key("d");
    req.set_path("$");
    v1::WriteResponse resp;
    CallContext ctx;
    ExpectInvalid(json_->Set(ctx.get(), req, &resp), ctx, "Set without a value");
  }
  {
    v1::JsonGetRequest req;  // empty key
    v1::JsonGetResponse resp;
    CallContext ctx;
    ExpectInvalid(json_->Get(ctx.get(), req, &resp), ctx, "Get with an empty key");
  }
  {
    v1::JsonListRequest req;
    req.set_cursor("garbage");
    v1::NameList resp;
    CallContext ctx;
    ExpectInvalid(json_->List(ctx.get(), req, &resp), ctx, "List with a malformed cursor");
  }
  EXPECT_FALSE(MustGetDoc("d").found()) << "refused sets must write nothing";
  ExpectServing();
  EXPECT_GT(MustSet("d", "$.ok", testutil::BoolValue(true)), 0u);
  EXPECT_TRUE(MustGetDoc("d", "$.ok").found());
}

}  // namespace
}  // namespace strata

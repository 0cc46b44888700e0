// Every KV rpc against a real stratad over loopback gRPC.
#include <chrono>
#include <cmath>
#include <limits>
#include <thread>

#include <gtest/gtest.h>

#include "server/wire_limits.h"
#include "tests/testutil/server_fixture.h"

namespace strata {
namespace {

using testutil::CallContext;
using testutil::ServerTest;
using KvServiceTest = ServerTest;

TEST_F(KvServiceTest, PutThenGetReturnsTheValueWithItsVersionAndTimestamp) {
  auto before = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  uint64_t version = MustPut("greeting", testutil::StringValue("hello"));
  EXPECT_GT(version, 0u);
  v1::KvGetResponse got = MustGet("greeting");
  ASSERT_TRUE(got.found());
  EXPECT_EQ(got.entry().value().string_value(), "hello");
  EXPECT_EQ(got.entry().version(), version);
  EXPECT_FALSE(got.entry().deleted());
  EXPECT_GE(got.entry().timestamp(), before);
}

TEST_F(KvServiceTest, OverwriteReturnsAHigherVersion) {
  uint64_t v1 = MustPut("k", testutil::IntValue(1));
  uint64_t v2 = MustPut("k", testutil::IntValue(2));
  EXPECT_GT(v2, v1);
  v1::KvGetResponse got = MustGet("k");
  ASSERT_TRUE(got.found());
  EXPECT_EQ(got.entry().value().int_value(), 2);
  EXPECT_EQ(got.entry().version(), v2);
}

TEST_F(KvServiceTest, GetOfMissingKeyIsNotFoundButNotAnError) {
  v1::KvGetResponse got = MustGet("absent");
  EXPECT_FALSE(got.found());
  EXPECT_FALSE(got.has_entry());
}

TEST_F(KvServiceTest, DeleteReportsWhetherTheKeyExisted) {
  uint64_t put = MustPut("k", testutil::BoolValue(true));
  v1::KvDeleteRequest req;
  req.set_key("k");
  v1::KvDeleteResponse resp;
  {
    CallContext ctx;
    ASSERT_TRUE(kv_->Delete(ctx.get(), req, &resp).ok());
  }
  EXPECT_TRUE(resp.existed());
  EXPECT_GT(resp.version(), put);
  EXPECT_FALSE(MustGet("k").found());
  {
    CallContext ctx;
    ASSERT_TRUE(kv_->Delete(ctx.get(), req, &resp).ok());
  }
  EXPECT_FALSE(resp.existed());
  EXPECT_EQ(resp.version(), 0u);
}

TEST_F(KvServiceTest, HistoryIsNewestFirstWithTombstones) {
  uint64_t v1 = MustPut("k", testutil::StringValue("a"));
  uint64_t v2 = MustPut("k", testutil::StringValue("b"));
  v1::KvDeleteRequest del;
  del.set_key("k");
  v1::KvDeleteResponse del_resp;
  {
    CallContext ctx;
    ASSERT_TRUE(kv_->Delete(ctx.get(), del, &del_resp).ok());
  }
  v1::KvHistoryRequest req;
  req.set_key("k");
  v1::HistoryResponse resp;
  CallContext ctx;
  ASSERT_TRUE(kv_->History(ctx.get(), req, &resp).ok());
  EXPECT_TRUE(resp.exists());
  ASSERT_EQ(resp.entries_size(), 3);
  EXPECT_TRUE(resp.entries(0).deleted());
  EXPECT_FALSE(resp.entries(0).has_value());
  EXPECT_EQ(resp.entries(0).version(), del_resp.version());
  EXPECT_EQ(resp.entries(1).value().string_value(), "b");
  EXPECT_EQ(resp.entries(1).version(), v2);
  EXPECT_EQ(resp.entries(2).value().string_value(), "a");
  EXPECT_EQ(resp.entries(2).version(), v1);
  EXPECT_GE(resp.entries(0).timestamp(), resp.entries(1).timestamp());
  EXPECT_GE(resp.entries(1).timestamp(), resp.entries(2).timestamp());
}

TEST_F(KvServiceTest, HistoryOfNeverWrittenKeyDoesNotExist) {
  v1::KvHistoryRequest req;
  req.set_key("never");
  v1::HistoryResponse resp;
  CallContext ctx;
  ASSERT_TRUE(kv_->History(ctx.get(), req, &resp).ok());
  EXPECT_FALSE(resp.exists());
  EXPECT_EQ(resp.entries_size(), 0);
}

// A long history comes back a bounded page at a time (each page reads that
// page's records, not the whole history), and the pages join up exactly.
class KvLongHistoryTest : public KvServiceTest {
 protected:
  std::vector<std::string> ExtraArgs() const override { return {"--durability", "relaxed"}; }
};

TEST_F(KvLongHistoryTest, HistoryPagesHoldAtMostAThousandEntriesAndJoinUp) {
  std::vector<uint64_t> written;
  for (int i = 0; i < 1005; ++i) written.insert(written.begin(), MustPut("k", testutil::IntValue(i)));
  std::vector<uint64_t> read;
  std::vector<int> page_sizes;
  v1::KvHistoryRequest req;
  req.set_key("k");
  for (int page = 0; page < 5; ++page) {
    v1::HistoryResponse resp;
    CallContext ctx;
    ASSERT_TRUE(kv_->History(ctx.get(), req, &resp).ok());
    EXPECT_TRUE(resp.exists());
    page_sizes.push_back(resp.entries_size());
    for (const auto& e : resp.entries()) read.push_back(e.version());
    if (!resp.more()) break;
    req.set_before_version(read.back());
  }
  EXPECT_EQ(page_sizes, (std::vector<int>{1000, 5}));
  EXPECT_EQ(read, written);
  EXPECT_EQ(MustGet("k").entry().value().int_value(), 1004);
}

TEST_F(KvServiceTest, ListPagesWithOpaqueCursorsInBytewiseOrder) {
  std::vector<std::string> keys = {"p/b", "p/a", "p/\xc3\xa9", "p/a\x01", "p/ab", "p/c", "q/x", "p"};
  for (const auto& k : keys) MustPut(k, testutil::NullValue());
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    v1::KvListRequest req;
    req.set_prefix("p/");
    req.set_limit(2);
    req.set_cursor(cursor);
    v1::NameList resp;
    CallContext ctx;
    grpc::Status st = kv_->List(ctx.get(), req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    ASSERT_LE(resp.names_size(), 2);
    for (const auto& n : resp.names()) seen.push_back(n);
    cursor = resp.next_cursor();
    ASSERT_LT(++pages, 20);
  } while (!cursor.empty());
  EXPECT_EQ(seen, (std::vector<std::string>{"p/a", std::string("p/a\x01"), "p/ab", "p/b", "p/c", "p/\xc3\xa9"}));
  EXPECT_EQ(pages, 3);
}

TEST_F(KvServiceTest, ListWithoutLimitUsesTheDefaultPage) {
  for (int i = 0; i < 5; ++i) MustPut("k" + std::to_string(i), testutil::IntValue(i));
  v1::KvListRequest req;
  v1::NameList resp;
  CallContext ctx;
  ASSERT_TRUE(kv_->List(ctx.get(), req, &resp).ok());
  EXPECT_EQ(resp.names_size(), 5);
  EXPECT_TRUE(resp.next_cursor().empty());
}

TEST_F(KvServiceTest, GetAndListAsOfSeeThePast) {
  MustPut("k", testutil::StringValue("old"));
  int64_t t1 = MustGet("k").entry().timestamp();
  std::this_thread::sleep_for(std::chrono::milliseconds(3));
  MustPut("k", testutil::StringValue("new"));
  MustPut("later", testutil::IntValue(1));

  v1::KvGetRequest get;
  get.set_key("k");
  get.set_as_of(t1);
  v1::KvGetResponse got;
  {
    CallContext ctx;
    ASSERT_TRUE(kv_->Get(ctx.get(), get, &got).ok());
  }
  ASSERT_TRUE(got.found());
  EXPECT_EQ(got.entry().value().string_value(), "old");

  get.set_as_of(t1 - 1);
  {
    CallContext ctx;
    ASSERT_TRUE(kv_->Get(ctx.get(), get, &got).ok());
  }
  EXPECT_FALSE(got.found());

  v1::KvListRequest list;
  list.set_as_of(t1);
  v1::NameList names;
  {
    CallContext ctx;
    ASSERT_TRUE(kv_->List(ctx.get(), list, &names).ok());
  }
  ASSERT_EQ(names.names_size(), 1);
  EXPECT_EQ(names.names(0), "k");
}

TEST_F(KvServiceTest, SpacesInTheContextIsolateKeys) {
  MustPut("k", testutil::StringValue("in a"), "a");
  MustPut("k", testutil::StringValue("in b"), "b");
  EXPECT_EQ(MustGet("k", "a").entry().value().string_value(), "in a");
  EXPECT_EQ(MustGet("k", "b").entry().value().string_value(), "in b");
  EXPECT_FALSE(MustGet("k").found());
}

TEST_F(KvServiceTest, EveryValueKindRoundTrips) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<std::pair<std::string, v1::Value>> cases = {
      {"null", testutil::NullValue()},
      {"true", testutil::BoolValue(true)},
      {"false", testutil::BoolValue(false)},
      {"int-min", testutil::IntValue(std::numeric_limits<int64_t>::min())},
      {"int-max", testutil::IntValue(std::numeric_limits<int64_t>::max())},
      {"int-zero", testutil::IntValue(0)},
      {"float", testutil::FloatValue(0.1)},
      {"float-whole", testutil::FloatValue(2.0)},
      {"float-inf", testutil::FloatValue(inf)},
      {"float-neg-inf", testutil::FloatValue(-inf)},
      {"string", testutil::StringValue("caf\xc3\xa9 \xf0\x9f\x98\x80")},
      {"string-empty", testutil::StringValue("")},
      {"bytes", testutil::BytesValue(std::string("\x00\xff\x00z", 4))},
      {"array", testutil::ArrayValue({testutil::IntValue(1), testutil::StringValue("two"),
                                      testutil::ArrayValue({testutil::NullValue()})})},
      {"object", testutil::ObjectValue({{"zeta", testutil::IntValue(1)},
                                        {"alpha", testutil::ObjectValue({{"y", testutil::BoolValue(false)},
                                                                         {"x", testutil::BytesValue("b")}})},
                                        {"mid", testutil::ArrayValue({})}})},
  };
  for (const auto& [key, value] : cases) MustPut(key, value);
  for (const auto& [key, value] : cases) {
    v1::KvGetResponse got = MustGet(key);
    ASSERT_TRUE(got.found()) << key;
    EXPECT_EQ(got.entry().value().SerializeAsString(), value.SerializeAsString())
        << key << ": got " << got.entry().value().ShortDebugString() << " want " << value.ShortDebugString();
  }
  MustPut("nan", testutil::FloatValue(std::nan("")));
  v1::Value nan = MustGet("nan").entry().value();
  ASSERT_EQ(nan.kind_case(), v1::Value::kFloatValue);
  EXPECT_TRUE(std::isnan(nan.float_value()));
  MustPut("neg-zero", testutil::FloatValue(-0.0));
  v1::Value nz = MustGet("neg-zero").entry().value();
  ASSERT_EQ(nz.kind_case(), v1::Value::kFloatValue);
  EXPECT_TRUE(std::signbit(nz.float_value()));
}

TEST_F(KvServiceTest, ValueNested128DeepIsAccepted) {
  uint64_t version = MustPut("deep", testutil::NestedArrays(128));
  EXPECT_GT(version, 0u);
  // Parsing the answer needs protobuf's recursion limit raised in this client
  // process too (128 arrays are 257 nested messages; the default is 100).
  server::AllowDeepRequests();
  v1::KvGetResponse got = MustGet("deep");
  ASSERT_TRUE(got.found());
  int depth = 0;
  const v1::Value* v = &got.entry().value();
  while (v->kind_case() == v1::Value::kArrayValue) {
    ASSERT_EQ(v->array_value().items_size(), 1);
    v = &v->array_value().items(0);
    ++depth;
  }
  EXPECT_EQ(depth, 128);
  EXPECT_EQ(v->int_value(), 7);
}

TEST_F(KvServiceTest, KeyOf1024BytesWorks) {
  std::string key(1024, 'k');
  MustPut(key, testutil::IntValue(1));
  EXPECT_TRUE(MustGet(key).found());
}

}  // namespace
}  // namespace strata

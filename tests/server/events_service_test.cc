// Every Events rpc against a real stratad over loopback gRPC, with the
// generated C++ stubs: append/get/list/len/verify, the hash chain checked by
// the client from what travels on the wire, and bad input refused with
// INVALID_ARGUMENT while the server keeps serving.
#include <chrono>
#include <cmath>
#include <limits>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include <csignal>

#include "server/value_convert.h"
#include "storage/engine.h"
#include "storage/event_hash.h"
#include "storage/event_log.h"
#include "storage/lmdb_env.h"
#include "tests/testutil/primitives_fixture.h"

namespace strata {
namespace {

using testutil::CallContext;

const std::string kZeroHash(32, '\0');

class EventsServiceTest : public testutil::PrimitivesServerTest {
 protected:
  v1::EventAppendResponse MustAppend(const std::string& type, const v1::Value& payload) {
    v1::EventAppendRequest req;
    req.set_event_type(type);
    *req.mutable_payload() = payload;
    v1::EventAppendResponse resp;
    CallContext ctx;
    grpc::Status st = events_->Append(ctx.get(), req, &resp);
    EXPECT_TRUE(st.ok()) << "Append " << type << ": " << st.error_code() << " " << st.error_message();
    return resp;
  }

  v1::EventGetResponse MustGetEvent(uint64_t sequence, std::optional<int64_t> as_of = std::nullopt) {
    v1::EventGetRequest req;
    req.set_sequence(sequence);
    if (as_of.has_value()) req.set_as_of(*as_of);
    v1::EventGetResponse resp;
    CallContext ctx;
    grpc::Status st = events_->Get(ctx.get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp;
  }

  v1::EventListResponse MustList(std::optional<std::string> type, uint32_t limit = 0,
                                 std::optional<uint64_t> after = std::nullopt) {
    v1::EventListRequest req;
    if (type.has_value()) req.set_event_type(*type);
    req.set_limit(limit);
    if (after.has_value()) req.set_after(*after);
    v1::EventListResponse resp;
    CallContext ctx;
    grpc::Status st = events_->List(ctx.get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp;
  }

  uint64_t MustLen(std::optional<int64_t> as_of = std::nullopt) {
    v1::EventLenRequest req;
    if (as_of.has_value()) req.set_as_of(*as_of);
    v1::EventLenResponse resp;
    CallContext ctx;
    grpc::Status st = events_->Len(ctx.get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.length();
  }

  v1::EventVerifyResponse MustVerify() {
    v1::EventVerifyResponse resp;
    CallContext ctx;
    grpc::Status st = events_->Verify(ctx.get(), v1::EventVerifyRequest(), &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp;
  }

  static std::vector<uint64_t> SequencesOf(const v1::EventListResponse& list) {
    std::vector<uint64_t> out;
    for (const auto& e : list.events()) out.push_back(e.sequence());
    return out;
  }
};

v1::Value Payload(int64_t n) { return testutil::ObjectValue({{"n", testutil::IntValue(n)}}); }

TEST_F(EventsServiceTest, AppendReturnsZeroBasedGapFreeSequences) {
  uint64_t last_version = 0;
  for (uint64_t i = 0; i < 5; ++i) {
    auto r = MustAppend(i % 2 ? "odd" : "even", Payload(static_cast<int64_t>(i)));
    EXPECT_EQ(r.sequence(), i);
    EXPECT_GT(r.version(), last_version);
    last_version = r.version();
  }
  EXPECT_EQ(MustLen(), 5u);
}

TEST_F(EventsServiceTest, GetReturnsTheEventWithItsChainFields) {
  auto a = MustAppend("order.created", Payload(7));
  auto b = MustAppend("order.paid", testutil::StringValue("paid"));
  auto e0 = MustGetEvent(0);
  ASSERT_TRUE(e0.found());
  EXPECT_EQ(e0.event().sequence(), 0u);
  EXPECT_EQ(e0.event().event_type(), "order.created");
  ASSERT_EQ(e0.event().value().object_value().entries_size(), 1);
  EXPECT_EQ(e0.event().value().object_value().entries(0).key(), "n");
  EXPECT_EQ(e0.event().value().object_value().entries(0).value().int_value(), 7);
  EXPECT_GT(e0.event().timestamp(), 0);
  EXPECT_EQ(e0.event().version(), a.version());
  EXPECT_EQ(e0.event().prev_hash(), kZeroHash);
  EXPECT_EQ(e0.event().hash().size(), 32u);
  auto e1 = MustGetEvent(1);
  ASSERT_TRUE(e1.found());
  EXPECT_EQ(e1.event().value().string_value(), "paid");
  EXPECT_EQ(e1.event().prev_hash(), e0.event().hash());
  EXPECT_EQ(e1.event().version(), b.version());
  auto missing = MustGetEvent(2);
  EXPECT_FALSE(missing.found());
  EXPECT_FALSE(missing.has_event());
}

// "with the encoding written down in the docs so that anyone can verify it":
// a client recomputes every hash from the events as they travel on the wire.
TEST_F(EventsServiceTest, AClientCanRecomputeEveryHashFromTheWire) {
  MustAppend("a", Payload(1));
  MustAppend("b", testutil::ArrayValue({testutil::FloatValue(2.5), testutil::BytesValue(std::string("\0\1", 2)),
                                        testutil::NullValue(), testutil::BoolValue(false)}));
  MustAppend("c", testutil::ObjectValue({{"z", testutil::IntValue(-1)}, {"a", testutil::StringValue("x")}}));
  auto list = MustList(std::nullopt);
  ASSERT_EQ(list.events_size(), 3);
  std::string prev = kZeroHash;
  for (const auto& e : list.events()) {
    auto payload = server::FromProto(e.value());
    ASSERT_TRUE(payload.ok()) << payload.status().message();
    EXPECT_EQ(e.prev_hash(), prev) << "event " << e.sequence();
    EXPECT_EQ(e.hash(), storage::EventHash(prev, e.sequence(), e.event_type(), e.timestamp(), *payload))
        << "event " << e.sequence();
    prev = e.hash();
  }
  EXPECT_EQ(MustVerify().head_hash(), prev);
}

TEST_F(EventsServiceTest, ListByTypeAfterAndLimit) {
  const char* types[] = {"a", "b", "a", "c", "a", "b", "a"};
  for (int i = 0; i < 7; ++i) MustAppend(types[i], Payload(i));
  EXPECT_EQ(SequencesOf(MustList(std::nullopt)), (std::vector<uint64_t>{0, 1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(SequencesOf(MustList("a")), (std::vector<uint64_t>{0, 2, 4, 6}));
  EXPECT_EQ(SequencesOf(MustList("b")), (std::vector<uint64_t>{1, 5}));
  EXPECT_EQ(SequencesOf(MustList("a", 2)), (std::vector<uint64_t>{0, 2}));
  EXPECT_EQ(SequencesOf(MustList("a", 0, 2)), (std::vector<uint64_t>{4, 6}));
  EXPECT_EQ(SequencesOf(MustList("a", 1, 2)), (std::vector<uint64_t>{4}));
  EXPECT_EQ(SequencesOf(MustList(std::nullopt, 3, 3)), (std::vector<uint64_t>{4, 5, 6}));
  EXPECT_TRUE(MustList("zzz").events().empty());
  v1::EventListResponse only_a = MustList("a");
  for (const auto& e : only_a.events()) EXPECT_EQ(e.event_type(), "a");
}

TEST_F(EventsServiceTest, ListAfterZeroIsExclusiveNotUnset) {
  for (int i = 0; i < 3; ++i) MustAppend("t", Payload(i));
  EXPECT_EQ(SequencesOf(MustList(std::nullopt, 0, 0)), (std::vector<uint64_t>{1, 2}));
}

TEST_F(EventsServiceTest, LenGetAndListAsOf) {
  MustAppend("t", Payload(0));
  int64_t t0 = MustGetEvent(0).event().timestamp();
  std::this_thread::sleep_for(std::chrono::milliseconds(3));
  MustAppend("t", Payload(1));
  MustAppend("t", Payload(2));
  EXPECT_EQ(MustLen(t0), 1u);
  EXPECT_EQ(MustLen(t0 - 1), 0u);
  EXPECT_EQ(MustLen(), 3u);
  EXPECT_TRUE(MustGetEvent(0, t0).found());
  EXPECT_FALSE(MustGetEvent(1, t0).found());
  v1::EventListRequest req;
  req.set_as_of(t0);
  v1::EventListResponse resp;
  CallContext ctx;
  ASSERT_TRUE(events_->List(ctx.get(), req, &resp).ok());
  EXPECT_EQ(resp.events_size(), 1);
}

TEST_F(EventsServiceTest, VerifyOverGrpcReportsAValidChain) {
  auto empty = MustVerify();
  EXPECT_TRUE(empty.valid());
  EXPECT_EQ(empty.length(), 0u);
  EXPECT_EQ(empty.head_hash(), kZeroHash);
  EXPECT_FALSE(empty.has_first_broken());
  EXPECT_TRUE(empty.reason().empty());

  for (int i = 0; i < 4; ++i) MustAppend("t", Payload(i));
  auto v = MustVerify();
  EXPECT_TRUE(v.valid()) << v.reason();
  EXPECT_EQ(v.length(), 4u);
  EXPECT_EQ(v.head_hash(), MustGetEvent(3).event().hash());
  EXPECT_FALSE(v.has_first_broken());
}

// Tamper with the stopped server's LMDB file directly, restart it on the same
// directory, and Verify over gRPC names the first broken sequence.
TEST_F(EventsServiceTest, VerifyOverGrpcReportsATamperedEvent) {
  for (int i = 0; i < 10; ++i) {
    MustAppend("tick", testutil::ObjectValue({{"note", testutil::StringValue("event " + std::to_string(i))}}));
  }
  ASSERT_TRUE(MustVerify().valid());
  ASSERT_EQ(server_->Stop(SIGTERM), 0) << "stratad did not exit cleanly";
  {
    storage::EngineOptions options;
    options.data_dir = data_dir();
    options.map_size = 1ull << 30;
    auto engine = storage::Engine::Open(options);
    ASSERT_TRUE(engine.ok()) << engine.status().message();
    auto txn = storage::Txn::BeginWrite((*engine)->core().env());
    ASSERT_TRUE(txn.ok()) << txn.status().message();
    // Default branch and space ids are 1 (storage/meta_keys.h).
    std::string key = storage::EventLog::EventKey(1, 1, 6);
    auto record = txn->Get((*engine)->core().dbs().records, key);
    ASSERT_TRUE(record.ok() && record->has_value());
    std::string forged(**record);
    ASSERT_EQ(forged.back(), '6');
    forged.back() = '7';
    ASSERT_TRUE(txn->Put((*engine)->core().dbs().records, key, forged).ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  server_ = std::make_unique<testutil::ServerProcess>(std::vector<std::string>{"--data-dir", data_dir()});
  ASSERT_TRUE(server_->ready());
  channel_ = testutil::Connect(server_->address());
  events_ = v1::Events::NewStub(channel_);
  admin_ = v1::Admin::NewStub(channel_);
  kv_ = v1::KV::NewStub(channel_);

  auto tampered = MustGetEvent(6);
  ASSERT_TRUE(tampered.found());
  EXPECT_EQ(tampered.event().value().object_value().entries(0).value().string_value(), "event 7");
  auto v = MustVerify();
  EXPECT_FALSE(v.valid());
  ASSERT_TRUE(v.has_first_broken());
  EXPECT_EQ(v.first_broken(), 6u);
  EXPECT_EQ(v.length(), 10u);
  EXPECT_FALSE(v.reason().empty());
  ExpectServing();
}

TEST_F(EventsServiceTest, ConcurrentAppendsOverGrpcAreGapFreeAndVerify) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<std::vector<uint64_t>> seqs(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        v1::EventAppendRequest req;
        req.set_event_type("w" + std::to_string(t));
        *req.mutable_payload() = Payload(i);
        v1::EventAppendResponse resp;
        CallContext ctx;
        if (events_->Append(ctx.get(), req, &resp).ok()) seqs[t].push_back(resp.sequence());
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<uint64_t> all;
  for (const auto& s : seqs) {
    EXPECT_EQ(s.size(), static_cast<size_t>(kPerThread));
    all.insert(s.begin(), s.end());
  }
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(*all.rbegin(), static_cast<uint64_t>(kThreads * kPerThread - 1));
  auto v = MustVerify();
  EXPECT_TRUE(v.valid()) << v.reason();
  EXPECT_EQ(v.length(), static_cast<uint64_t>(kThreads * kPerThread));
}

// ---- bad input ----

TEST_F(EventsServiceTest, BadInputIsInvalidArgumentAndTheServerKeepsServing) {
  MustAppend("ok", Payload(0));
  auto append = [&](const std::string& type, const v1::Value* payload, const std::string& what) {
    v1::EventAppendRequest req;
    req.set_event_type(type);
    if (payload != nullptr) *req.mutable_payload() = *payload;
    v1::EventAppendResponse resp;
    CallContext ctx;
    grpc::Status st = events_->Append(ctx.get(), req, &resp);
    ExpectInvalid(st, ctx, what);
    return st;
  };
  v1::Value p = Payload(1);
  append("", &p, "empty event_type");
  grpc::Status too_long = append(std::string(257, 'e'), &p, "event_type of 257 bytes");
  EXPECT_NE(too_long.error_message().find("256"), std::string::npos) << too_long.error_message();
  v1::Value nan = testutil::FloatValue(std::numeric_limits<double>::quiet_NaN());
  append("t", &nan, "NaN payload");
  v1::Value nested_inf = testutil::ObjectValue(
      {{"a", testutil::ArrayValue({testutil::FloatValue(std::numeric_limits<double>::infinity())})}});
  append("t", &nested_inf, "nested infinity in the payload");
  append("t", nullptr, "no payload");
  v1::Value dup = testutil::ObjectValue({{"k", testutil::IntValue(1)}, {"k", testutil::IntValue(2)}});
  append("t", &dup, "duplicate object key");
  {
    v1::EventListRequest req;
    req.set_limit(10001);
    v1::EventListResponse resp;
    CallContext ctx;
    ExpectInvalid(events_->List(ctx.get(), req, &resp), ctx, "List limit 10001");
  }
  {
    v1::EventListRequest req;
    req.set_event_type(std::string(257, 'e'));
    v1::EventListResponse resp;
    CallContext ctx;
    ExpectInvalid(events_->List(ctx.get(), req, &resp), ctx, "List with a 257-byte type");
  }
  {
    v1::EventLenRequest req;
    req.set_as_of(-1);
    v1::EventLenResponse resp;
    CallContext ctx;
    ExpectInvalid(events_->Len(ctx.get(), req, &resp), ctx, "Len with a negative as_of");
  }
  // Nothing refused took a sequence, and the server still serves.
  ExpectServing();
  EXPECT_EQ(MustLen(), 1u);
  EXPECT_EQ(MustAppend("ok", Payload(2)).sequence(), 1u);
  EXPECT_TRUE(MustVerify().valid());
}

TEST_F(EventsServiceTest, A256ByteEventTypeIsAccepted) {
  std::string type(256, 'e');
  EXPECT_EQ(MustAppend(type, Payload(0)).sequence(), 0u);
  auto got = MustGetEvent(0);
  ASSERT_TRUE(got.found());
  EXPECT_EQ(got.event().event_type(), type);
  EXPECT_EQ(MustList(type).events_size(), 1);
}

}  // namespace
}  // namespace strata

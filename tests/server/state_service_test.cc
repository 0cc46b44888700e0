// Every State rpc against a real stratad over loopback gRPC, with the
// generated C++ stubs: set/get/init/cas/delete/list/history, ABORTED with
// strata-reason "conflict" on a CAS mismatch, INVALID_ARGUMENT on bad input.
#include <chrono>
#include <cmath>
#include <limits>
#include <thread>

#include <gtest/gtest.h>

#include "tests/testutil/primitives_fixture.h"

namespace strata {
namespace {

using testutil::CallContext;

class StateServiceTest : public testutil::PrimitivesServerTest {
 protected:
  uint64_t MustSet(const std::string& cell, const v1::Value& value) {
    v1::StateSetRequest req;
    req.set_cell(cell);
    *req.mutable_value() = value;
    v1::WriteResponse resp;
    CallContext ctx;
    grpc::Status st = state_->Set(ctx.get(), req, &resp);
    EXPECT_TRUE(st.ok()) << "Set " << cell << ": " << st.error_code() << " " << st.error_message();
    return resp.version();
  }

  v1::StateGetResponse MustGetCell(const std::string& cell, std::optional<int64_t> as_of = std::nullopt) {
    v1::StateGetRequest req;
    req.set_cell(cell);
    if (as_of.has_value()) req.set_as_of(*as_of);
    v1::StateGetResponse resp;
    CallContext ctx;
    grpc::Status st = state_->Get(ctx.get(), req, &resp);
    EXPECT_TRUE(st.ok()) << "Get " << cell << ": " << st.error_code() << " " << st.error_message();
    return resp;
  }

  grpc::Status Cas(const std::string& cell, const v1::Value& value, const v1::Value* expected,
                   std::optional<uint64_t> expected_version, v1::WriteResponse* resp, std::string* reason = nullptr) {
    v1::StateCasRequest req;
    req.set_cell(cell);
    *req.mutable_value() = value;
    if (expected != nullptr) *req.mutable_expected() = *expected;
    if (expected_version.has_value()) req.set_expected_version(*expected_version);
    CallContext ctx;
    grpc::Status st = state_->Cas(ctx.get(), req, resp);
    if (reason != nullptr) *reason = ctx.reason();
    return st;
  }

  void ExpectConflict(const std::string& cell, const v1::Value& value, const v1::Value* expected,
                      std::optional<uint64_t> expected_version, const std::string& what) {
    v1::WriteResponse resp;
    std::string reason;
    grpc::Status st = Cas(cell, value, expected, expected_version, &resp, &reason);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::ABORTED) << what << ": " << st.error_message();
    EXPECT_EQ(reason, "conflict") << what;
    EXPECT_NE(st.error_message().find(cell), std::string::npos) << what << ": " << st.error_message();
  }
};

TEST_F(StateServiceTest, SetThenGetReturnsTheValueWithItsVersion) {
  uint64_t v = MustSet("cell", testutil::StringValue("on"));
  EXPECT_GT(v, 0u);
  auto got = MustGetCell("cell");
  ASSERT_TRUE(got.found());
  EXPECT_EQ(got.entry().value().string_value(), "on");
  EXPECT_EQ(got.entry().version(), v);
  EXPECT_GT(got.entry().timestamp(), 0);
  EXPECT_FALSE(got.entry().deleted());
}

TEST_F(StateServiceTest, GetOfAMissingCellIsNotFoundButNotAnError) {
  auto got = MustGetCell("absent");
  EXPECT_FALSE(got.found());
  EXPECT_FALSE(got.has_entry());
}

TEST_F(StateServiceTest, InitCreatesOnceAndThenReturnsTheExistingVersion) {
  v1::StateSetRequest req;
  req.set_cell("c");
  *req.mutable_value() = testutil::IntValue(1);
  v1::WriteResponse first;
  {
    CallContext ctx;
    ASSERT_TRUE(state_->Init(ctx.get(), req, &first).ok());
  }
  EXPECT_GT(first.version(), 0u);
  *req.mutable_value() = testutil::IntValue(2);
  v1::WriteResponse second;
  {
    CallContext ctx;
    grpc::Status st = state_->Init(ctx.get(), req, &second);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }
  EXPECT_EQ(second.version(), first.version());
  auto got = MustGetCell("c");
  ASSERT_TRUE(got.found());
  EXPECT_EQ(got.entry().value().int_value(), 1);
}

TEST_F(StateServiceTest, CasByValueSwapsOnMatch) {
  uint64_t v = MustSet("c", testutil::IntValue(1));
  v1::Value expected = testutil::IntValue(1);
  v1::WriteResponse resp;
  grpc::Status st = Cas("c", testutil::IntValue(2), &expected, std::nullopt, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_GT(resp.version(), v);
  auto got = MustGetCell("c");
  EXPECT_EQ(got.entry().value().int_value(), 2);
  EXPECT_EQ(got.entry().version(), resp.version());
}

TEST_F(StateServiceTest, CasMismatchIsAbortedWithReasonConflict) {
  MustSet("c", testutil::IntValue(1));
  v1::Value wrong = testutil::IntValue(5);
  ExpectConflict("c", testutil::IntValue(2), &wrong, std::nullopt, "wrong value");
  EXPECT_EQ(MustGetCell("c").entry().value().int_value(), 1);
}

TEST_F(StateServiceTest, CasByValueIsTypeStrictOverTheWire) {
  MustSet("c", testutil::IntValue(1));
  v1::Value as_float = testutil::FloatValue(1.0);
  v1::Value as_bool = testutil::BoolValue(true);
  ExpectConflict("c", testutil::IntValue(2), &as_float, std::nullopt, "1 vs 1.0");
  ExpectConflict("c", testutil::IntValue(2), &as_bool, std::nullopt, "1 vs true");
  EXPECT_EQ(MustGetCell("c").entry().value().int_value(), 1);
}

TEST_F(StateServiceTest, CasByValueMatchesObjectsRegardlessOfKeyOrder) {
  MustSet("c", testutil::ObjectValue({{"a", testutil::IntValue(1)}, {"b", testutil::StringValue("x")}}));
  v1::Value expected = testutil::ObjectValue({{"b", testutil::StringValue("x")}, {"a", testutil::IntValue(1)}});
  v1::WriteResponse resp;
  grpc::Status st = Cas("c", testutil::StringValue("swapped"), &expected, std::nullopt, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(MustGetCell("c").entry().value().string_value(), "swapped");
}

TEST_F(StateServiceTest, CasByExpectedVersion) {
  uint64_t v1 = MustSet("c", testutil::StringValue("a"));
  uint64_t v2 = MustSet("c", testutil::StringValue("b"));
  ExpectConflict("c", testutil::StringValue("z"), nullptr, v1, "stale version");
  v1::WriteResponse resp;
  grpc::Status st = Cas("c", testutil::StringValue("c"), nullptr, v2, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_GT(resp.version(), v2);
  ExpectConflict("missing", testutil::StringValue("z"), nullptr, v2, "version on a missing cell");
}

TEST_F(StateServiceTest, CasWithNoExpectationIsCreateOnly) {
  v1::WriteResponse resp;
  grpc::Status st = Cas("c", testutil::IntValue(1), nullptr, std::nullopt, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_GT(resp.version(), 0u);
  ExpectConflict("c", testutil::IntValue(2), nullptr, std::nullopt, "create-only on an existing cell");
  EXPECT_EQ(MustGetCell("c").entry().value().int_value(), 1);
}

TEST_F(StateServiceTest, CasExpectingNullMatchesAStoredNull) {
  MustSet("c", testutil::NullValue());
  v1::Value expected = testutil::NullValue();
  v1::WriteResponse resp;
  grpc::Status st = Cas("c", testutil::IntValue(1), &expected, std::nullopt, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  // But expecting null does not mean "missing": a missing cell conflicts.
  ExpectConflict("absent", testutil::IntValue(1), &expected, std::nullopt, "expected null on a missing cell");
}

TEST_F(StateServiceTest, AFailedCasWritesNothing) {
  uint64_t v = MustSet("c", testutil::IntValue(1));
  v1::Value wrong = testutil::IntValue(7);
  ExpectConflict("c", testutil::IntValue(2), &wrong, std::nullopt, "mismatch");
  v1::StateHistoryRequest req;
  req.set_cell("c");
  v1::HistoryResponse hist;
  CallContext ctx;
  ASSERT_TRUE(state_->History(ctx.get(), req, &hist).ok());
  ASSERT_EQ(hist.entries_size(), 1);
  EXPECT_EQ(hist.entries(0).version(), v);
  // The next write takes the very next version.
  EXPECT_EQ(MustSet("c", testutil::IntValue(3)), v + 1);
}

TEST_F(StateServiceTest, DeleteReportsWhetherTheCellExisted) {
  uint64_t v = MustSet("c", testutil::BoolValue(true));
  v1::StateDeleteRequest req;
  req.set_cell("c");
  v1::StateDeleteResponse resp;
  {
    CallContext ctx;
    ASSERT_TRUE(state_->Delete(ctx.get(), req, &resp).ok());
  }
  EXPECT_TRUE(resp.existed());
  EXPECT_GT(resp.version(), v);
  EXPECT_FALSE(MustGetCell("c").found());
  {
    CallContext ctx;
    ASSERT_TRUE(state_->Delete(ctx.get(), req, &resp).ok());
  }
  EXPECT_FALSE(resp.existed());
  EXPECT_EQ(resp.version(), 0u);
}

TEST_F(StateServiceTest, ListReturnsLiveCellsWithThePrefixAndPages) {
  for (const char* c : {"job/a", "job/b", "job/c", "other"}) MustSet(c, testutil::IntValue(1));
  v1::StateListRequest req;
  req.set_prefix("job/");
  req.set_limit(2);
  v1::NameList first;
  {
    CallContext ctx;
    ASSERT_TRUE(state_->List(ctx.get(), req, &first).ok());
  }
  ASSERT_EQ(first.names_size(), 2);
  EXPECT_EQ(first.names(0), "job/a");
  EXPECT_EQ(first.names(1), "job/b");
  ASSERT_FALSE(first.next_cursor().empty());
  req.set_cursor(first.next_cursor());
  v1::NameList second;
  {
    CallContext ctx;
    ASSERT_TRUE(state_->List(ctx.get(), req, &second).ok());
  }
  ASSERT_EQ(second.names_size(), 1);
  EXPECT_EQ(second.names(0), "job/c");
  EXPECT_TRUE(second.next_cursor().empty());
}

TEST_F(StateServiceTest, HistoryIsNewestFirstWithTombstones) {
  uint64_t a = MustSet("c", testutil::IntValue(1));
  v1::Value expected = testutil::IntValue(1);
  v1::WriteResponse swapped;
  ASSERT_TRUE(Cas("c", testutil::IntValue(2), &expected, std::nullopt, &swapped).ok());
  v1::StateDeleteRequest del;
  del.set_cell("c");
  v1::StateDeleteResponse del_resp;
  {
    CallContext ctx;
    ASSERT_TRUE(state_->Delete(ctx.get(), del, &del_resp).ok());
  }
  v1::StateHistoryRequest req;
  req.set_cell("c");
  v1::HistoryResponse hist;
  {
    CallContext ctx;
    ASSERT_TRUE(state_->History(ctx.get(), req, &hist).ok());
  }
  EXPECT_TRUE(hist.exists());
  ASSERT_EQ(hist.entries_size(), 3);
  EXPECT_TRUE(hist.entries(0).deleted());
  EXPECT_EQ(hist.entries(0).version(), del_resp.version());
  EXPECT_EQ(hist.entries(1).value().int_value(), 2);
  EXPECT_EQ(hist.entries(1).version(), swapped.version());
  EXPECT_EQ(hist.entries(2).value().int_value(), 1);
  EXPECT_EQ(hist.entries(2).version(), a);

  req.set_cell("never");
  v1::HistoryResponse none;
  CallContext ctx;
  ASSERT_TRUE(state_->History(ctx.get(), req, &none).ok());
  EXPECT_FALSE(none.exists());
  EXPECT_EQ(none.entries_size(), 0);
}

TEST_F(StateServiceTest, GetAsOfSeesTheOldValue) {
  MustSet("c", testutil::StringValue("old"));
  int64_t t = MustGetCell("c").entry().timestamp();
  std::this_thread::sleep_for(std::chrono::milliseconds(3));
  MustSet("c", testutil::StringValue("new"));
  auto then = MustGetCell("c", t);
  ASSERT_TRUE(then.found());
  EXPECT_EQ(then.entry().value().string_value(), "old");
  EXPECT_EQ(MustGetCell("c").entry().value().string_value(), "new");
}

TEST_F(StateServiceTest, NanIsAllowedInStateCells) {
  MustSet("c", testutil::FloatValue(std::numeric_limits<double>::quiet_NaN()));
  auto got = MustGetCell("c");
  ASSERT_TRUE(got.found());
  EXPECT_TRUE(std::isnan(got.entry().value().float_value()));
}

// ---- bad input ----

TEST_F(StateServiceTest, BadInputIsInvalidArgumentAndTheServerKeepsServing) {
  {
    v1::StateSetRequest req;  // empty cell
    *req.mutable_value() = testutil::IntValue(1);
    v1::WriteResponse resp;
    CallContext ctx;
    ExpectInvalid(state_->Set(ctx.get(), req, &resp), ctx, "Set with an empty cell");
  }
  {
    v1::StateSetRequest req;
    *req.mutable_value() = testutil::IntValue(1);
    v1::WriteResponse resp;
    CallContext ctx;
    ExpectInvalid(state_->Init(ctx.get(), req, &resp), ctx, "Init with an empty cell");
  }
  {
    v1::StateCasRequest req;
    *req.mutable_value() = testutil::IntValue(1);
    v1::WriteResponse resp;
    CallContext ctx;
    ExpectInvalid(state_->Cas(ctx.get(), req, &resp), ctx, "Cas with an empty cell");
  }
  {
    v1::StateGetRequest req;
    v1::StateGetResponse resp;
    CallContext ctx;
    ExpectInvalid(state_->Get(ctx.get(), req, &resp), ctx, "Get with an empty cell");
  }
  {
    v1::StateSetRequest req;
    req.set_cell("c");  // no value
    v1::WriteResponse resp;
    CallContext ctx;
    ExpectInvalid(state_->Set(ctx.get(), req, &resp), ctx, "Set without a value");
  }
  {
    v1::StateCasRequest req;
    req.set_cell("c");  // no value
    v1::WriteResponse resp;
    CallContext ctx;
    ExpectInvalid(state_->Cas(ctx.get(), req, &resp), ctx, "Cas without a value");
  }
  {
    v1::StateCasRequest req;
    req.set_cell("c");
    *req.mutable_value() = testutil::IntValue(1);
    *req.mutable_expected() =
        testutil::ObjectValue({{"a", testutil::IntValue(1)}, {"a", testutil::IntValue(2)}});
    v1::WriteResponse resp;
    CallContext ctx;
    ExpectInvalid(state_->Cas(ctx.get(), req, &resp), ctx, "Cas with a malformed expected value");
  }
  {
    v1::StateGetRequest req;
    req.set_cell("c");
    req.set_as_of(-5);
    v1::StateGetResponse resp;
    CallContext ctx;
    ExpectInvalid(state_->Get(ctx.get(), req, &resp), ctx, "Get with a negative as_of");
  }
  {
    v1::StateListRequest req;
    req.set_limit(10001);
    v1::NameList resp;
    CallContext ctx;
    ExpectInvalid(state_->List(ctx.get(), req, &resp), ctx, "List with a limit too large");
  }
  ExpectServing();
  EXPECT_GT(MustSet("c", testutil::IntValue(1)), 0u);
  EXPECT_TRUE(MustGetCell("c").found());
}

}  // namespace
}  // namespace strata

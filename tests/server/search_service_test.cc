// The Search rpc against a real stratad over loopback gRPC: hits across
// primitives with ranks, scores and snippets, the primitives filter, branches,
// as_of, and every refusal with its status code.
#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "strata/v1/branches.grpc.pb.h"
#include "strata/v1/search.grpc.pb.h"
#include "tests/testutil/primitives_fixture.h"

namespace strata {
namespace {

using testutil::CallContext;
using testutil::StringValue;

class SearchServiceTest : public testutil::PrimitivesServerTest {
 protected:
  void SetUp() override {
    PrimitivesServerTest::SetUp();
    if (HasFatalFailure()) return;
    search_ = v1::Search::NewStub(channel_);
    branches_ = v1::Branches::NewStub(channel_);
  }

  grpc::Status Call(const v1::SearchRequest& req, v1::SearchResponse* resp, CallContext& ctx) {
    return search_->Search(ctx.get(), req, resp);
  }

  v1::SearchResponse MustSearch(const std::string& query, std::vector<std::string> primitives = {}, uint32_t k = 0,
                                const std::string& branch = "") {
    v1::SearchRequest req;
    req.set_query(query);
    req.set_k(k);
    req.mutable_context()->set_branch(branch);
    for (const auto& p : primitives) req.add_primitives(p);
    v1::SearchResponse resp;
    CallContext ctx;
    grpc::Status st = Call(req, &resp, ctx);
    EXPECT_TRUE(st.ok()) << "Search " << query << ": " << st.error_code() << " " << st.error_message();
    return resp;
  }

  static std::vector<std::string> Entities(const v1::SearchResponse& resp) {
    std::vector<std::string> out;
    for (const auto& h : resp.hits()) out.push_back(h.primitive() + ":" + h.entity());
    return out;
  }

  std::unique_ptr<v1::Search::Stub> search_;
  std::unique_ptr<v1::Branches::Stub> branches_;
};

using Names = std::vector<std::string>;

TEST_F(SearchServiceTest, FindsTextOfKvJsonAndEventsWithRanksAndSnippets) {
  MustPut("note", StringValue("the quick brown fox jumps"));
  MustPut("other", StringValue("a slow green turtle"));
  {
    v1::JsonSetRequest req;
    req.set_key("doc");
    req.set_path("$");
    auto* entry = req.mutable_value()->mutable_object_value()->add_entries();
    entry->set_key("title");
    *entry->mutable_value() = StringValue("fox facts");
    v1::WriteResponse resp;
    CallContext ctx;
    ASSERT_TRUE(json_->Set(ctx.get(), req, &resp).ok());
  }
  {
    v1::EventAppendRequest req;
    req.set_event_type("fox_sighting");
    *req.mutable_payload() = StringValue("near the barn");
    v1::EventAppendResponse resp;
    CallContext ctx;
    ASSERT_TRUE(events_->Append(ctx.get(), req, &resp).ok());
  }
  auto resp = MustSearch("fox");
  ASSERT_EQ(resp.hits_size(), 3);
  std::vector<std::string> got = Entities(resp);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (Names{"event:0", "json:doc", "kv:note"}));
  for (int i = 0; i < resp.hits_size(); ++i) {
    EXPECT_EQ(resp.hits(i).rank(), static_cast<uint32_t>(i + 1));
    EXPECT_GT(resp.hits(i).score(), 0.0);
    if (i > 0) EXPECT_GE(resp.hits(i - 1).score(), resp.hits(i).score());
    EXPECT_NE(resp.hits(i).snippet().find("[fox"), std::string::npos) << resp.hits(i).snippet();
  }
  EXPECT_EQ(Entities(MustSearch("fox", {"kv", "event"})).size(), 2u);
  EXPECT_EQ(Entities(MustSearch("turtle")), (Names{"kv:other"}));
  EXPECT_EQ(MustSearch("turtle").hits(0).snippet(), "a slow green [turtle]");
  EXPECT_EQ(MustSearch("absent").hits_size(), 0);
}

TEST_F(SearchServiceTest, KLimitsHitsAndZeroMeansTen) {
  for (int i = 0; i < 15; ++i) MustPut("k" + std::to_string(i), StringValue("repeated word"));
  EXPECT_EQ(MustSearch("repeated").hits_size(), 10);
  EXPECT_EQ(MustSearch("repeated", {}, 4).hits_size(), 4);
  EXPECT_EQ(MustSearch("repeated", {}, 1000).hits_size(), 15);
}

TEST_F(SearchServiceTest, SearchesTheContextBranchAndAsOf) {
  MustPut("a", StringValue("original words"));
  auto got = MustGet("a");
  int64_t then = got.entry().timestamp();
  {
    v1::BranchForkRequest req;
    req.set_source("default");
    req.set_destination("exp");
    v1::BranchForkResponse resp;
    CallContext ctx;
    grpc::Status st = branches_->Fork(ctx.get(), req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2));  // a later timestamp for the overwrite
  MustPut("a", StringValue("replaced words"));
  EXPECT_EQ(Entities(MustSearch("original")), Names{});
  EXPECT_EQ(Entities(MustSearch("original", {}, 0, "exp")), (Names{"kv:a"}));
  v1::SearchRequest req;
  req.set_query("original");
  req.set_as_of(then);
  v1::SearchResponse resp;
  CallContext ctx;
  ASSERT_TRUE(Call(req, &resp, ctx).ok());
  EXPECT_EQ(Entities(resp), (Names{"kv:a"}));
}

TEST_F(SearchServiceTest, RefusesBadRequestsWithTheirCodes) {
  auto refused = [&](v1::SearchRequest req, grpc::StatusCode code, const std::string& mention) {
    v1::SearchResponse resp;
    CallContext ctx;
    grpc::Status st = Call(req, &resp, ctx);
    EXPECT_EQ(st.error_code(), code) << st.error_message();
    EXPECT_NE(st.error_message().find(mention), std::string::npos) << st.error_message();
    return ctx.reason();
  };
  v1::SearchRequest blank;
  blank.set_query("   ");
  EXPECT_EQ(refused(blank, grpc::StatusCode::INVALID_ARGUMENT, "query"), "validation");
  v1::SearchRequest empty;
  refused(empty, grpc::StatusCode::INVALID_ARGUMENT, "query");
  v1::SearchRequest unknown;
  unknown.set_query("x");
  unknown.add_primitives("kv");
  unknown.add_primitives("graph");
  EXPECT_EQ(refused(unknown, grpc::StatusCode::INVALID_ARGUMENT, "\"graph\""), "validation");
  v1::SearchRequest big_k;
  big_k.set_query("x");
  big_k.set_k(1001);
  refused(big_k, grpc::StatusCode::INVALID_ARGUMENT, "1001");
  v1::SearchRequest no_branch;
  no_branch.set_query("x");
  no_branch.mutable_context()->set_branch("missing");
  refused(no_branch, grpc::StatusCode::NOT_FOUND, "missing");
  v1::SearchRequest bad_as_of;
  bad_as_of.set_query("x");
  bad_as_of.set_as_of(-1);
  refused(bad_as_of, grpc::StatusCode::INVALID_ARGUMENT, "as_of");
  ExpectServing();
}

}  // namespace
}  // namespace strata

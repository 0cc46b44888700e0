// Many clients at once against one stratad: every put is acknowledged with its
// own version and every value is there afterwards.
#include <atomic>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "tests/testutil/server_fixture.h"

namespace strata {
namespace {

using testutil::CallContext;
using testutil::ServerTest;
using ConcurrentClientsTest = ServerTest;

TEST_F(ConcurrentClientsTest, SixteenClientThreadsPutsAreAllAcknowledgedAndPresent) {
  constexpr int kThreads = 16;
  constexpr int kPerThread = 40;
  std::vector<std::vector<uint64_t>> versions(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Half the threads share the fixture's channel, half open their own.
      auto channel = t % 2 == 0 ? channel_ : testutil::Connect(server_->address());
      auto kv = v1::KV::NewStub(channel);
      for (int i = 0; i < kPerThread; ++i) {
        v1::KvPutRequest req;
        req.set_key("t" + std::to_string(t) + "/" + std::to_string(i));
        *req.mutable_value() = testutil::IntValue(t * 1000 + i);
        v1::WriteResponse resp;
        CallContext ctx(std::chrono::seconds(30));
        if (!kv->Put(ctx.get(), req, &resp).ok() || resp.version() == 0) {
          failures.fetch_add(1);
          continue;
        }
        versions[t].push_back(resp.version());
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);

  std::set<uint64_t> all;
  for (const auto& v : versions) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread)) << "every put has its own version";

  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      v1::KvGetResponse got = MustGet("t" + std::to_string(t) + "/" + std::to_string(i));
      ASSERT_TRUE(got.found());
      EXPECT_EQ(got.entry().value().int_value(), t * 1000 + i);
      EXPECT_EQ(got.entry().version(), versions[t][i]);
    }
  }
  v1::InfoResponse info;
  CallContext ctx;
  ASSERT_TRUE(admin_->Info(ctx.get(), v1::InfoRequest(), &info).ok());
  EXPECT_EQ(info.total_keys(), static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(info.current_version(), static_cast<uint64_t>(kThreads * kPerThread));
}

}  // namespace
}  // namespace strata

// grpc.health.v1.Health as stratad serves it (server/health_service.h): Check
// and Watch of the whole server, unknown names, a Watch ending at shutdown
// (gRPC's built-in service held it until the grace ran out), and a Watch its
// client cancels no longer holding the server up.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/testutil/grpc_client.h"
#include "tests/testutil/server_process.h"

namespace strata {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
using testutil::ServerProcess;
using testutil::TempDir;

HealthCheckRequest For(const std::string& service) {
  HealthCheckRequest req;
  req.set_service(service);
  return req;
}

class HealthServiceTest : public ::testing::Test {
 protected:
  // Starts stratad with --data-dir plus `extra`; false when it is not ready.
  bool Start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--data-dir", dir_.path() + "/db"};
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = std::make_unique<ServerProcess>(args);
    if (!server_->ready()) return false;
    health_ = Health::NewStub(testutil::Connect(server_->address()));
    return true;
  }

  grpc::Status Check(const std::string& service, HealthCheckResponse* resp) {
    grpc::ClientContext ctx;
    BoundDeadline(ctx);
    return health_->Check(&ctx, For(service), resp);
  }

  // A Watch of `service` whose first update has been read into `first`.
  std::unique_ptr<grpc::ClientReader<HealthCheckResponse>> Watch(grpc::ClientContext& ctx, const std::string& service,
                                                                 HealthCheckResponse* first) {
    BoundDeadline(ctx);
    auto stream = health_->Watch(&ctx, For(service));
    EXPECT_TRUE(stream->Read(first)) << "no first update";
    return stream;
  }

  static void BoundDeadline(grpc::ClientContext& ctx) {
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Health::Stub> health_;
};

TEST_F(HealthServiceTest, CheckOfTheWholeServerIsServing) {
  ASSERT_TRUE(Start());
  HealthCheckResponse resp;
  grpc::Status st = Check("", &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(resp.status(), HealthCheckResponse::SERVING);
}

TEST_F(HealthServiceTest, CheckOfAnUnknownServiceIsNotFoundAndNamesIt) {
  ASSERT_TRUE(Start());
  HealthCheckResponse resp;
  grpc::Status st = Check("strata.v1.Nothing", &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(st.error_message().find("strata.v1.Nothing"), std::string::npos) << st.error_message();
}

TEST_F(HealthServiceTest, WatchSendsServingThenNotServingAtShutdownAndEnds) {
  ASSERT_TRUE(Start());
  grpc::ClientContext ctx;
  HealthCheckResponse update;
  auto stream = Watch(ctx, "", &update);
  EXPECT_EQ(update.status(), HealthCheckResponse::SERVING);

  int exit_status = -1;
  std::thread stopper([&] { exit_status = server_->Stop(SIGTERM); });
  bool got_update = stream->Read(&update);
  bool more = got_update && stream->Read(&update);
  grpc::Status st = stream->Finish();
  stopper.join();
  ASSERT_TRUE(got_update) << "the stream ended without an update: " << st.error_message();
  EXPECT_EQ(update.status(), HealthCheckResponse::NOT_SERVING);
  EXPECT_FALSE(more) << "the stream goes on after NOT_SERVING";
  EXPECT_TRUE(st.ok()) << st.error_code() << " " << st.error_message();
  EXPECT_TRUE(WIFEXITED(exit_status) && WEXITSTATUS(exit_status) == 0) << exit_status;
}

TEST_F(HealthServiceTest, WatchOfAnUnknownServiceSaysServiceUnknown) {
  ASSERT_TRUE(Start());
  grpc::ClientContext ctx;
  HealthCheckResponse update;
  auto stream = Watch(ctx, "strata.v1.Nothing", &update);
  EXPECT_EQ(update.status(), HealthCheckResponse::SERVICE_UNKNOWN);
  ctx.TryCancel();
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

// An open Watch is a call in progress (the Python client's lease on a local
// server); once cancelled it must not keep an --idle-exit-ms server alive.
TEST_F(HealthServiceTest, ACancelledWatchLetsAnIdleServerExit) {
  ASSERT_TRUE(Start({"--idle-exit-ms", "300"}));
  {
    grpc::ClientContext ctx;
    HealthCheckResponse update;
    auto stream = Watch(ctx, "", &update);
    // Held past the idle limit: an open Watch is a call in progress.
    std::this_thread::sleep_for(std::chrono::milliseconds(900));
    EXPECT_EQ(kill(server_->pid(), 0), 0) << "the server exited while a Watch was open";
    ctx.TryCancel();
    stream->Finish();
  }
  // Signal 0 sends nothing: this waits (bounded) for the server to exit by itself.
  int status = server_->Stop(0, std::chrono::seconds(15));
  EXPECT_TRUE(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "the server did not exit by itself after the Watch was cancelled (waitpid status " << status << ")";
}

TEST_F(HealthServiceTest, WatchesBeyondTheLimitAreRefusedUntilOneCloses) {
  ASSERT_TRUE(Start({"--max-health-watches", "2"}));
  grpc::ClientContext first_ctx, second_ctx;
  HealthCheckResponse update;
  auto first = Watch(first_ctx, "", &update);
  auto second = Watch(second_ctx, "", &update);
  {
    grpc::ClientContext ctx;
    BoundDeadline(ctx);
    auto third = health_->Watch(&ctx, For(""));
    EXPECT_FALSE(third->Read(&update));
    grpc::Status st = third->Finish();
    EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_NE(st.error_message().find("--max-health-watches"), std::string::npos) << st.error_message();
  }
  HealthCheckResponse resp;
  EXPECT_TRUE(Check("", &resp).ok()) << "Check is not limited";
  first_ctx.TryCancel();
  first->Finish();
  // The cancelled one ends on the server within HealthService::kWatchPoll.
  bool admitted = false;
  for (int attempt = 0; attempt < 50 && !admitted; ++attempt) {
    grpc::ClientContext ctx;
    BoundDeadline(ctx);
    auto again = health_->Watch(&ctx, For(""));
    admitted = again->Read(&update);
    ctx.TryCancel();
    again->Finish();
    if (!admitted) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(admitted) << "a Watch was refused after one of the two closed";
  second_ctx.TryCancel();
  second->Finish();
}

}  // namespace
}  // namespace strata

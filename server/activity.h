// ActivityTracker: how many calls are in progress and since when none has been,
// so that stratad can exit once nobody has used it for a while (--idle-exit-ms).
// A server-streaming call such as grpc.health.v1.Health/Watch counts as in
// progress for as long as it is open: clients that want to keep an idle-exiting
// server alive hold one open (the Python client does for directory targets).
// Thread safety: every member may be called from any thread.
#pragma once

#include <grpcpp/support/server_interceptor.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

namespace strata::server {

class ActivityTracker {
 public:
  ActivityTracker();

  void CallStarted();
  void CallEnded();

  // How long no call has been in progress; zero while one is.
  std::chrono::milliseconds IdleFor() const;

 private:
  static int64_t NowMs();
  std::atomic<int64_t> in_progress_{0};
  // Steady-clock milliseconds of the last moment a call was in progress.
  std::atomic<int64_t> last_active_ms_;
};

// An interceptor factory that reports every call's start and end to `tracker`,
// which must outlive the server it is installed on. A call ends when gRPC
// destroys it: after its status is sent, or when it is cancelled (e.g. the
// client's connection closed).
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeActivityTracking(
    ActivityTracker& tracker);

}  // namespace strata::server

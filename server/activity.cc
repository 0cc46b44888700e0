#include "server/activity.h"

namespace strata::server {

ActivityTracker::ActivityTracker() : last_active_ms_(NowMs()) {}

int64_t ActivityTracker::NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void ActivityTracker::CallStarted() { in_progress_.fetch_add(1, std::memory_order_acq_rel); }

void ActivityTracker::CallEnded() {
  // Stamp before decrementing, so a reader that sees zero in progress also sees
  // this call's end time and never counts the call's own duration as idle.
  last_active_ms_.store(NowMs(), std::memory_order_release);
  in_progress_.fetch_sub(1, std::memory_order_acq_rel);
}

std::chrono::milliseconds ActivityTracker::IdleFor() const {
  if (in_progress_.load(std::memory_order_acquire) > 0) return std::chrono::milliseconds(0);
  int64_t idle = NowMs() - last_active_ms_.load(std::memory_order_acquire);
  return std::chrono::milliseconds(idle > 0 ? idle : 0);
}

namespace {

// Lives exactly as long as its call: gRPC creates it when the call arrives and
// deletes it with the call, whether the call finished or was cancelled.
class ActivityInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit ActivityInterceptor(ActivityTracker& tracker) : tracker_(tracker) { tracker_.CallStarted(); }
  ~ActivityInterceptor() override { tracker_.CallEnded(); }
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override { methods->Proceed(); }

 private:
  ActivityTracker& tracker_;
};

class ActivityInterceptorFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit ActivityInterceptorFactory(ActivityTracker& tracker) : tracker_(tracker) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo*) override {
    return new ActivityInterceptor(tracker_);
  }

 private:
  ActivityTracker& tracker_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeActivityTracking(
    ActivityTracker& tracker) {
  return std::make_unique<ActivityInterceptorFactory>(tracker);
}

}  // namespace strata::server

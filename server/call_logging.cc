#include "server/call_logging.h"

#include <spdlog/spdlog.h>

#include <string_view>

namespace strata::server {
namespace {

using grpc::experimental::InterceptionHookPoints;

constexpr std::string_view kHealthWatch = "/grpc.health.v1.Health/Watch";

class CallLogger final : public grpc::experimental::Interceptor {
 public:
  CallLogger(grpc::experimental::ServerRpcInfo* info, std::chrono::milliseconds slow_call)
      : info_(info), slow_call_(slow_call), start_(std::chrono::steady_clock::now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      auto elapsed = std::chrono::steady_clock::now() - start_;
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
      grpc::Status status = methods->GetSendStatus();
      // A health Watch stays open as long as its watcher wants (the Python
      // client holds one per handle on a local server): its length is no sign
      // of a slow server.
      if (elapsed >= slow_call_ && std::string_view(info_->method()) != kHealthWatch) {
        spdlog::warn("slow call {} took {} ms (status {})", info_->method(), us / 1000,
                     static_cast<int>(status.error_code()));
      } else if (spdlog::should_log(spdlog::level::debug)) {
        spdlog::debug("call {} status {} in {} us", info_->method(), static_cast<int>(status.error_code()), us);
      }
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* info_;
  std::chrono::milliseconds slow_call_;
  std::chrono::steady_clock::time_point start_;
};

class CallLoggerFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallLoggerFactory(std::chrono::milliseconds slow_call) : slow_call_(slow_call) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override {
    return new CallLogger(info, slow_call_);
  }

 private:
  std::chrono::milliseconds slow_call_;
};

}  // namespace

std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> MakeCallLogging(
    std::chrono::milliseconds slow_call) {
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> out;
  out.push_back(std::make_unique<CallLoggerFactory>(slow_call));
  return out;
}

}  // namespace strata::server

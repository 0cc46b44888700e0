#include "server/unparsable_requests.h"

#include <string>

#include "server/error_mapping.h"

namespace strata::server {
namespace {

using grpc::experimental::InterceptionHookPoints;

class UnparsableRequestInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit UnparsableRequestInterceptor(std::string method) : method_(std::move(method)) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    // The sync server hands a request that failed to deserialize to the
    // interceptors as a null message, then sends the parse failure's status.
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      unparsable_ = true;
    }
    if (unparsable_ && methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS) &&
        methods->GetSendStatus().error_code() == grpc::StatusCode::INTERNAL) {
      WireError wire = ToWireError(storage::Code::kInvalidArgument);
      methods->ModifySendStatus(grpc::Status(
          wire.code, "request to " + method_ +
                         " could not be parsed: a string field is not valid utf-8, a value is nested far deeper "
                         "than the limit of 128 levels, or the message is malformed"));
      methods->GetSendTrailingMetadata()->emplace(kReasonMetadataKey, wire.reason);
    }
    methods->Proceed();
  }

 private:
  std::string method_;
  bool unparsable_ = false;
};

class Factory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override {
    // Only calls with exactly one request: for client streams a null message
    // at POST_RECV_MESSAGE is the end of the stream.
    auto type = info->type();
    if (type != grpc::experimental::ServerRpcInfo::Type::UNARY &&
        type != grpc::experimental::ServerRpcInfo::Type::SERVER_STREAMING) {
      return nullptr;
    }
    return new UnparsableRequestInterceptor(info->method() != nullptr ? info->method() : "");
  }
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeUnparsableRequestMapping() {
  return std::make_unique<Factory>();
}

}  // namespace strata::server

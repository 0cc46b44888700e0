// Client-side helpers for e2e tests: a connected channel, per-call contexts
// with a deadline, the strata-reason trailer, raw calls by method name, and
// builders for wire Values.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "strata/v1/value.pb.h"

namespace strata::testutil {

// An insecure channel to `address`, connected within `timeout` (the test fails
// with ADD_FAILURE otherwise).
std::shared_ptr<grpc::Channel> Connect(const std::string& address,
                                       std::chrono::milliseconds timeout = std::chrono::seconds(10));

// One call's ClientContext with a deadline, so no call can hang a test.
class CallContext {
 public:
  explicit CallContext(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  grpc::ClientContext* get() { return &context_; }
  // The "strata-reason" trailing metadata of a finished call ("" when absent).
  std::string reason() const;

 private:
  grpc::ClientContext context_;
};

// A unary call by full method name ("/pkg.Service/Method") with raw request
// bytes; fills the raw response bytes. Bounded by `timeout`. `metadata` is
// sent with the call (e.g. {"authorization", "Bearer <token>"}).
grpc::Status RawUnaryCall(grpc::Channel& channel, const std::string& method, const std::string& request,
                          std::string* response, std::string* reason = nullptr,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10),
                          const std::vector<std::pair<std::string, std::string>>& metadata = {});

// grpc.health.v1.Health/Check for `service`; returns the status enum
// (1 = SERVING) or -1 when the call failed.
int HealthCheck(grpc::Channel& channel, const std::string& service = "");

// Wire value builders.
v1::Value NullValue();
v1::Value BoolValue(bool b);
v1::Value IntValue(int64_t i);
v1::Value FloatValue(double d);
v1::Value StringValue(const std::string& s);
v1::Value BytesValue(const std::string& b);
v1::Value ArrayValue(std::vector<v1::Value> items);
v1::Value ObjectValue(std::vector<std::pair<std::string, v1::Value>> entries);
// `depth` arrays nested inside one another around an int.
v1::Value NestedArrays(int depth);

}  // namespace strata::testutil

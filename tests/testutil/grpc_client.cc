#include "tests/testutil/grpc_client.h"

#include <grpcpp/generic/generic_stub.h>

#include <gtest/gtest.h>

namespace strata::testutil {

std::shared_ptr<grpc::Channel> Connect(const std::string& address, std::chrono::milliseconds timeout) {
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + timeout)) {
    ADD_FAILURE() << "could not connect to " << address << " within " << timeout.count() << " ms";
  }
  return channel;
}

CallContext::CallContext(std::chrono::milliseconds timeout) {
  context_.set_deadline(std::chrono::system_clock::now() + timeout);
}

std::string CallContext::reason() const {
  const auto& trailers = context_.GetServerTrailingMetadata();
  auto it = trailers.find("strata-reason");
  return it == trailers.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

grpc::Status RawUnaryCall(grpc::Channel& channel, const std::string& method, const std::string& request,
                          std::string* response, std::string* reason, std::chrono::milliseconds timeout,
                          const std::vector<std::pair<std::string, std::string>>& metadata) {
  // The stub keeps a shared_ptr; the channel outlives the call here.
  std::shared_ptr<grpc::Channel> ch(&channel, [](grpc::Channel*) {});
  grpc::GenericStub stub(ch);
  CallContext context(timeout);
  for (const auto& [key, value] : metadata) context.get()->AddMetadata(key, value);
  grpc::Slice slice(request);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  grpc::CompletionQueue cq;
  auto call = stub.PrepareUnaryCall(context.get(), method, request_buffer, &cq);
  grpc::Status status;
  call->StartCall();
  call->Finish(&response_buffer, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  // The deadline bounds this wait: the call always completes by then.
  if (!cq.Next(&tag, &ok)) return grpc::Status(grpc::StatusCode::INTERNAL, "completion queue shut down");
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  if (response != nullptr) {
    response->clear();
    std::vector<grpc::Slice> slices;
    if (status.ok() && response_buffer.Dump(&slices).ok()) {
      for (const auto& s : slices) response->append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
  }
  if (reason != nullptr) *reason = context.reason();
  return status;
}

int HealthCheck(grpc::Channel& channel, const std::string& service) {
  // HealthCheckRequest { string service = 1; }
  std::string request;
  if (!service.empty()) {
    request.push_back(0x0a);
    request.push_back(static_cast<char>(service.size()));  // tests use short names
    request += service;
  }
  std::string response;
  grpc::Status st = RawUnaryCall(channel, "/grpc.health.v1.Health/Check", request, &response);
  if (!st.ok()) return -1;
  // HealthCheckResponse { ServingStatus status = 1; }: an empty message is UNKNOWN (0).
  if (response.empty()) return 0;
  if (response.size() != 2 || response[0] != 0x08) return -1;
  return static_cast<unsigned char>(response[1]);
}

v1::Value NullValue() {
  v1::Value v;
  v.set_null_value(v1::NULL_VALUE);
  return v;
}
v1::Value BoolValue(bool b) {
  v1::Value v;
  v.set_bool_value(b);
  return v;
}
v1::Value IntValue(int64_t i) {
  v1::Value v;
  v.set_int_value(i);
  return v;
}
v1::Value FloatValue(double d) {
  v1::Value v;
  v.set_float_value(d);
  return v;
}
v1::Value StringValue(const std::string& s) {
  v1::Value v;
  v.set_string_value(s);
  return v;
}
v1::Value BytesValue(const std::string& b) {
  v1::Value v;
  v.set_bytes_value(b);
  return v;
}
v1::Value ArrayValue(std::vector<v1::Value> items) {
  v1::Value v;
  auto* arr = v.mutable_array_value();
  for (auto& item : items) *arr->add_items() = std::move(item);
  return v;
}
v1::Value ObjectValue(std::vector<std::pair<std::string, v1::Value>> entries) {
  v1::Value v;
  auto* obj = v.mutable_object_value();
  for (auto& [key, value] : entries) {
    auto* entry = obj->add_entries();
    entry->set_key(key);
    *entry->mutable_value() = std::move(value);
  }
  return v;
}
v1::Value NestedArrays(int depth) {
  v1::Value v = IntValue(7);
  for (int i = 0; i < depth; ++i) v = ArrayValue({std::move(v)});
  return v;
}

}  // namespace strata::testutil

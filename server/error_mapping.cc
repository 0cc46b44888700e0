#include "server/error_mapping.h"

namespace strata::server {
namespace {

struct Mapping {
  storage::Code code;
  grpc::StatusCode grpc_code;
  const char* reason;
};

// spec/api.md §14. The reason lets clients tell apart errors that share a code
// (StateError and ConstraintError are both FAILED_PRECONDITION).
constexpr Mapping kTable[] = {
    {storage::Code::kNotFound, grpc::StatusCode::NOT_FOUND, "not_found"},
    {storage::Code::kInvalidArgument, grpc::StatusCode::INVALID_ARGUMENT, "validation"},
    {storage::Code::kConflict, grpc::StatusCode::ABORTED, "conflict"},
    {storage::Code::kAlreadyExists, grpc::StatusCode::ALREADY_EXISTS, "constraint"},
    {storage::Code::kConstraint, grpc::StatusCode::FAILED_PRECONDITION, "constraint"},
    {storage::Code::kStateError, grpc::StatusCode::FAILED_PRECONDITION, "state"},
    {storage::Code::kResourceExhausted, grpc::StatusCode::RESOURCE_EXHAUSTED, "constraint"},
    {storage::Code::kInternal, grpc::StatusCode::INTERNAL, "io"},
    {storage::Code::kUnimplemented, grpc::StatusCode::UNIMPLEMENTED, "unimplemented"},
    {storage::Code::kUnauthenticated, grpc::StatusCode::UNAUTHENTICATED, "access_denied"},
    {storage::Code::kPermissionDenied, grpc::StatusCode::PERMISSION_DENIED, "access_denied"},
};

}  // namespace

WireError ToWireError(storage::Code code) {
  for (const Mapping& m : kTable) {
    if (m.code == code) return WireError{m.grpc_code, m.reason};
  }
  return WireError{grpc::StatusCode::INTERNAL, "io"};
}

namespace {

// The message travels percent-encoded in a trailer, and gRPC clients refuse
// trailers over 16 KiB (the call then fails RESOURCE_EXHAUSTED, reason lost):
// a message quoting a 20,000-byte input whole did that.
constexpr size_t kMaxMessageBytes = 2048;

std::string Bounded(const std::string& message) {
  if (message.size() <= kMaxMessageBytes) return message;
  size_t cut = kMaxMessageBytes;
  while (cut > 0 && (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 sequence
  return message.substr(0, cut) + "... (" + std::to_string(message.size()) + " bytes in all)";
}

}  // namespace

grpc::Status ToGrpc(grpc::ServerContext* context, const storage::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  WireError wire = ToWireError(status.code());
  if (context != nullptr) context->AddTrailingMetadata(kReasonMetadataKey, wire.reason);
  return grpc::Status(wire.code, Bounded(status.message()));
}

grpc::Status InvalidArgument(grpc::ServerContext* context, const std::string& message) {
  return ToGrpc(context, storage::Status::InvalidArgument(message));
}

}  // namespace strata::server

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
};

}  // namespace

grpc::Status ToGrpc(grpc::ServerContext* context, const storage::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  for (const Mapping& m : kTable) {
    if (m.code == status.code()) {
      if (context != nullptr) context->AddTrailingMetadata(kReasonMetadataKey, m.reason);
      return grpc::Status(m.grpc_code, status.message());
    }
  }
  if (context != nullptr) context->AddTrailingMetadata(kReasonMetadataKey, "io");
  return grpc::Status(grpc::StatusCode::INTERNAL, status.message());
}

grpc::Status InvalidArgument(grpc::ServerContext* context, const std::string& message) {
  return ToGrpc(context, storage::Status::InvalidArgument(message));
}

}  // namespace strata::server

#include "server/access_check.h"

#include <grpc/slice.h>

#include <cctype>

#include <string>

#include "server/error_mapping.h"
#include "server/method_roles.h"

namespace strata::server {
namespace {

constexpr std::string_view kBearer = "bearer ";

std::string_view View(const grpc_slice& slice) {
  return std::string_view(reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(slice)), GRPC_SLICE_LENGTH(slice));
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

struct ProcessorState {
  std::shared_ptr<const TokenTable> tokens;
  AccessDeniedObserver on_denied;
};

void Process(void* state, grpc_auth_context* /*context*/, const grpc_metadata* md, size_t num_md,
             grpc_process_auth_metadata_done_cb done, void* user_data) {
  auto* self = static_cast<ProcessorState*>(state);
  std::string_view method;
  std::optional<std::string_view> authorization;
  const grpc_metadata* authorization_md = nullptr;
  for (size_t i = 0; i < num_md; ++i) {
    std::string_view key = View(md[i].key);
    if (key == ":path") {
      method = View(md[i].value);
    } else if (key == "authorization") {
      authorization = View(md[i].value);
      authorization_md = &md[i];
    }
  }
  storage::Status decision = CheckAccess(*self->tokens, method, authorization);
  if (decision.ok()) {
    done(user_data, authorization_md, authorization_md == nullptr ? 0 : 1, nullptr, 0, GRPC_STATUS_OK, nullptr);
    return;
  }
  WireError wire = ToWireError(decision.code());
  if (self->on_denied) self->on_denied(method, wire.code);
  done(user_data, nullptr, 0, nullptr, 0, static_cast<grpc_status_code>(wire.code), decision.message().c_str());
}

void Destroy(void* state) { delete static_cast<ProcessorState*>(state); }

}  // namespace

storage::Status CheckAccess(const TokenTable& tokens, std::string_view method,
                            std::optional<std::string_view> authorization) {
  if (IsOpenMethod(method)) return storage::Status::Ok();
  if (!authorization) {
    return storage::Status::Unauthenticated(
        "access denied: this server requires a token (send metadata \"authorization: Bearer <token>\")");
  }
  if (!StartsWithNoCase(*authorization, kBearer)) {
    return storage::Status::Unauthenticated("access denied: the authorization metadata must be \"Bearer <token>\"");
  }
  std::optional<Role> role = tokens.Authenticate(authorization->substr(kBearer.size()));
  if (!role) return storage::Status::Unauthenticated("access denied: unknown token");
  std::optional<Role> needed = RequiredRole(method);
  if (!needed) {
    return storage::Status::PermissionDenied("access denied: " + std::string(method) +
                                             " is not in the server's access table");
  }
  if (*role < *needed) {
    return storage::Status::PermissionDenied("access denied: " + std::string(method) + " needs the " +
                                             std::string(RoleName(*needed)) + " role; this token has " +
                                             std::string(RoleName(*role)));
  }
  return storage::Status::Ok();
}

void InstallAccessCheck(grpc_server_credentials* creds, std::shared_ptr<const TokenTable> tokens,
                        AccessDeniedObserver on_denied) {
  grpc_auth_metadata_processor processor;
  processor.process = Process;
  processor.destroy = Destroy;
  processor.state = new ProcessorState{std::move(tokens), std::move(on_denied)};
  grpc_server_credentials_set_auth_metadata_processor(creds, processor);
}

}  // namespace strata::server

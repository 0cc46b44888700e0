// What every data-plane handler does with a request's Context, as_of and
// cursors, so each handler stays a few lines of shape checks and conversion.
#pragma once

#include <grpcpp/grpcpp.h>

#include <optional>
#include <string>

#include "storage/engine_core.h"
#include "storage/status.h"
#include "strata/v1/value.pb.h"

namespace strata::server {

// The storage scope of a request, with the transaction it joins (storage
// resolves the id: an unknown or expired one is NOT_FOUND, never autocommit).
storage::Result<storage::Scope> ScopeOf(const v1::Context& context);

// An opaque page cursor that resumes listing after `last_name`.
std::string EncodeCursor(const std::string& last_name);
// kInvalidArgument for a cursor this server did not produce.
storage::Result<std::optional<std::string>> DecodeCursor(const std::string& cursor);

// A request's optional as_of field.
inline std::optional<int64_t> AsOf(bool has, int64_t value) {
  return has ? std::optional<int64_t>(value) : std::nullopt;
}

// Page size: 0 means the default (1000); more than 10000 is an error.
storage::Result<size_t> PageLimit(uint32_t requested);

}  // namespace strata::server

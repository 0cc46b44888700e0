// Conversion between the wire's strata.v1.Value and storage's Value, enforcing
// the limits of spec/api.md §2 (depth, string size, duplicate object keys).
#pragma once

#include "storage/status.h"
#include "storage/value.h"
#include "strata/v1/value.pb.h"

namespace strata::server {

// Fails with kInvalidArgument naming the limit or problem. An unset Value is null.
storage::Result<storage::Value> FromProto(const v1::Value& in);

// Never fails for values that came through FromProto or storage.
void ToProto(const storage::Value& in, v1::Value* out);

}  // namespace strata::server

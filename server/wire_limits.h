// Protobuf's parser refuses messages nested more than 100 deep, and gRPC C++
// parses requests with that default, which cannot be configured. A Value nested
// 128 containers deep (spec/api.md §2) is about 3 messages per level on the
// wire, so the default would answer a legal request with a bare INTERNAL error.
#pragma once

namespace strata::server {

// The recursion limit requests are parsed with. 128 nested object values need
// about 3 * 128 (Value -> ObjectValue -> ObjectEntry per level); the headroom
// lets a request nested up to about 1300 levels reach value_convert, which
// answers INVALID_ARGUMENT naming the limit. Parsing stays far from the stack's
// size (a parse frame is a few hundred bytes). Deeper still is refused by the
// parser itself (INTERNAL, before any handler runs).
inline constexpr int kWireRecursionLimit = 4096;

// Raises protobuf's process-wide default recursion limit to kWireRecursionLimit.
// Call before the server starts; depth beyond 128 is then refused by
// value_convert with INVALID_ARGUMENT naming the limit.
void AllowDeepRequests();

}  // namespace strata::server

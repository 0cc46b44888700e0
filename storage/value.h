// The stored value model and its one on-disk codec (CBOR). Storage keeps values
// as nlohmann::ordered_json so object key order survives, ints stay ints and
// bytes stay bytes; the wire format is converted to and from this in server/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "storage/status.h"

namespace strata::storage {

using Value = nlohmann::ordered_json;

// Limits from spec/api.md §2.
inline constexpr size_t kMaxNestingDepth = 128;
inline constexpr size_t kMaxStringBytes = 16u << 20;

// Encodes a value as CBOR (on disk: never change the codec without a format bump).
std::string EncodeValue(const Value& value);

// Decodes CBOR written by EncodeValue. Fails with kInternal on corrupt input.
Result<Value> DecodeValue(std::string_view bytes);

}  // namespace strata::storage

#include "server/json_size_check.h"

#include <algorithm>
#include <string>

#include "server/response_budget.h"
#include "server/value_convert.h"
#include "storage/names.h"
#include "strata/v1/value.pb.h"

namespace strata::server {
namespace {

// What an answer adds around a document: VersionedValue's version,
// timestamp and deleted flag and the value's framing, JsonGetResponse's found
// flag and the entry's framing (together under 40 bytes).
constexpr size_t kEntryEnvelope = 64;

// A document's protobuf form is at most this many times its stored (CBOR)
// size plus kNestingSlack: per element, tag and length framing (4 bytes
// where CBOR may take 1) and a negative int64's 10-byte varint (13 where CBOR
// takes 1); each of at most 128 nesting levels adds a few framing bytes.
// Documents that small fit for certain and are not converted to find out.
constexpr size_t kWireExpansion = 16;
constexpr size_t kNestingSlack = 4096;

}  // namespace

storage::JsonDocumentCheck JsonAnswerCheck(size_t max_message_bytes) {
  return [max_message_bytes](std::string_view key, const storage::Value& document,
                             size_t encoded_bytes) -> storage::Status {
    if (encoded_bytes <= (max_message_bytes - std::min(max_message_bytes, kNestingSlack)) / kWireExpansion) {
      return storage::Status::Ok();
    }
    v1::Value wire;
    ToProto(document, &wire);
    size_t bytes = wire.ByteSizeLong() + kEntryEnvelope;
    // The same budget json Get and History answer within.
    if (ResponseBudget(max_message_bytes).Take(bytes)) return storage::Status::Ok();
    return storage::Status::ResourceExhausted(
        "json document " + storage::QuoteName(key) + " would be " + std::to_string(bytes) +
        " bytes on the wire with this update, more than one answer may carry under this server's "
        "--max-message-size of " + std::to_string(max_message_bytes) +
        " bytes, so it could not be read back whole; nothing was written (keep large parts in documents of "
        "their own)");
  };
}

}  // namespace strata::server

#include "storage/value.h"

namespace strata::storage {

std::string EncodeValue(const Value& value) {
  std::string out;
  Value::to_cbor(value, out);
  return out;
}

Result<Value> DecodeValue(std::string_view bytes) {
  // Not allowing exceptions out of the parser: a corrupt record is a status.
  Value v = Value::from_cbor(bytes.begin(), bytes.end(), /*strict=*/true,
                             /*allow_exceptions=*/false,
                             Value::cbor_tag_handler_t::error);
  if (v.is_discarded()) return Status::Internal("corrupt stored value (cbor decode failed)");
  return v;
}

}  // namespace strata::storage

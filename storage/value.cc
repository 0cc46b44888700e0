#include "storage/value.h"

#include <exception>

namespace strata::storage {
namespace {

// Stored values nest at most kMaxNestingDepth containers; anything much deeper
// is corrupt (or a crafted bundle) and would otherwise recurse in the CBOR
// reader until the stack overflows.
constexpr size_t kMaxDecodeDepth = 4 * kMaxNestingDepth;

// nlohmann's DOM builder, refusing input nested deeper than kMaxDecodeDepth.
// (The reader calls these statically: hiding the base's methods is enough.)
class DepthLimitedSax : public nlohmann::detail::json_sax_dom_parser<Value> {
 public:
  using Base = nlohmann::detail::json_sax_dom_parser<Value>;
  explicit DepthLimitedSax(Value& out) : Base(out, /*allow_exceptions=*/false) {}
  bool start_object(std::size_t n) { return ++depth_ <= kMaxDecodeDepth && Base::start_object(n); }
  bool end_object() {
    --depth_;
    return Base::end_object();
  }
  bool start_array(std::size_t n) { return ++depth_ <= kMaxDecodeDepth && Base::start_array(n); }
  bool end_array() {
    --depth_;
    return Base::end_array();
  }

 private:
  size_t depth_ = 0;
};

}  // namespace

std::string EncodeValue(const Value& value) {
  std::string out;
  Value::to_cbor(value, out);
  return out;
}

Result<Value> DecodeValue(std::string_view bytes) {
  // A corrupt record is a status, never an exception or a crash: the DOM
  // builder throws out_of_range for a declared size beyond max_size() even
  // with exceptions disabled, hence the catch.
  Value v;
  DepthLimitedSax sax(v);
  bool ok = false;
  try {
    ok = Value::sax_parse(bytes.begin(), bytes.end(), &sax, Value::input_format_t::cbor, /*strict=*/true);
  } catch (const std::exception&) {
    ok = false;
  }
  if (!ok) return Status::Internal("corrupt stored value (cbor decode failed)");
  return v;
}

}  // namespace strata::storage

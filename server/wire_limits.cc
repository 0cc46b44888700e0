#include "server/wire_limits.h"

#include <google/protobuf/io/coded_stream.h>

namespace strata::server {
namespace {

// protobuf 3.21 keeps the default in a private static with no setter. An
// explicit template instantiation may name a private member (C++ [temp.spec]),
// which gives us its address without patching the library.
int* DefaultRecursionLimit();
template <int* Limit>
struct RecursionLimitAccess {
  friend int* DefaultRecursionLimit() { return Limit; }
};
template struct RecursionLimitAccess<&google::protobuf::io::CodedInputStream::default_recursion_limit_>;

}  // namespace

void AllowDeepRequests() {
  int* limit = DefaultRecursionLimit();
  if (*limit < kWireRecursionLimit) *limit = kWireRecursionLimit;
}

}  // namespace strata::server

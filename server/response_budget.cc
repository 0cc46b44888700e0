#include "server/response_budget.h"

namespace strata::server {

namespace {

// Room for the answer's other fields (exists, more) and its framing.
constexpr size_t kHeadroom = 1024;
// An element's tag and length prefix (at most 1 + 10 bytes).
constexpr size_t kElementFraming = 11;

}  // namespace

ResponseBudget::ResponseBudget(size_t max_message_bytes)
    : left_(max_message_bytes > kHeadroom ? max_message_bytes - kHeadroom : 0) {}

bool ResponseBudget::Take(size_t element_bytes) {
  size_t cost = element_bytes + kElementFraming;
  if (cost > left_) return false;
  left_ -= cost;
  return true;
}

storage::Status TooLargeToAnswer(const std::string& what, size_t element_bytes, size_t max_message_bytes) {
  return storage::Status::ResourceExhausted(what + " is " + std::to_string(element_bytes) +
                                            " bytes on the wire, more than one answer may carry under this "
                                            "server's --max-message-size of " +
                                            std::to_string(max_message_bytes) + " bytes");
}

}  // namespace strata::server

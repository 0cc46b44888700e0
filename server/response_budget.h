// ResponseBudget: how many elements of a repeated field fit in one answer
// within the server's --max-message-size. A long history or a page of large
// events is then split into pages (the message says `more`) instead of failing
// in gRPC with "Sent message larger than max".
// Thread safety: one budget per answer being built.
#pragma once

#include <cstddef>
#include <string>

#include <google/protobuf/message.h>

#include "storage/status.h"

namespace strata::server {

class ResponseBudget {
 public:
  explicit ResponseBudget(size_t max_message_bytes);

  // Counts an element whose own serialized size is `element_bytes`; false
  // (counting nothing) when it would take the answer past the limit.
  bool Take(size_t element_bytes);

 private:
  size_t left_;
};

// The error for one element too large for any answer (possible only when
// --max-message-size is below the largest value or document).
storage::Status TooLargeToAnswer(const std::string& what, size_t element_bytes, size_t max_message_bytes);

// Ok when `answer` fits in one message of `max_message_bytes`; else
// TooLargeToAnswer naming it as what(). `what` is called only then: the
// check runs on every search, the name is needed once in a great while.
template <typename NameOf>
storage::Status FitsOneAnswer(const google::protobuf::Message& answer, size_t max_message_bytes, NameOf what) {
  size_t bytes = answer.ByteSizeLong();
  if (bytes <= max_message_bytes) return storage::Status::Ok();
  return TooLargeToAnswer(what(), bytes, max_message_bytes);
}

// Adds one message to the repeated `field` per item of [first, last), filled
// by fill(item, message), while they fit within `max_message_bytes`. Returns
// whether items were left out; TooLargeToAnswer, naming the item by
// name_of(item), when not even the first fits.
template <typename It, typename Field, typename Fill, typename NameOf>
storage::Result<bool> AddWithinBudget(It first, It last, size_t max_message_bytes, Field* field, Fill fill,
                                      NameOf name_of) {
  ResponseBudget budget(max_message_bytes);
  for (It it = first; it != last; ++it) {
    auto* added = field->Add();
    fill(*it, added);
    size_t bytes = added->ByteSizeLong();
    if (budget.Take(bytes)) continue;
    field->RemoveLast();
    if (field->empty()) return TooLargeToAnswer(name_of(*it), bytes, max_message_bytes);
    return true;
  }
  return false;
}

// As AddWithinBudget, for answers that must be sent whatever their size (a
// committed merge's conflicts) or that can do without the values: an item too
// large with its values is kept slimmed by slim(message) (values cleared),
// and only when not even that fits are it and every later item left out.
// Returns how many items were left out.
template <typename It, typename Field, typename Fill, typename Slim>
size_t AddSlimmingToFit(It first, It last, size_t max_message_bytes, Field* field, Fill fill, Slim slim) {
  ResponseBudget budget(max_message_bytes);
  for (It it = first; it != last; ++it) {
    auto* added = field->Add();
    fill(*it, added);
    if (budget.Take(added->ByteSizeLong())) continue;
    slim(added);
    if (budget.Take(added->ByteSizeLong())) continue;
    field->RemoveLast();
    return static_cast<size_t>(last - it);
  }
  return 0;
}

}  // namespace strata::server

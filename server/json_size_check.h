// JsonAnswerCheck: the storage hook (storage/json_store.h) by which stratad
// refuses a JSON write that would make a document too large to send back in
// one answer under its --max-message-size. Whole documents arrive within a
// request's own limit, but path updates can grow one past it, and such a
// document could then be read only by path (server/json_service.cc). Like
// MongoDB's document size limit: the write that would cross the line fails,
// saying why, and nothing is stored.
#pragma once

#include <cstddef>

#include "storage/json_store.h"

namespace strata::server {

storage::JsonDocumentCheck JsonAnswerCheck(size_t max_message_bytes);

}  // namespace strata::server

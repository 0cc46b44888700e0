#include "server/responses.h"

#include <algorithm>

#include "server/request_context.h"
#include "server/response_budget.h"
#include "server/value_convert.h"

namespace strata::server {

void ToProto(const storage::VersionedValue& in, v1::VersionedValue* out) {
  if (!in.deleted) ToProto(in.value, out->mutable_value());
  out->set_version(in.version);
  out->set_timestamp(in.timestamp);
  out->set_deleted(in.deleted);
}

void FillNames(const storage::NamePage& page, v1::NameList* out) {
  for (const auto& name : page.names) out->add_names(name);
  if (page.has_more) out->set_next_cursor(EncodeCursor(page.names.back()));
}

storage::Status FillHistory(const std::optional<std::vector<storage::VersionedValue>>& history,
                            uint64_t before_version, size_t max_message_bytes, v1::HistoryResponse* out) {
  out->set_exists(history.has_value());
  if (!history.has_value()) return storage::Status::Ok();
  // Newest first: the page starts at the first entry older than before_version.
  auto first = std::find_if(history->begin(), history->end(), [&](const storage::VersionedValue& entry) {
    return before_version == 0 || entry.version < before_version;
  });
  auto more = AddWithinBudget(
      first, history->end(), max_message_bytes, out->mutable_entries(),
      [](const storage::VersionedValue& entry, v1::VersionedValue* added) { ToProto(entry, added); },
      [](const storage::VersionedValue& entry) { return "version " + std::to_string(entry.version); });
  if (!more.ok()) return more.status();
  out->set_more(*more);
  return storage::Status::Ok();
}

}  // namespace strata::server

#include "server/responses.h"

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

storage::HistoryRange HistoryPageRange(uint64_t before_version) {
  return storage::HistoryRange{before_version, kHistoryPageEntries + 1};
}

storage::Status FillHistory(const std::optional<std::vector<storage::VersionedValue>>& history,
                            size_t max_message_bytes, v1::HistoryResponse* out) {
  out->set_exists(history.has_value());
  if (!history.has_value()) return storage::Status::Ok();
  auto end = history->size() > kHistoryPageEntries ? history->begin() + kHistoryPageEntries : history->end();
  auto cut = AddWithinBudget(
      history->begin(), end, max_message_bytes, out->mutable_entries(),
      [](const storage::VersionedValue& entry, v1::VersionedValue* added) { ToProto(entry, added); },
      [](const storage::VersionedValue& entry) { return "version " + std::to_string(entry.version); });
  if (!cut.ok()) return cut.status();
  out->set_more(*cut || end != history->end());
  return storage::Status::Ok();
}

}  // namespace strata::server

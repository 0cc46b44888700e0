#include "server/responses.h"

#include "server/request_context.h"
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

void FillHistory(const std::optional<std::vector<storage::VersionedValue>>& history, v1::HistoryResponse* out) {
  out->set_exists(history.has_value());
  if (!history.has_value()) return;
  for (const auto& entry : *history) ToProto(entry, out->add_entries());
}

}  // namespace strata::server

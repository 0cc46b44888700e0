// Conversions of storage results into the wire messages several services share.
#pragma once

#include <optional>
#include <vector>

#include "storage/record_store.h"
#include "storage/versioned_names.h"
#include "strata/v1/kv.pb.h"
#include "strata/v1/value.pb.h"

namespace strata::server {

void ToProto(const storage::VersionedValue& in, v1::VersionedValue* out);

// Names of a page, with an opaque cursor when more follow.
void FillNames(const storage::NamePage& page, v1::NameList* out);

void FillHistory(const std::optional<std::vector<storage::VersionedValue>>& history, v1::HistoryResponse* out);

}  // namespace strata::server

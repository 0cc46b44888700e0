// Conversion of the Vectors service's wire shapes (vectors, metrics, filters,
// entries, matches) to and from storage's.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "storage/status.h"
#include "storage/vector_store.h"
#include "strata/v1/vectors.pb.h"

namespace strata::server {

// Exactly one of values / f32le; `what` names it in errors ("vector", "query 3").
storage::Result<std::vector<float>> FromProto(const v1::Vector& in, std::string_view what);
void ToProto(const std::vector<float>& in, bool as_values, v1::Vector* out);

// METRIC_UNSPECIFIED is nullopt; an unknown number is kInvalidArgument.
storage::Result<std::optional<storage::Metric>> MetricFromProto(int metric);
v1::Metric MetricToProto(storage::Metric metric);

storage::Result<std::vector<storage::Filter>> FiltersFromProto(
    const google::protobuf::RepeatedPtrField<v1::Filter>& in);

storage::Result<storage::VectorInput> EntryFromProto(const v1::VectorEntry& in, std::string_view what);

void ToProto(const storage::VectorMatch& in, v1::SearchMatch* out);
void ToProto(const storage::CollectionInfo& in, v1::CollectionInfo* out);

}  // namespace strata::server

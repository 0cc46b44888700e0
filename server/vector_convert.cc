#include "server/vector_convert.h"

#include "server/value_convert.h"

namespace strata::server {

using storage::Result;
using storage::Status;

Result<std::vector<float>> FromProto(const v1::Vector& in, std::string_view what) {
  bool has_values = in.values_size() > 0;
  bool has_bytes = !in.f32le().empty();
  std::string w(what);
  if (has_values && has_bytes) return Status::InvalidArgument(w + " sets both values and f32le; send exactly one");
  if (has_values) return std::vector<float>(in.values().begin(), in.values().end());
  if (!has_bytes) return Status::InvalidArgument(w + " is missing (set values or f32le)");
  const std::string& bytes = in.f32le();
  if (bytes.size() % 4 != 0) {
    return Status::InvalidArgument(w + " f32le holds " + std::to_string(bytes.size()) +
                                   " bytes, not a multiple of 4");
  }
  return storage::DecodeF32le(bytes);
}

void ToProto(const std::vector<float>& in, bool as_values, v1::Vector* out) {
  if (as_values) {
    out->mutable_values()->Assign(in.begin(), in.end());
    return;
  }
  std::string* bytes = out->mutable_f32le();
  bytes->clear();
  storage::AppendF32le(*bytes, in);
}

Result<std::optional<storage::Metric>> MetricFromProto(int metric) {
  switch (metric) {
    case v1::METRIC_UNSPECIFIED: return std::optional<storage::Metric>();
    case v1::METRIC_COSINE: return std::optional<storage::Metric>(storage::Metric::kCosine);
    case v1::METRIC_EUCLIDEAN: return std::optional<storage::Metric>(storage::Metric::kEuclidean);
    case v1::METRIC_DOT_PRODUCT: return std::optional<storage::Metric>(storage::Metric::kDotProduct);
    default: return Status::InvalidArgument("unknown metric " + std::to_string(metric));
  }
}

v1::Metric MetricToProto(storage::Metric metric) {
  switch (metric) {
    case storage::Metric::kCosine: return v1::METRIC_COSINE;
    case storage::Metric::kEuclidean: return v1::METRIC_EUCLIDEAN;
    case storage::Metric::kDotProduct: return v1::METRIC_DOT_PRODUCT;
  }
  return v1::METRIC_UNSPECIFIED;
}

Result<std::vector<storage::Filter>> FiltersFromProto(const google::protobuf::RepeatedPtrField<v1::Filter>& in) {
  std::vector<storage::Filter> out;
  out.reserve(in.size());
  for (int i = 0; i < in.size(); ++i) {
    auto value = server::FromProto(in[i].value());
    if (!value.ok()) {
      return Status::InvalidArgument("filter " + std::to_string(i) + ": value: " + value.status().message());
    }
    auto f = storage::ParseFilter(in[i].field(), in[i].op(), std::move(value).value(), i);
    if (!f.ok()) return f.status();
    // An unset value would read as null: "eq null" must be asked for explicitly.
    if (!in[i].has_value()) return Status::InvalidArgument("filter " + std::to_string(i) + ": value is missing");
    out.push_back(std::move(f).value());
  }
  return out;
}

Result<storage::VectorInput> EntryFromProto(const v1::VectorEntry& in, std::string_view what) {
  storage::VectorInput out;
  out.key = in.key();
  auto values = FromProto(in.vector(), std::string(what).empty() ? "vector" : std::string(what) + ": vector");
  if (!values.ok()) return values.status();
  out.values = std::move(values).value();
  if (in.has_metadata()) {
    auto metadata = server::FromProto(in.metadata());
    if (!metadata.ok()) {
      std::string prefix = std::string(what).empty() ? "" : std::string(what) + ": ";
      return Status::InvalidArgument(prefix + "metadata: " + metadata.status().message());
    }
    if (!metadata->is_null()) out.metadata = std::move(metadata).value();
  }
  return out;
}

void ToProto(const storage::VectorMatch& in, v1::SearchMatch* out) {
  out->set_key(in.key);
  out->set_score(in.score);
  out->set_distance(in.distance);
  if (!in.metadata.is_null()) ToProto(in.metadata, out->mutable_metadata());
}

void ToProto(const storage::CollectionInfo& in, v1::CollectionInfo* out) {
  out->set_name(in.name);
  out->set_dimension(in.config.dimension);
  out->set_metric(MetricToProto(in.config.metric));
  out->set_count(in.count);
  out->set_index_type("hnsw");
  out->set_memory_bytes(in.memory_bytes);
  out->set_m(in.config.m);
  out->set_ef_construction(in.config.ef_construction);
}

}  // namespace strata::server

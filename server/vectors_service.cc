#include "server/vectors_service.h"

#include "server/error_mapping.h"
#include "server/response_budget.h"
#include "server/request_context.h"
#include "server/value_convert.h"
#include "server/vector_convert.h"

namespace strata::server {
namespace {

// What Search and BatchSearch share: k, metric, filters, as_of, ef, include_metadata.
template <typename Request>
storage::Result<storage::VectorSearchOptions> SearchOptionsOf(const Request& req) {
  storage::VectorSearchOptions options;
  options.k = req.k();
  auto metric = MetricFromProto(req.metric());
  if (!metric.ok()) return metric.status();
  options.metric = *metric;
  auto filters = FiltersFromProto(req.filters());
  if (!filters.ok()) return filters.status();
  options.filters = std::move(filters).value();
  options.as_of = AsOf(req.has_as_of(), req.as_of());
  options.ef = req.ef();
  // Unset means true: the spec's results carry metadata.
  options.include_metadata = !req.has_include_metadata() || req.include_metadata();
  return options;
}

// Matches without metadata (include_metadata false) come from storage with
// it null, so nothing is converted for them.
void FillMatches(const std::vector<storage::VectorMatch>& matches, v1::VectorSearchResponse* out) {
  out->mutable_matches()->Reserve(static_cast<int>(matches.size()));
  for (const auto& m : matches) ToProto(m, out->add_matches());
}

// The same results as parallel lists (the request's `columns`): a client
// reads three lists instead of a message per result.
void FillColumns(const std::vector<storage::VectorMatch>& matches, bool include_metadata,
                 v1::VectorSearchResponse* out) {
  int n = static_cast<int>(matches.size());
  out->mutable_keys()->Reserve(n);
  out->mutable_scores()->Reserve(n);
  out->mutable_distances()->Reserve(n);
  if (include_metadata) out->mutable_metadata()->Reserve(n);
  for (const auto& m : matches) {
    out->add_keys(m.key);
    out->add_scores(m.score);
    out->add_distances(m.distance);
    if (include_metadata) ToProto(m.metadata, out->add_metadata());
  }
}

template <typename Request>
void FillAnswer(const Request& req, const storage::VectorSearchOptions& options,
                const std::vector<storage::VectorMatch>& matches, v1::VectorSearchResponse* out) {
  if (req.columns()) {
    FillColumns(matches, options.include_metadata, out);
  } else {
    FillMatches(matches, out);
  }
}

// How a search answer too large to send is named in its error.
std::string SearchAnswerName(size_t matches) {
  return "the answer of " + std::to_string(matches) +
         " matches with their metadata (ask for fewer, or set include_metadata to false)";
}

}  // namespace

grpc::Status VectorsService::CreateCollection(grpc::ServerContext* ctx, const v1::CreateCollectionRequest* req,
                                              v1::WriteResponse* resp) {
  auto scope = ScopeOf(req->context());
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto metric = MetricFromProto(req->metric());
  if (!metric.ok()) return ToGrpc(ctx, metric.status());
  storage::CollectionConfig config;
  config.dimension = req->dimension();
  config.metric = metric->value_or(storage::Metric::kCosine);
  config.m = req->m() ? req->m() : storage::kDefaultM;
  config.ef_construction = req->ef_construction() ? req->ef_construction() : storage::kDefaultEfConstruction;
  auto version = engine_.vectors().CreateCollection(*scope, req->name(), config);
  if (!version.ok()) return ToGrpc(ctx, version.status());
  resp->set_version(*version);
  return grpc::Status::OK;
}

grpc::Status VectorsService::DeleteCollection(grpc::ServerContext* ctx, const v1::DeleteCollectionRequest* req,
                                              v1::DeleteCollectionResponse* resp) {
  auto scope = ScopeOf(req->context());
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto result = engine_.vectors().DeleteCollection(*scope, req->name());
  if (!result.ok()) return ToGrpc(ctx, result.status());
  resp->set_existed(result->existed);
  resp->set_version(result->version);
  return grpc::Status::OK;
}

grpc::Status VectorsService::ListCollections(grpc::ServerContext* ctx, const v1::ListCollectionsRequest* req,
                                             v1::ListCollectionsResponse* resp) {
  auto scope = ScopeOf(req->context());
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto all = engine_.vectors().ListCollections(*scope);
  if (!all.ok()) return ToGrpc(ctx, all.status());
  for (const auto& info : *all) ToProto(info, resp->add_collections());
  return grpc::Status::OK;
}

grpc::Status VectorsService::CollectionStats(grpc::ServerContext* ctx, const v1::CollectionStatsRequest* req,
                                             v1::CollectionInfo* resp) {
  auto scope = ScopeOf(req->context());
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto info = engine_.vectors().CollectionStats(*scope, req->name());
  if (!info.ok()) return ToGrpc(ctx, info.status());
  ToProto(*info, resp);
  return grpc::Status::OK;
}

grpc::Status VectorsService::Upsert(grpc::ServerContext* ctx, const v1::VectorUpsertRequest* req,
                                    v1::WriteResponse* resp) {
  auto scope = ScopeOf(req->context());
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto entry = EntryFromProto(req->entry(), "");
  if (!entry.ok()) return ToGrpc(ctx, entry.status());
  auto version = engine_.vectors().Upsert(*scope, req->collection(), *entry);
  if (!version.ok()) return ToGrpc(ctx, version.status());
  resp->set_version(*version);
  return grpc::Status::OK;
}

grpc::Status VectorsService::BatchUpsert(grpc::ServerContext* ctx, const v1::VectorBatchUpsertRequest* req,
                                         v1::VectorBatchUpsertResponse* resp) {
  auto scope = ScopeOf(req->context());
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  std::vector<storage::VectorInput> entries;
  entries.reserve(req->entries_size());
  for (int i = 0; i < req->entries_size(); ++i) {
    auto entry = EntryFromProto(req->entries(i), "entry " + std::to_string(i));
    if (!entry.ok()) return ToGrpc(ctx, entry.status());
    entries.push_back(std::move(entry).value());
  }
  auto versions = engine_.vectors().BatchUpsert(*scope, req->collection(), entries);
  if (!versions.ok()) return ToGrpc(ctx, versions.status());
  resp->mutable_versions()->Assign(versions->begin(), versions->end());
  return grpc::Status::OK;
}

grpc::Status VectorsService::Get(grpc::ServerContext* ctx, const v1::VectorGetRequest* req,
                                 v1::VectorGetResponse* resp) {
  auto scope = ScopeOf(req->context());
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto got = engine_.vectors().Get(*scope, req->collection(), req->key(), AsOf(req->has_as_of(), req->as_of()));
  if (!got.ok()) return ToGrpc(ctx, got.status());
  resp->set_found(got->has_value());
  if (!got->has_value()) return grpc::Status::OK;
  const storage::VectorRecord& rec = **got;
  resp->set_key(rec.key);
  ToProto(rec.values, req->as_values(), resp->mutable_vector());
  if (!rec.metadata.is_null()) ToProto(rec.metadata, resp->mutable_metadata());
  resp->set_version(rec.version);
  resp->set_timestamp(rec.timestamp);
  return grpc::Status::OK;
}

grpc::Status VectorsService::Delete(grpc::ServerContext* ctx, const v1::VectorDeleteRequest* req,
                                    v1::VectorDeleteResponse* resp) {
  auto scope = ScopeOf(req->context());
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto result = engine_.vectors().Delete(*scope, req->collection(), req->key());
  if (!result.ok()) return ToGrpc(ctx, result.status());
  resp->set_existed(result->existed);
  resp->set_version(result->version);
  return grpc::Status::OK;
}

grpc::Status VectorsService::Search(grpc::ServerContext* ctx, const v1::VectorSearchRequest* req,
                                    v1::VectorSearchResponse* resp) {
  auto scope = ScopeOf(req->context());
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto options = SearchOptionsOf(*req);
  if (!options.ok()) return ToGrpc(ctx, options.status());
  auto query = FromProto(req->query(), "query");
  if (!query.ok()) return ToGrpc(ctx, query.status());
  auto matches = engine_.vectors().Search(*scope, req->collection(), *query, *options);
  if (!matches.ok()) return ToGrpc(ctx, matches.status());
  FillAnswer(*req, *options, *matches, resp);
  storage::Status fits = FitsOneAnswer(*resp, max_message_bytes_, [&] { return SearchAnswerName(matches->size()); });
  if (!fits.ok()) return ToGrpc(ctx, fits);
  return grpc::Status::OK;
}

grpc::Status VectorsService::BatchSearch(grpc::ServerContext* ctx, const v1::VectorBatchSearchRequest* req,
                                         v1::VectorBatchSearchResponse* resp) {
  auto scope = ScopeOf(req->context());
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto options = SearchOptionsOf(*req);
  if (!options.ok()) return ToGrpc(ctx, options.status());
  std::vector<std::vector<float>> queries;
  queries.reserve(req->queries_size());
  for (int i = 0; i < req->queries_size(); ++i) {
    auto query = FromProto(req->queries(i), "query " + std::to_string(i));
    if (!query.ok()) return ToGrpc(ctx, query.status());
    queries.push_back(std::move(query).value());
  }
  auto results = engine_.vectors().BatchSearch(*scope, req->collection(), queries, *options);
  if (!results.ok()) return ToGrpc(ctx, results.status());
  size_t count = 0;
  for (const auto& matches : *results) {
    FillAnswer(*req, *options, matches, resp->add_results());
    count += matches.size();
  }
  storage::Status fits = FitsOneAnswer(*resp, max_message_bytes_, [&] { return SearchAnswerName(count); });
  if (!fits.ok()) return ToGrpc(ctx, fits);
  return grpc::Status::OK;
}

}  // namespace strata::server

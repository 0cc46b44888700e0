#include "server/admin_service.h"

#include <spdlog/spdlog.h>

#include "server/error_mapping.h"

namespace strata::server {

const char* ServerVersion() { return STRATA_VERSION; }

grpc::Status AdminService::Ping(grpc::ServerContext*, const v1::PingRequest*, v1::PingResponse* resp) {
  resp->set_version(ServerVersion());
  return grpc::Status::OK;
}

grpc::Status AdminService::Info(grpc::ServerContext* ctx, const v1::InfoRequest* req, v1::InfoResponse* resp) {
  auto stats = engine_.Stats(req->branch());
  if (!stats.ok()) return ToGrpc(ctx, stats.status());
  resp->set_version(ServerVersion());
  resp->set_uptime_secs(static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_).count()));
  resp->set_branch_count(stats->branch_count);
  resp->set_space_count(stats->space_count);
  resp->set_total_keys(stats->total_keys);
  resp->set_collection_count(stats->collection_count);
  resp->set_disk_bytes(stats->disk_bytes);
  resp->set_current_version(stats->current_version);
  resp->set_map_size(stats->map_size);
  resp->set_map_used_bytes(stats->map_used_bytes);
  resp->set_durability(std::string(storage::DurabilityName(engine_.options().durability)));
  storage::WriterStats writer = engine_.core().writer().stats();
  resp->set_writer_commits(writer.batches);
  resp->set_writer_requests(writer.requests);
  resp->set_writer_largest_batch(writer.largest_batch);
  storage::VectorCounters vectors = engine_.vectors().counters();
  resp->set_vector_indexes_loaded(vectors.indexes_loaded);
  resp->set_vector_indexes_built(vectors.indexes_built);
  resp->set_vector_index_count(vectors.index_count);
  resp->set_vector_index_memory_bytes(vectors.index_memory_bytes);
  resp->set_durable_version(stats->durable_version);
  resp->set_retention_versions(engine_.options().retention.keep_versions);
  resp->set_retention_seconds(engine_.options().retention.keep_seconds);
  resp->set_max_message_size(max_message_bytes_);
  return grpc::Status::OK;
}

grpc::Status AdminService::Flush(grpc::ServerContext* ctx, const v1::FlushRequest*, v1::FlushResponse*) {
  return ToGrpc(ctx, engine_.Flush());
}

grpc::Status AdminService::Compact(grpc::ServerContext* ctx, const v1::CompactRequest*, v1::CompactResponse* resp) {
  auto done = engine_.Compact();
  if (!done.ok()) return ToGrpc(ctx, done.status());
  const storage::PruneResult& pruned = done->retention;
  resp->set_versions_removed(pruned.versions_removed);
  resp->set_indexes_rebuilt(done->indexes_rebuilt);
  resp->set_names_removed(pruned.names_removed);
  resp->set_retained_from_version(pruned.retained.version);
  resp->set_retained_from_ts(pruned.retained.timestamp);
  resp->set_retention_versions(engine_.options().retention.keep_versions);
  resp->set_retention_seconds(engine_.options().retention.keep_seconds);
  resp->set_records_examined(pruned.records_examined);
  resp->set_commits(pruned.commits);
  spdlog::info("compaction: {} versions removed ({} deleted names), history retained from version {}, "
               "{} vector indexes rebuilt",
               pruned.versions_removed, pruned.names_removed, pruned.retained.version, done->indexes_rebuilt);
  return grpc::Status::OK;
}

grpc::Status AdminService::TimeRange(grpc::ServerContext* ctx, const v1::TimeRangeRequest*,
                                     v1::TimeRangeResponse* resp) {
  auto range = engine_.GetTimeRange();
  if (!range.ok()) return ToGrpc(ctx, range.status());
  resp->set_oldest_ts(range->oldest_ts);
  resp->set_latest_ts(range->latest_ts);
  return grpc::Status::OK;
}

}  // namespace strata::server

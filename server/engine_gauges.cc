#include "server/engine_gauges.h"

#include <spdlog/spdlog.h>

namespace strata::server {

void AddEngineGauges(ScrapeGauges& gauges, storage::Engine& engine) {
  gauges.AddCollector([&engine](GaugeSink& sink) {
    // One read transaction for all of them; a failure leaves them out of this
    // scrape rather than reporting made-up zeros.
    auto stats = engine.Stats("default");
    if (!stats.ok()) {
      spdlog::warn("metrics: cannot read engine stats: {}", stats.status().message());
      return;
    }
    auto d = [](uint64_t v) { return static_cast<double>(v); };
    sink.Set("strata_lmdb_map_size_bytes", "LMDB map size: the most the database can grow to (--map-size)",
             d(stats->map_size));
    sink.Set("strata_lmdb_map_used_bytes", "Bytes of the LMDB map in use (pages up to the last used one)",
             d(stats->map_used_bytes));
    sink.Set("strata_disk_bytes", "Bytes of the database files on disk", d(stats->disk_bytes));
    sink.Set("strata_committed_version", "Latest committed version", d(stats->current_version));
    sink.Set("strata_branches", "Branches in the database", d(stats->branch_count));
    sink.Set("strata_default_branch_keys", "Live keys of every primitive on the default branch",
             d(stats->total_keys));
    storage::VectorCounters vectors = engine.vectors().counters();
    sink.Set("strata_vector_indexes", "Vector indexes in memory (one per collection, branch and space in use)",
             d(vectors.index_count));
    sink.Set("strata_vector_index_vectors", "Live vectors in the in-memory vector indexes", d(vectors.index_vectors));
    sink.Set("strata_vector_index_memory_bytes", "Estimated bytes of the in-memory vector indexes",
             d(vectors.index_memory_bytes));
    sink.Set("strata_vector_indexes_loaded", "Vector indexes made from a snapshot file since start",
             d(vectors.indexes_loaded));
    sink.Set("strata_vector_indexes_built", "Vector indexes built from the records since start",
             d(vectors.indexes_built));
    // Open transactions belong here once the transactions release lands.
  });
}

}  // namespace strata::server

// The engine's figures as scrape-time gauges (docs/metrics.md): LMDB map size
// and use, bytes on disk, branches, the committed version.
#pragma once

#include "server/scrape_gauges.h"
#include "storage/engine.h"

namespace strata::server {

// Adds a collector reading `engine`, which must outlive `gauges`' scrapes.
void AddEngineGauges(ScrapeGauges& gauges, storage::Engine& engine);

}  // namespace strata::server

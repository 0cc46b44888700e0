// Gauges computed when Prometheus scrapes, not kept up to date on every
// change: map use, disk bytes and whatever else is cheap to read on demand
// (vector index sizes and open transactions can be added the same way). One
// collector can report several gauges from a single look at the engine.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace strata::server {

// What a collector reports into during one scrape.
class GaugeSink {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;
  // One sample of gauge `name`; samples of the same name form one family
  // (the first sample's `help` describes it).
  void Set(const std::string& name, const std::string& help, double value, const Labels& labels = {});
  std::vector<prometheus::MetricFamily> Take() { return std::move(families_); }

 private:
  std::vector<prometheus::MetricFamily> families_;
};

class ScrapeGauges final : public prometheus::Collectable {
 public:
  using Collector = std::function<void(GaugeSink&)>;
  // Thread-safe; collectors run on the metrics HTTP thread, one scrape at a time.
  void AddCollector(Collector collector);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  mutable std::mutex mu_;
  std::vector<Collector> collectors_;
};

}  // namespace strata::server

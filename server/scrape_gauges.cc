#include "server/scrape_gauges.h"

#include <algorithm>

namespace strata::server {

void GaugeSink::Set(const std::string& name, const std::string& help, double value, const Labels& labels) {
  auto family = std::find_if(families_.begin(), families_.end(), [&](const auto& f) { return f.name == name; });
  if (family == families_.end()) {
    families_.push_back(prometheus::MetricFamily{name, help, prometheus::MetricType::Gauge, {}});
    family = families_.end() - 1;
  }
  prometheus::ClientMetric sample;
  for (const auto& [label, label_value] : labels) sample.label.push_back({label, label_value});
  sample.gauge.value = value;
  family->metric.push_back(std::move(sample));
}

void ScrapeGauges::AddCollector(Collector collector) {
  std::lock_guard<std::mutex> lock(mu_);
  collectors_.push_back(std::move(collector));
}

std::vector<prometheus::MetricFamily> ScrapeGauges::Collect() const {
  std::lock_guard<std::mutex> lock(mu_);
  GaugeSink sink;
  for (const auto& collector : collectors_) collector(sink);
  return sink.Take();
}

}  // namespace strata::server

// Parsing Prometheus text exposition (what /metrics serves) in tests.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace strata::testutil {

struct PromSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Every sample line (comments skipped). Lines that do not parse fail the test.
std::vector<PromSample> ParsePrometheusText(const std::string& text);

// The value of the sample named `name` whose labels include `labels`; nullopt when absent.
std::optional<double> FindSample(const std::vector<PromSample>& samples, const std::string& name,
                                 const std::map<std::string, std::string>& labels = {});

}  // namespace strata::testutil

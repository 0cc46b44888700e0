#include "tests/testutil/prometheus_text.h"

#include <cstdlib>
#include <sstream>

#include <gtest/gtest.h>

namespace strata::testutil {
namespace {

// `name{a="x",b="y"} value`, or `name value`. Label values here never hold
// quotes or commas (method names, codes, numbers).
std::optional<PromSample> ParseLine(const std::string& line) {
  PromSample s;
  size_t brace = line.find('{');
  size_t space;
  if (brace != std::string::npos) {
    s.name = line.substr(0, brace);
    size_t close = line.find('}', brace);
    if (close == std::string::npos) return std::nullopt;
    std::string body = line.substr(brace + 1, close - brace - 1);
    std::stringstream pairs(body);
    std::string pair;
    while (std::getline(pairs, pair, ',')) {
      size_t eq = pair.find('=');
      if (eq == std::string::npos || pair.size() < eq + 3 || pair[eq + 1] != '"' || pair.back() != '"') {
        return std::nullopt;
      }
      s.labels[pair.substr(0, eq)] = pair.substr(eq + 2, pair.size() - eq - 3);
    }
    space = close + 1;
  } else {
    space = line.find(' ');
    if (space == std::string::npos) return std::nullopt;
    s.name = line.substr(0, space);
  }
  std::string value = line.substr(space);
  char* end = nullptr;
  s.value = std::strtod(value.c_str(), &end);
  if (end == value.c_str()) return std::nullopt;
  return s;
}

}  // namespace

std::vector<PromSample> ParsePrometheusText(const std::string& text) {
  std::vector<PromSample> samples;
  std::stringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto sample = ParseLine(line);
    if (!sample) {
      ADD_FAILURE() << "unparsable metrics line: " << line;
      continue;
    }
    samples.push_back(std::move(*sample));
  }
  return samples;
}

std::optional<double> FindSample(const std::vector<PromSample>& samples, const std::string& name,
                                 const std::map<std::string, std::string>& labels) {
  for (const auto& s : samples) {
    if (s.name != name) continue;
    bool match = true;
    for (const auto& [k, v] : labels) {
      auto it = s.labels.find(k);
      if (it == s.labels.end() || it->second != v) match = false;
    }
    if (match) return s.value;
  }
  return std::nullopt;
}

}  // namespace strata::testutil

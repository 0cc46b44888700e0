// Helpers for vector tests: seeded random vectors and a brute-force reference.
#pragma once

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "storage/vector_types.h"

namespace strata::storage::testing {

inline std::vector<std::vector<float>> RandomVectors(size_t n, size_t dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<std::vector<float>> out(n, std::vector<float>(dim));
  for (auto& v : out) {
    for (auto& x : v) x = dist(rng);
  }
  return out;
}

struct Ranked {
  std::string key;
  double distance;
};

// The exact top-k of `query` among `vectors` (keys "v<i>") by `metric`.
inline std::vector<Ranked> BruteForce(const std::vector<std::vector<float>>& vectors, const std::vector<float>& query,
                                      Metric metric, size_t k) {
  std::vector<Ranked> all;
  for (size_t i = 0; i < vectors.size(); ++i) {
    all.push_back({"v" + std::to_string(i), Distance(metric, query.data(), vectors[i].data(), query.size())});
  }
  std::sort(all.begin(), all.end(), [](const Ranked& a, const Ranked& b) {
    return a.distance != b.distance ? a.distance < b.distance : a.key < b.key;
  });
  all.resize(std::min(k, all.size()));
  return all;
}

}  // namespace strata::storage::testing

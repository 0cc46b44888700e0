// QuantizedCodes (quantized_codes.h): the int8 rows the HNSW walk reads. Their
// distances stay within the documented error bound at every scale, growing
// keeps the rows, and zero or subnormal vectors give finite distances. That
// searches still return exact distances and keep their recall is tested
// through the engine (vector_store_test.cc). ErrorBound, which lets the search
// skip re-ranking candidates that cannot be among the k nearest, must hold
// against the very kernels the re-ranking uses, on the rows where the
// quantization errs most.
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "storage/quantized_codes.h"
#include "storage/vector_kernels.h"

namespace strata::storage {
namespace {

double Dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

double MaxAbs(const std::vector<float>& v) {
  double m = 0;
  for (float x : v) m = std::max(m, static_cast<double>(std::fabs(x)));
  return m;
}

TEST(QuantizedCodesTest, DistancesStayWithinTheQuantizationBound) {
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (Metric metric : {Metric::kDotProduct, Metric::kEuclidean}) {
    for (size_t dim : {1, 3, 16, 17, 64, 128, 200}) {
      QuantizedCodes codes(metric, dim, 64);
      std::vector<std::vector<float>> rows;
      for (uint32_t id = 0; id < 64; ++id) {
        float scale = std::pow(10.0f, static_cast<float>(id % 7) - 3);  // 1e-3 .. 1e3
        std::vector<float> v(dim);
        for (auto& x : v) x = normal(rng) * scale;
        codes.Encode(id, v.data());
        rows.push_back(v);
      }
      std::vector<float> q(dim);
      for (auto& x : q) x = normal(rng);
      auto prepared = codes.Prepare(q.data());
      for (uint32_t id = 0; id < rows.size(); ++id) {
        const auto& x = rows[id];
        double dot = Dot(q, x);
        double exact = metric == Metric::kEuclidean ? Dot(q, q) + Dot(x, x) - 2 * dot : 1 - dot;
        // |q.x - q.x'| <= |q| |x - x'| <= |q| sqrt(dim) (step / 2), step = max|x| / 127;
        // twice that for squared L2; plus float32 rounding of the sums.
        double bound = std::sqrt(Dot(q, q)) * std::sqrt(static_cast<double>(dim)) * MaxAbs(x) / 127 / 2;
        if (metric == Metric::kEuclidean) bound *= 2;
        double rounding = 1e-5 * (std::fabs(exact) + std::sqrt(Dot(q, q) * Dot(x, x)) + 1);
        EXPECT_NEAR(codes.Distance(prepared, id), exact, bound + rounding)
            << MetricName(metric) << " dim " << dim << " row " << id;
      }
    }
  }
}

// Every component half a step from its code, the query's signs matching the
// errors' so they add up: the quantization's worst case. The bound must cover
// the difference from each kernel the re-ranking may use, at every scale.
TEST(QuantizedCodesTest, ErrorBoundCoversTheWorstRowsAgainstEveryKernel) {
  std::mt19937 rng(13);
  std::uniform_int_distribution<int> step(-126, 125);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (Metric metric : {Metric::kDotProduct, Metric::kEuclidean}) {
    for (size_t dim : {1, 2, 16, 17, 128, 300, 1536}) {
      const uint32_t rows = 48;
      QuantizedCodes codes(metric, dim, rows);
      std::vector<std::vector<float>> data;
      for (uint32_t id = 0; id < rows; ++id) {
        float unit = std::pow(10.0f, static_cast<float>(id % 8) - 4);  // 1e-4 .. 1e3
        std::vector<float> v(dim);
        v[0] = 127 * unit;  // the largest component: one step is `unit`
        for (size_t i = 1; i < dim; ++i) {
          // Random rows in half; the rest at half a step (less a hair, so
          // rounding goes one way), worst for the bound.
          v[i] = id % 2 ? normal(rng) * 40 * unit : (static_cast<float>(step(rng)) + 0.4999f) * unit;
        }
        codes.Encode(id, v.data());
        data.push_back(v);
      }
      // Positive, so the half-step rows' errors (all one way) add up.
      std::vector<float> q(dim);
      for (size_t i = 0; i < dim; ++i) q[i] = 1 + std::fabs(normal(rng));
      auto prepared = codes.Prepare(q.data());
      for (KernelLevel level : SupportedKernelLevels()) {
        DistanceKernel exact = DistanceKernelFor(metric, level);
        for (uint32_t id = 0; id < rows; ++id) {
          float walk = codes.Distance(prepared, id);
          float kernel = exact(q.data(), data[id].data(), &dim);
          EXPECT_LE(std::fabs(walk - kernel), codes.ErrorBound(prepared, id))
              << MetricName(metric) << " dim " << dim << " row " << id << " kernel " << KernelLevelName(level);
        }
      }
    }
  }
}

TEST(QuantizedCodesTest, GrowingKeepsEveryRow) {
  const size_t dim = 40;
  QuantizedCodes codes(Metric::kEuclidean, dim, 10);
  std::mt19937 rng(12);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> q(dim);
  for (auto& x : q) x = normal(rng);
  for (uint32_t id = 0; id < 10; ++id) {
    std::vector<float> v(dim);
    for (auto& x : v) x = normal(rng);
    codes.Encode(id, v.data());
  }
  auto prepared = codes.Prepare(q.data());
  std::vector<float> before;
  for (uint32_t id = 0; id < 10; ++id) before.push_back(codes.Distance(prepared, id));
  codes.Reserve(5000);
  EXPECT_EQ(codes.capacity(), 5000u);
  EXPECT_GE(codes.MemoryBytes(), 5000u * dim);
  for (uint32_t id = 0; id < 10; ++id) EXPECT_EQ(codes.Distance(prepared, id), before[id]) << id;
  codes.Reserve(20);  // never shrinks
  EXPECT_EQ(codes.capacity(), 5000u);
}

TEST(QuantizedCodesTest, ZeroAndSubnormalVectorsGiveFiniteDistances) {
  const size_t dim = 8;
  QuantizedCodes codes(Metric::kEuclidean, dim, 2);
  std::vector<float> zero(dim, 0.0f), tiny(dim, 0.0f), q(dim, 1.0f);
  tiny[3] = std::numeric_limits<float>::denorm_min();
  codes.Encode(0, zero.data());
  codes.Encode(1, tiny.data());
  auto prepared = codes.Prepare(q.data());
  EXPECT_FLOAT_EQ(codes.Distance(prepared, 0), 8.0f);  // |q|^2
  EXPECT_TRUE(std::isfinite(codes.Distance(prepared, 1)));
  EXPECT_NEAR(codes.Distance(prepared, 1), 8.0f, 1e-6);
}

}  // namespace
}  // namespace strata::storage

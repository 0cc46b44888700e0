// The run-time dispatched distance kernels (vector_kernels.h): every level this
// CPU supports agrees with a double-precision reference for every length
// (each tail path: multiples of 32, 16, 8 and odd remainders) and for
// unaligned inputs; the int8 kernels (a float query against int8 codes) too.
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "storage/vector_kernels.h"

namespace strata::storage {
namespace {

double ReferenceDot(const float* a, const float* b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

double ReferenceL2(const float* a, const float* b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; ++i) {
    double d = static_cast<double>(a[i]) - b[i];
    s += d * d;
  }
  return s;
}

TEST(VectorKernelsTest, PortableIsAlwaysSupportedAndBestIsOneOfTheSupported) {
  auto levels = SupportedKernelLevels();
  ASSERT_FALSE(levels.empty());
  EXPECT_EQ(levels.front(), KernelLevel::kPortable);
  EXPECT_EQ(BestKernelLevel(), levels.back());
}

TEST(VectorKernelsTest, EveryLevelMatchesTheReferenceForEveryLength) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  // One spare float in front of each buffer so the inputs can start unaligned.
  std::vector<float> a(1 + 300), b(1 + 300);
  for (KernelLevel level : SupportedKernelLevels()) {
    SCOPED_TRACE(KernelLevelName(level));
    DistanceKernel l2 = DistanceKernelFor(Metric::kEuclidean, level);
    DistanceKernel ip = DistanceKernelFor(Metric::kDotProduct, level);
    ASSERT_EQ(DistanceKernelFor(Metric::kCosine, level), ip);  // cosine runs on normalized vectors
    for (size_t dim = 1; dim <= 300; dim += (dim < 70 ? 1 : 37)) {
      for (size_t offset : {0, 1}) {
        for (auto& x : a) x = normal(rng);
        for (auto& x : b) x = normal(rng);
        const float* pa = a.data() + offset;
        const float* pb = b.data() + offset;
        double want_ip = 1.0 - ReferenceDot(pa, pb, dim);
        double want_l2 = ReferenceL2(pa, pb, dim);
        // float32 sums of `dim` terms of magnitude ~1.
        double tolerance = 1e-5 * static_cast<double>(dim) + 1e-5;
        EXPECT_NEAR(ip(pa, pb, &dim), want_ip, tolerance) << "dim " << dim << " offset " << offset;
        EXPECT_NEAR(l2(pa, pb, &dim), want_l2, tolerance * 4) << "dim " << dim << " offset " << offset;
      }
    }
  }
}

TEST(VectorKernelsTest, EveryInt8LevelMatchesTheReferenceForEveryLength) {
  std::mt19937 rng(6);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> code(-127, 127);
  std::vector<float> query(1 + 300), as_float(300);
  std::vector<int8_t> codes(1 + 300);
  for (KernelLevel level : SupportedKernelLevels()) {
    SCOPED_TRACE(KernelLevelName(level));
    Int8DotKernel dot = Int8DotKernelFor(level);
    for (size_t dim = 1; dim <= 300; dim += (dim < 70 ? 1 : 37)) {
      for (size_t offset : {0, 1}) {
        for (auto& x : query) x = normal(rng);
        for (auto& c : codes) c = static_cast<int8_t>(code(rng));
        for (size_t i = 0; i < dim; ++i) as_float[i] = codes[offset + i];
        double want = ReferenceDot(query.data() + offset, as_float.data(), dim);
        // float32 sums of `dim` terms of magnitude ~100.
        double tolerance = 1e-3 * static_cast<double>(dim) + 1e-3;
        EXPECT_NEAR(dot(query.data() + offset, codes.data() + offset, dim), want, tolerance)
            << "dim " << dim << " offset " << offset;
      }
    }
    // The extremes of the code range, where a wrong (unsigned) widening shows.
    std::vector<float> ones(64, 1.0f);
    std::vector<int8_t> extremes(64);
    for (size_t i = 0; i < extremes.size(); ++i) extremes[i] = i % 2 ? int8_t{-127} : int8_t{127};
    extremes[5] = -128;
    EXPECT_EQ(dot(ones.data(), extremes.data(), extremes.size()), -1.0f);  // +-127 pairs cancel; -128 is one less
  }
}

TEST(VectorKernelsTest, IdenticalVectorsAreAtDistanceZero) {
  std::vector<float> v(130);
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(static_cast<float>(i));
  double norm = std::sqrt(ReferenceDot(v.data(), v.data(), v.size()));
  for (auto& x : v) x = static_cast<float>(x / norm);
  size_t dim = v.size();
  for (KernelLevel level : SupportedKernelLevels()) {
    SCOPED_TRACE(KernelLevelName(level));
    EXPECT_EQ(DistanceKernelFor(Metric::kEuclidean, level)(v.data(), v.data(), &dim), 0.0f);
    EXPECT_NEAR(DistanceKernelFor(Metric::kCosine, level)(v.data(), v.data(), &dim), 0.0f, 1e-6);
  }
}

}  // namespace
}  // namespace strata::storage

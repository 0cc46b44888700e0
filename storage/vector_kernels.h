// Distance kernels for the HNSW graph, chosen at run time by what the CPU has.
//
// hnswlib 0.6.2 picks its SIMD kernels at compile time from the compiler's
// target flags; Debian builds for baseline x86-64 (SSE2), so its kernels are
// SSE-only while a `-march=native` build gets AVX. These kernels are compiled
// for AVX2+FMA and AVX-512 with per-function target attributes and picked once
// at run time, so one binary still runs on a CPU without AVX.
//
// Every kernel has hnswlib's DISTFUNC signature: (a, b, const size_t* dim).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "storage/vector_types.h"

namespace strata::storage {

enum class KernelLevel { kPortable, kAvx2, kAvx512 };

using DistanceKernel = float (*)(const void* a, const void* b, const void* dim);

// The levels this CPU (and OS) can run, kPortable first.
std::vector<KernelLevel> SupportedKernelLevels();
// The fastest of them; detected once.
KernelLevel BestKernelLevel();
const char* KernelLevelName(KernelLevel level);

// The graph's raw distance: squared L2 for kEuclidean; 1 - inner product for
// kCosine (on normalized vectors) and kDotProduct. `level` must be supported.
DistanceKernel DistanceKernelFor(Metric metric, KernelLevel level);

// sum query[i] * codes[i] over n: a float query against one int8 row of
// quantized_codes.h (the row's scale is applied by the caller).
using Int8DotKernel = float (*)(const float* query, const int8_t* codes, size_t n);
Int8DotKernel Int8DotKernelFor(KernelLevel level);

}  // namespace strata::storage

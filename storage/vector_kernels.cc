#include "storage/vector_kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#define STRATA_X86_KERNELS 1
// GCC 12's AVX-512 intrinsics initialise their "undefined" operands from
// themselves, which -Wuninitialized and -Wmaybe-uninitialized report wherever
// they are inlined.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif

namespace strata::storage {
namespace {

// -- portable: four partial sums so the compiler can keep them in registers --

// b is float, or int8 (the codes of quantized_codes.h against a float query).
template <typename B>
float DotPortable(const float* a, const B* b, size_t n) {
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < n; ++i) s0 += a[i] * b[i];
  return (s0 + s1) + (s2 + s3);
}

float L2Portable(const float* a, const float* b, size_t n) {
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    float d0 = a[i] - b[i], d1 = a[i + 1] - b[i + 1], d2 = a[i + 2] - b[i + 2], d3 = a[i + 3] - b[i + 3];
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  for (; i < n; ++i) {
    float d = a[i] - b[i];
    s0 += d * d;
  }
  return (s0 + s1) + (s2 + s3);
}

float Int8DotPortable(const float* query, const int8_t* codes, size_t n) { return DotPortable(query, codes, n); }

#ifdef STRATA_X86_KERNELS

// -- AVX2 + FMA: 32 floats per step in four accumulators, then 8, then scalar --

__attribute__((target("avx2"))) inline float HorizontalSum256(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

__attribute__((target("avx2,fma"))) float DotAvx2(const float* a, const float* b, size_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
    s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
  }
  for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
  float sum = HorizontalSum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

__attribute__((target("avx2,fma"))) float L2Avx2(const float* a, const float* b, size_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
    __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
    __m256 d2 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16));
    __m256 d3 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24));
    s0 = _mm256_fmadd_ps(d0, d0, s0);
    s1 = _mm256_fmadd_ps(d1, d1, s1);
    s2 = _mm256_fmadd_ps(d2, d2, s2);
    s3 = _mm256_fmadd_ps(d3, d3, s3);
  }
  for (; i + 8 <= n; i += 8) {
    __m256 d = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
    s0 = _mm256_fmadd_ps(d, d, s0);
  }
  float sum = HorizontalSum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
  for (; i < n; ++i) {
    float d = a[i] - b[i];
    sum += d * d;
  }
  return sum;
}

// 8 codes per step, widened to int32 and then to float.
__attribute__((target("avx2,fma"))) float Int8DotAvx2(const float* query, const int8_t* codes, size_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256 c0 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(codes + i))));
    __m256 c1 =
        _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(codes + i + 8))));
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(query + i), c0, s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(query + i + 8), c1, s1);
  }
  float sum = HorizontalSum256(_mm256_add_ps(s0, s1));
  for (; i < n; ++i) sum += query[i] * codes[i];
  return sum;
}

// -- AVX-512: 32 floats per step in two accumulators, then 16, then a masked tail --

__attribute__((target("avx512f"))) float DotAvx512(const float* a, const float* b, size_t n) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
  }
  for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
  if (i < n) {
    __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), s1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

__attribute__((target("avx512f"))) float L2Avx512(const float* a, const float* b, size_t n) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
    __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));
    s0 = _mm512_fmadd_ps(d0, d0, s0);
    s1 = _mm512_fmadd_ps(d1, d1, s1);
  }
  for (; i + 16 <= n; i += 16) {
    __m512 d = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
    s0 = _mm512_fmadd_ps(d, d, s0);
  }
  if (i < n) {
    __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i));
    s1 = _mm512_fmadd_ps(d, d, s1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

// 16 codes per step, widened to int32 and then to float; a masked tail.
__attribute__((target("avx512f"))) float Int8DotAvx512(const float* query, const int8_t* codes, size_t n) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m512 c0 = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(codes + i))));
    __m512 c1 =
        _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(codes + i + 16))));
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(query + i), c0, s0);
    s1 = _mm512_fmadd_ps(_mm512_loadu_ps(query + i + 16), c1, s1);
  }
  for (; i + 16 <= n; i += 16) {
    __m512 c = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(codes + i))));
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(query + i), c, s0);
  }
  float sum = _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
  for (; i < n; ++i) sum += query[i] * codes[i];
  return sum;
}

#endif  // STRATA_X86_KERNELS

// hnswlib's signature around each kernel: (a, b, &dim). Each wrapper has its
// kernel's target, so the kernel is inlined into it.
#define STRATA_DISTANCE_WRAPPERS(Suffix, Target)                                                   \
  Target float IpDistance##Suffix(const void* a, const void* b, const void* dim) {                 \
    return 1.0f - Dot##Suffix(static_cast<const float*>(a), static_cast<const float*>(b),          \
                              *static_cast<const size_t*>(dim));                                   \
  }                                                                                                \
  Target float L2Distance##Suffix(const void* a, const void* b, const void* dim) {                 \
    return L2##Suffix(static_cast<const float*>(a), static_cast<const float*>(b),                  \
                      *static_cast<const size_t*>(dim));                                           \
  }

STRATA_DISTANCE_WRAPPERS(Portable, )
#ifdef STRATA_X86_KERNELS
STRATA_DISTANCE_WRAPPERS(Avx2, __attribute__((target("avx2,fma"))))
STRATA_DISTANCE_WRAPPERS(Avx512, __attribute__((target("avx512f"))))
#endif
#undef STRATA_DISTANCE_WRAPPERS

std::vector<KernelLevel> DetectLevels() {
  std::vector<KernelLevel> out{KernelLevel::kPortable};
#ifdef STRATA_X86_KERNELS
  // libgcc's CPU model also checks that the OS saves the wider registers (XCR0).
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) out.push_back(KernelLevel::kAvx2);
  if (__builtin_cpu_supports("avx512f")) out.push_back(KernelLevel::kAvx512);
#endif
  return out;
}

}  // namespace

std::vector<KernelLevel> SupportedKernelLevels() {
  static const std::vector<KernelLevel> levels = DetectLevels();
  return levels;
}

KernelLevel BestKernelLevel() {
  static const KernelLevel best = SupportedKernelLevels().back();
  return best;
}

const char* KernelLevelName(KernelLevel level) {
  switch (level) {
    case KernelLevel::kPortable: return "portable";
    case KernelLevel::kAvx2: return "avx2";
    case KernelLevel::kAvx512: return "avx512";
  }
  return "?";
}

DistanceKernel DistanceKernelFor(Metric metric, KernelLevel level) {
  bool l2 = metric == Metric::kEuclidean;
  switch (level) {
#ifdef STRATA_X86_KERNELS
    case KernelLevel::kAvx512: return l2 ? &L2DistanceAvx512 : &IpDistanceAvx512;
    case KernelLevel::kAvx2: return l2 ? &L2DistanceAvx2 : &IpDistanceAvx2;
#endif
    default: return l2 ? &L2DistancePortable : &IpDistancePortable;
  }
}

Int8DotKernel Int8DotKernelFor(KernelLevel level) {
  switch (level) {
#ifdef STRATA_X86_KERNELS
    case KernelLevel::kAvx512: return &Int8DotAvx512;
    case KernelLevel::kAvx2: return &Int8DotAvx2;
#endif
    default: return &Int8DotPortable;
  }
}

}  // namespace strata::storage

#include "storage/quantized_codes.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

#include "storage/huge_pages.h"

namespace strata::storage {

namespace {
constexpr size_t kCacheLine = 64;
}  // namespace

void QuantizedCodes::Free::operator()(char* p) const { std::free(p); }

QuantizedCodes::QuantizedCodes(Metric metric, size_t dim, size_t capacity)
    : dim_(dim),
      euclidean_(metric == Metric::kEuclidean),
      stride_((sizeof(Row) + dim + kCacheLine - 1) / kCacheLine * kCacheLine),
      rounding_(4.0f * static_cast<float>(dim) * std::numeric_limits<float>::epsilon() / 2),
      dot_(Int8DotKernelFor(BestKernelLevel())) {
  Reserve(capacity);
}

QuantizedCodes::~QuantizedCodes() = default;

void QuantizedCodes::Reserve(size_t capacity) {
  if (capacity <= capacity_ && rows_) return;
  size_t bytes = std::max<size_t>(capacity, 1) * stride_;
  auto* fresh = static_cast<char*>(std::aligned_alloc(kCacheLine, bytes));
  if (fresh == nullptr) throw std::bad_alloc();
  AdviseHugePages(fresh, bytes);  // before the copy below first touches the pages
  if (rows_) std::memcpy(fresh, rows_.get(), capacity_ * stride_);
  rows_.reset(fresh);
  capacity_ = std::max<size_t>(capacity, 1);
}

void QuantizedCodes::Encode(uint32_t id, const float* vector) {
  auto* row = reinterpret_cast<Row*>(rows_.get() + size_t{id} * stride_);
  float largest = 0, squared_norm = 0;
  for (size_t i = 0; i < dim_; ++i) {
    largest = std::max(largest, std::fabs(vector[i]));
    squared_norm += vector[i] * vector[i];
  }
  row->scale = largest / 127.0f;
  row->squared_norm = squared_norm;
  // In double: 127 / largest overflows a float when largest is subnormal.
  // Rounded half away from zero by hand: std::lrint is a libm call per
  // component, and a restart encodes every vector of every loaded index.
  const double to_code = largest > 0 ? 127.0 / largest : 0.0;
  for (size_t i = 0; i < dim_; ++i) {
    double scaled = vector[i] * to_code;  // within [-127, 127]
    row->codes[i] = static_cast<int8_t>(static_cast<int>(scaled + (scaled < 0 ? -0.5 : 0.5)));
  }
}

QuantizedCodes::Query QuantizedCodes::Prepare(const float* query) const {
  float squared_norm = 0, l1_norm = 0;
  for (size_t i = 0; i < dim_; ++i) {
    squared_norm += query[i] * query[i];
    l1_norm += std::fabs(query[i]);
  }
  return Query{query, euclidean_ ? squared_norm : 0.0f, l1_norm};
}

}  // namespace strata::storage

// QuantizedCodes: an int8 copy of every vector of an HNSW graph, which the
// search walks on instead of the float32 vectors (docs/guarantees.md "Vectors").
//
// Why: a search computes hundreds of distances (~500 at 100k x 128, ef 100) to
// vectors it reaches at random in a block far larger than the caches, so its
// cost is memory traffic. A row here
// is dim + 8 bytes, rounded up to cache lines: 3 lines for 128 dimensions where
// the float32 vector takes 8. The walk's distances are approximate; the graph
// re-ranks the candidates it ends with on the float32 vectors, so the returned
// distances are exact and only the choice of candidates can differ.
//
// Each row is quantized on its own scale (its largest absolute component maps
// to 127), so nothing is trained and no later vector falls out of range: the
// error of q.x is at most |q| * sqrt(dim) * scale / 2, relative to the row's
// own norm whatever the data.
//
// Thread safety: Encode of distinct rows may run concurrently; Distance and
// Prefetch may run together; Reserve needs exclusion from everything else.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "storage/vector_kernels.h"
#include "storage/vector_types.h"

namespace strata::storage {

class QuantizedCodes {
 public:
  // Rows for `capacity` vectors of `dim` floats. std::bad_alloc when the
  // memory cannot be had.
  QuantizedCodes(Metric metric, size_t dim, size_t capacity);
  ~QuantizedCodes();
  QuantizedCodes(const QuantizedCodes&) = delete;
  QuantizedCodes& operator=(const QuantizedCodes&) = delete;

  // Room for `capacity` rows, the existing ones kept (never shrinks).
  // std::bad_alloc when the memory cannot be had; the rows are then unchanged.
  void Reserve(size_t capacity);
  // Row `id` (< capacity) := `vector` quantized.
  void Encode(uint32_t id, const float* vector);

  // Per-query values Distance needs, computed once per search.
  struct Query {
    const float* vector;
    float squared_norm;  // used for kEuclidean only
    float l1_norm;       // sum of |component|: scales every row's error bound
  };
  Query Prepare(const float* query) const;
  // Approximately the graph's raw distance (hnswlib's: squared L2, or
  // 1 - inner product) between the query and row `id`.
  float Distance(const Query& query, uint32_t id) const {
    const Row* row = RowOf(id);
    float dot = row->scale * dot_(query.vector, row->codes, dim_);
    return euclidean_ ? query.squared_norm + row->squared_norm - 2 * dot : 1.0f - dot;
  }
  // At least |Distance(query, id) - the exact raw distance| (the float32
  // kernels' distance): the quantization's error, at most half a step of the
  // row's scale per component, weighted by the query, plus the rounding of
  // both float sums. A candidate whose Distance minus this is above an exact
  // distance already known is farther than that one for certain.
  float ErrorBound(const Query& query, uint32_t id) const {
    const Row* row = RowOf(id);
    const float quantization = 0.5f * row->scale * query.l1_norm;
    const float products = 127.0f * row->scale * query.l1_norm;  // at least the sum of |q_i x_i|
    if (!euclidean_) return quantization + rounding_ * (products + 1.0f);  // 1.0f: the "1 -"
    return 2 * quantization + 3 * rounding_ * (query.squared_norm + row->squared_norm + 2 * products);
  }
  // Asks for row `id`'s cache lines ahead of its Distance.
  void Prefetch(uint32_t id) const {
    const char* p = reinterpret_cast<const char*>(RowOf(id));
    for (size_t off = 0; off < stride_; off += 64) __builtin_prefetch(p + off);
  }

  size_t capacity() const { return capacity_; }
  uint64_t MemoryBytes() const { return static_cast<uint64_t>(capacity_) * stride_; }

 private:
  struct Row {
    float scale;         // a code times scale is the component
    float squared_norm;  // of the float32 vector
    int8_t codes[];      // dim of them
  };
  struct Free {
    void operator()(char* p) const;
  };
  const Row* RowOf(uint32_t id) const { return reinterpret_cast<const Row*>(rows_.get() + size_t{id} * stride_); }

  size_t dim_;
  bool euclidean_;
  size_t stride_;  // bytes per row: a whole number of cache lines
  // A bound on the relative rounding error of a float sum of dim_ products,
  // doubled (the walk's sum and the exact one), and doubled again for margin.
  float rounding_;
  size_t capacity_ = 0;
  Int8DotKernel dot_;
  std::unique_ptr<char, Free> rows_;
};

}  // namespace strata::storage

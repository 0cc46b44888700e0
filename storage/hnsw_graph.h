// HnswGraph: the one place that includes hnswlib. hnswlib 0.6.2's headers
// define non-inline functions, so they may be compiled into one translation
// unit only; everything else reaches the graph through this class.
//
// Thread safety: Add may run concurrently with other Adds; everything else
// needs the caller's exclusion (VectorIndex's shared_mutex): const methods
// may run together, mutating ones alone.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/status.h"
#include "storage/vector_types.h"

namespace strata::storage {

class HnswGraph {
 public:
  // Cosine uses the inner-product space: callers add normalized vectors.
  static Result<std::unique_ptr<HnswGraph>> Create(Metric metric, size_t dim, size_t capacity, size_t m,
                                                   size_t ef_construction);
  // Reads a file written by Save; kInternal when it is unreadable or malformed.
  static Result<std::unique_ptr<HnswGraph>> Load(Metric metric, size_t dim, const std::string& path,
                                                 size_t capacity);
  ~HnswGraph();

  Status Save(const std::string& path) const;

  size_t size() const;      // labels ever added (deleted ones included)
  size_t capacity() const;
  size_t deleted() const;
  Status Resize(size_t capacity);

  // Adds `vector` under `label` and returns its internal id.
  Result<uint32_t> Add(const float* vector, uint64_t label);
  void MarkDeleted(uint64_t label);

  // The k nearest live labels with their raw distances (hnswlib's: squared L2,
  // or 1 - inner product), nearest first, searching with breadth `ef`.
  std::vector<std::pair<float, uint64_t>> Search(const float* query, size_t k, size_t ef) const;
  float RawDistance(const float* query, uint32_t internal_id) const;
  const float* Data(uint32_t internal_id) const;
  std::optional<uint32_t> InternalId(uint64_t label) const;
  bool IsDeleted(uint32_t internal_id) const;
  uint64_t MemoryBytes() const;

 private:
  struct Impl;
  explicit HnswGraph(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::storage

// Vector collections: their configuration, the records that hold them in LMDB
// and the metric arithmetic shared by the index and exact search.
//
// on disk: never change (docs/format.md "Vectors").
//   collection record (primitive kCollection, name = collection name), payload:
//     CBOR {"dimension", "metric", "m", "ef_construction", "incarnation"}
//   vector record (primitive kVector), name = VectorRecordName(collection, incarnation, key),
//     payload: [dimension u32 BE][dimension x float32 little-endian][metadata CBOR, absent when none]
// The incarnation is the commit version that created the collection: a
// collection deleted and created again under the same name never sees the old
// vectors, and it survives branch merges (it is in the payload, not the key).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/status.h"
#include "storage/value.h"

namespace strata::storage {

enum class Metric : uint8_t { kCosine = 1, kEuclidean = 2, kDotProduct = 3 };

std::string_view MetricName(Metric m);

inline constexpr uint32_t kMaxDimension = 65536;
inline constexpr uint32_t kDefaultM = 16;
inline constexpr uint32_t kDefaultEfConstruction = 200;
inline constexpr uint32_t kMaxM = 2048;
inline constexpr uint32_t kMaxEfConstruction = 100000;
inline constexpr size_t kMaxCollectionNameBytes = 256;

struct CollectionConfig {
  uint32_t dimension = 0;
  Metric metric = Metric::kCosine;
  uint32_t m = kDefaultM;
  uint32_t ef_construction = kDefaultEfConstruction;
  uint64_t incarnation = 0;  // set by create
};

// Names: 1-256 bytes of UTF-8, no "/", no NUL, not starting with "_".
Status ValidateCollectionName(std::string_view name);
// dimension 1..65536, m 2..2048, ef_construction 1..100000.
Status ValidateCollectionConfig(const CollectionConfig& config);

std::string EncodeCollection(const CollectionConfig& config);
Result<CollectionConfig> DecodeCollection(std::string_view payload);

// Every vector record of one collection incarnation starts with this.
std::string VectorNamePrefix(std::string_view collection, uint64_t incarnation);
std::string VectorRecordName(std::string_view collection, uint64_t incarnation, std::string_view key);

// The parts of a vector record name; nullopt when `name` is not one.
struct VectorRecordParts {
  std::string collection;
  uint64_t incarnation = 0;
  std::string key;
};
std::optional<VectorRecordParts> ParseVectorRecordName(std::string_view name);

struct StoredVector {
  std::vector<float> values;
  std::optional<Value> metadata;  // nullopt: none
};

// Packed little-endian float32, the layout of vector records and of the
// wire's Vector.f32le. DecodeF32le needs a size that is a multiple of 4.
void AppendF32le(std::string& out, const std::vector<float>& values);
std::vector<float> DecodeF32le(std::string_view bytes);

// `metadata_cbor` is EncodeValue(metadata) or empty.
std::string EncodeVector(const std::vector<float>& values, std::string_view metadata_cbor);
Result<StoredVector> DecodeVector(std::string_view payload);

// kInvalidArgument naming the first NaN or infinite component.
Status CheckFinite(const std::vector<float>& values, std::string_view what);

// Metric arithmetic. `distance` is the metric's raw distance (lower is closer):
// cosine 1 - cos, euclidean the L2 distance, dot product 1 - dot. `score` is
// higher-is-better: cosine similarity, the inner product, 1 / (1 + L2).
double Distance(Metric metric, const float* a, const float* b, size_t dim);
double ScoreFromDistance(Metric metric, double distance);
double Norm(const float* v, size_t dim);

}  // namespace strata::storage

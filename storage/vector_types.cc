#include "storage/vector_types.h"

#include <cmath>
#include <cstring>
#include <optional>

#include "storage/key_codec.h"
#include "storage/names.h"

namespace strata::storage {

std::string_view MetricName(Metric m) {
  switch (m) {
    case Metric::kCosine: return "cosine";
    case Metric::kEuclidean: return "euclidean";
    case Metric::kDotProduct: return "dot_product";
  }
  return "unknown";
}

Status ValidateCollectionName(std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("collection name must not be empty");
  if (name.size() > kMaxCollectionNameBytes) {
    return Status::InvalidArgument("collection name is " + std::to_string(name.size()) +
                                   " bytes; the limit is 256");
  }
  if (!IsValidUtf8(name)) return Status::InvalidArgument("collection name is not valid UTF-8");
  if (name.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("collection name must not contain NUL");
  }
  if (name.find('/') != std::string_view::npos) {
    return Status::InvalidArgument("collection name " + QuoteName(name) + " must not contain \"/\"");
  }
  if (name.front() == '_') {
    return Status::InvalidArgument("collection name " + QuoteName(name) + " must not start with \"_\" (reserved)");
  }
  return Status::Ok();
}

Status ValidateCollectionConfig(const CollectionConfig& c) {
  if (c.dimension < 1 || c.dimension > kMaxDimension) {
    return Status::InvalidArgument("dimension must be between 1 and 65536, got " + std::to_string(c.dimension));
  }
  if (c.m < 2 || c.m > kMaxM) return Status::InvalidArgument("m must be between 2 and 2048, got " + std::to_string(c.m));
  if (c.ef_construction < 1 || c.ef_construction > kMaxEfConstruction) {
    return Status::InvalidArgument("ef_construction must be between 1 and 100000, got " +
                                   std::to_string(c.ef_construction));
  }
  return Status::Ok();
}

std::string EncodeCollection(const CollectionConfig& c) {
  Value v = Value::object();
  v["dimension"] = c.dimension;
  v["metric"] = static_cast<int>(c.metric);
  v["m"] = c.m;
  v["ef_construction"] = c.ef_construction;
  v["incarnation"] = c.incarnation;
  return EncodeValue(v);
}

namespace {
Result<CollectionConfig> DecodeCollectionUncached(std::string_view payload) {
  auto v = DecodeValue(payload);
  if (!v.ok()) return v.status();
  try {
    CollectionConfig c;
    c.dimension = v->at("dimension").get<uint32_t>();
    int metric = v->at("metric").get<int>();
    if (metric < 1 || metric > 3) return Status::Internal("corrupt collection record: metric " + std::to_string(metric));
    c.metric = static_cast<Metric>(metric);
    c.m = v->at("m").get<uint32_t>();
    c.ef_construction = v->at("ef_construction").get<uint32_t>();
    c.incarnation = v->at("incarnation").get<uint64_t>();
    return c;
  } catch (const std::exception& e) {
    return Status::Internal(std::string("corrupt collection record: ") + e.what());
  }
}
}  // namespace

Result<CollectionConfig> DecodeCollection(std::string_view payload) {
  // The last payload this thread decoded, with its config. Every search reads
  // its collection's record and decoding it (CBOR to JSON, then the fields)
  // was most of that read's cost; the config is a function of the payload's
  // bytes alone, so a remembered one never goes stale.
  struct Last {
    std::string payload;
    CollectionConfig config;
  };
  thread_local std::optional<Last> last;
  if (last.has_value() && last->payload == payload) return last->config;
  auto config = DecodeCollectionUncached(payload);
  if (config.ok()) last = Last{std::string(payload), *config};
  return config;
}

std::string VectorNamePrefix(std::string_view collection, uint64_t incarnation) {
  static const char kHex[] = "0123456789abcdef";
  std::string out(collection);
  out.push_back('/');
  for (int shift = 60; shift >= 0; shift -= 4) out.push_back(kHex[(incarnation >> shift) & 0xf]);
  out.push_back('/');
  return out;
}

std::string VectorRecordName(std::string_view collection, uint64_t incarnation, std::string_view key) {
  return VectorNamePrefix(collection, incarnation) + std::string(key);
}

std::optional<VectorRecordParts> ParseVectorRecordName(std::string_view name) {
  constexpr size_t kHexDigits = 16;
  size_t slash = name.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  size_t key_at = slash + 1 + kHexDigits + 1;
  if (name.size() <= key_at || name[key_at - 1] != '/') return std::nullopt;
  VectorRecordParts out;
  for (char c : name.substr(slash + 1, kHexDigits)) {
    int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (digit < 0) return std::nullopt;
    out.incarnation = (out.incarnation << 4) | static_cast<uint64_t>(digit);
  }
  out.collection = std::string(name.substr(0, slash));
  out.key = std::string(name.substr(key_at));
  return out;
}

void AppendF32le(std::string& out, const std::vector<float>& values) {
  out.reserve(out.size() + values.size() * 4);
  for (float f : values) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  }
}

std::vector<float> DecodeF32le(std::string_view bytes) {
  std::vector<float> out(bytes.size() / 4);
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  for (size_t i = 0; i < out.size(); ++i, p += 4) {
    uint32_t bits = uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
    std::memcpy(&out[i], &bits, 4);
  }
  return out;
}

std::string EncodeVector(const std::vector<float>& values, std::string_view metadata_cbor) {
  std::string out;
  out.reserve(4 + values.size() * 4 + metadata_cbor.size());
  AppendU32(out, static_cast<uint32_t>(values.size()));
  AppendF32le(out, values);
  out.append(metadata_cbor);
  return out;
}

Result<StoredVector> DecodeVector(std::string_view payload) {
  if (payload.size() < 4) return Status::Internal("corrupt vector record: short header");
  uint32_t dim = ReadU32(payload);
  if (payload.size() < 4 + static_cast<size_t>(dim) * 4) return Status::Internal("corrupt vector record: short data");
  StoredVector out;
  out.values = DecodeF32le(payload.substr(4, static_cast<size_t>(dim) * 4));
  std::string_view rest = payload.substr(4 + static_cast<size_t>(dim) * 4);
  if (!rest.empty()) {
    auto meta = DecodeValue(rest);
    if (!meta.ok()) return meta.status();
    out.metadata = std::move(meta).value();
  }
  return out;
}

Status CheckFinite(const std::vector<float>& values, std::string_view what) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      return Status::InvalidArgument(std::string(what) + " component " + std::to_string(i) + " is " +
                                     (std::isnan(values[i]) ? "NaN" : "infinite") + "; components must be finite");
    }
  }
  return Status::Ok();
}

namespace {
double Dot(const float* a, const float* b, size_t dim) {
  double s = 0;
  for (size_t i = 0; i < dim; ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}
}  // namespace

double Norm(const float* v, size_t dim) { return std::sqrt(Dot(v, v, dim)); }

double Distance(Metric metric, const float* a, const float* b, size_t dim) {
  switch (metric) {
    case Metric::kCosine: {
      double na = Norm(a, dim), nb = Norm(b, dim);
      // A zero vector has no direction: treat it as orthogonal to everything.
      if (na == 0 || nb == 0) return 1.0;
      return 1.0 - Dot(a, b, dim) / (na * nb);
    }
    case Metric::kEuclidean: {
      double s = 0;
      for (size_t i = 0; i < dim; ++i) {
        double d = static_cast<double>(a[i]) - b[i];
        s += d * d;
      }
      return std::sqrt(s);
    }
    case Metric::kDotProduct: return 1.0 - Dot(a, b, dim);
  }
  return 0;
}

double ScoreFromDistance(Metric metric, double distance) {
  return metric == Metric::kEuclidean ? 1.0 / (1.0 + distance) : 1.0 - distance;
}

}  // namespace strata::storage

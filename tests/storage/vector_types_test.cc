// The collection record's encoding: DecodeCollection gives back what
// EncodeCollection was given, whichever records a thread decoded before
// (DecodeCollection remembers the last one per thread), and refuses damage.
#include <gtest/gtest.h>

#include "storage/vector_types.h"

namespace strata::storage {
namespace {

CollectionConfig Config(uint32_t dimension, Metric metric, uint32_t m, uint64_t incarnation) {
  CollectionConfig c;
  c.dimension = dimension;
  c.metric = metric;
  c.m = m;
  c.ef_construction = 100 + m;
  c.incarnation = incarnation;
  return c;
}

void ExpectSame(const Result<CollectionConfig>& got, const CollectionConfig& want) {
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->dimension, want.dimension);
  EXPECT_EQ(got->metric, want.metric);
  EXPECT_EQ(got->m, want.m);
  EXPECT_EQ(got->ef_construction, want.ef_construction);
  EXPECT_EQ(got->incarnation, want.incarnation);
}

TEST(VectorTypesTest, CollectionRecordsDecodeToTheirOwnConfigInAnyOrder) {
  CollectionConfig a = Config(128, Metric::kCosine, 16, 7);
  CollectionConfig b = Config(3, Metric::kEuclidean, 32, 8);
  CollectionConfig c = Config(128, Metric::kDotProduct, 16, 7);  // differs from a by the metric only
  std::string ea = EncodeCollection(a), eb = EncodeCollection(b), ec = EncodeCollection(c);
  for (int round = 0; round < 3; ++round) {
    ExpectSame(DecodeCollection(ea), a);
    ExpectSame(DecodeCollection(ea), a);
    ExpectSame(DecodeCollection(eb), b);
    ExpectSame(DecodeCollection(ec), c);
  }
}

TEST(VectorTypesTest, ADamagedCollectionRecordIsRefusedEvenAfterAGoodOne) {
  std::string good = EncodeCollection(Config(4, Metric::kCosine, 16, 1));
  ExpectSame(DecodeCollection(good), Config(4, Metric::kCosine, 16, 1));
  std::string damaged = good.substr(0, good.size() / 2);
  EXPECT_FALSE(DecodeCollection(damaged).ok());
  EXPECT_FALSE(DecodeCollection(damaged).ok()) << "a refused record must not be remembered as good";
  ExpectSame(DecodeCollection(good), Config(4, Metric::kCosine, 16, 1));
}

}  // namespace
}  // namespace strata::storage

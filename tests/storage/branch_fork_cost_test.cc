// A fork is O(1) in the data size (spec/api.md §9, design.md §2): the number
// of LMDB records a fork writes is the same for a source holding 200k keys as
// for an empty one. Counted with mdb_stat entry counts of every database, not
// with time.
#include <lmdb.h>

#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "storage/engine.h"
#include "storage/versioned_names.h"
#include "tests/storage/engine_test_env.h"

namespace strata::storage {
namespace {

struct Entries {
  uint64_t meta = 0, catalog = 0, records = 0, clock = 0;
  uint64_t total() const { return meta + catalog + records + clock; }
};

Entries Count(Engine& engine) {
  Entries out;
  auto txn = Txn::BeginRead(engine.core().env());
  EXPECT_TRUE(txn.ok());
  const Databases& dbs = engine.core().dbs();
  auto entries = [&](MDB_dbi dbi) {
    MDB_stat st;
    EXPECT_EQ(mdb_stat(txn->raw(), dbi, &st), 0);
    return static_cast<uint64_t>(st.ms_entries);
  };
  out.meta = entries(dbs.meta);
  out.catalog = entries(dbs.catalog);
  out.records = entries(dbs.records);
  out.clock = entries(dbs.clock);
  return out;
}

Entries Delta(const Entries& before, const Entries& after) {
  return {after.meta - before.meta, after.catalog - before.catalog, after.records - before.records,
          after.clock - before.clock};
}

class BranchForkCostTest : public testing::EngineTest {};

TEST_F(BranchForkCostTest, ForkOf200kKeysWritesAsManyRecordsAsForkOfAnEmptyBranch) {
  // Fork of the empty default branch.
  Entries before_empty = Count(*engine_);
  ASSERT_TRUE(engine_->branches().Fork("default", "from-empty").ok());
  Entries empty = Delta(before_empty, Count(*engine_));

  // 200k keys on default, written in one writer batch to keep the test quick.
  constexpr int kKeys = 200000;
  EngineCore& core = engine_->core();
  Status st = core.writer().Run([&](WriteContext& ctx) -> Status {
    auto target = core.ResolveWrite(ctx, Scope{});
    if (!target.ok()) return target.status();
    std::string payload = EncodeValue(Value("some value of modest size"));
    char key[32];
    for (int i = 0; i < kKeys; ++i) {
      std::snprintf(key, sizeof key, "key-%08d", i);
      auto v = VersionedNames::Put(core, ctx, *target, Primitive::kKv, key, payload);
      if (!v.ok()) return v.status();
    }
    return Status::Ok();
  });
  ASSERT_TRUE(st.ok()) << st.message();
  auto stats = engine_->Stats("default");
  ASSERT_TRUE(stats.ok());
  ASSERT_EQ(stats->total_keys, static_cast<uint64_t>(kKeys));

  Entries before_full = Count(*engine_);
  ASSERT_GE(before_full.records, static_cast<uint64_t>(kKeys));
  ASSERT_TRUE(engine_->branches().Fork("default", "from-full").ok());
  Entries full = Delta(before_full, Count(*engine_));

  std::printf("fork records written: empty source %llu (meta %llu, catalog %llu, records %llu, clock %llu); "
              "200k-key source %llu (meta %llu, catalog %llu, records %llu, clock %llu)\n",
              (unsigned long long)empty.total(), (unsigned long long)empty.meta, (unsigned long long)empty.catalog,
              (unsigned long long)empty.records, (unsigned long long)empty.clock, (unsigned long long)full.total(),
              (unsigned long long)full.meta, (unsigned long long)full.catalog, (unsigned long long)full.records,
              (unsigned long long)full.clock);
  EXPECT_EQ(full.total(), empty.total());
  EXPECT_EQ(full.records, 0u) << "a fork copies no data records";
  EXPECT_EQ(empty.records, 0u);
  EXPECT_LE(full.total(), 8u) << "a fork is a handful of catalog records";

  // And the child sees all of it.
  auto got = engine_->kv().Get(Scope{"from-full", ""}, "key-00123456", std::nullopt);
  ASSERT_TRUE(got.ok() && got->has_value());
  auto child_stats = engine_->Stats("from-full");
  ASSERT_TRUE(child_stats.ok());
  EXPECT_EQ(child_stats->total_keys, static_cast<uint64_t>(kKeys));
}

}  // namespace
}  // namespace strata::storage

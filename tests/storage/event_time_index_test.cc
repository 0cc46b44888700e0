// The events' time index (storage/event_log.h): a merge finds the target's
// copy of an event through it, a data directory written before it existed
// (format version 1) is indexed at open, and deleting a space drops its
// entries with its events.
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/engine.h"
#include "storage/event_log.h"
#include "storage/key_codec.h"
#include "storage/meta_keys.h"
#include "tests/storage/engine_test_env.h"

namespace strata::storage {
namespace {

using testing::OpenOrFail;
using testing::OptionsFor;
using testing::ScratchDir;

Scope On(std::string_view branch, std::string_view space = "default") {
  Scope s;
  s.branch = std::string(branch);
  s.space = std::string(space);
  return s;
}

// Opens the directory's LMDB environment alone (no engine), for a test to
// read or rewrite what the engine left there.
std::unique_ptr<Env> RawEnv(const std::string& dir) {
  EnvOptions options;
  options.path = dir;
  options.map_size = 1ull << 30;
  auto env = Env::Open(options);
  EXPECT_TRUE(env.ok()) << env.status().message();
  return env.ok() ? std::move(env).value() : nullptr;
}

size_t TimeIndexEntries(const std::string& dir) {
  auto env = RawEnv(dir);
  if (!env) return 0;
  auto txn = Txn::BeginRead(*env);
  EXPECT_TRUE(txn.ok());
  size_t n = 0;
  Cursor c(*txn, env->dbs().records);
  for (bool ok = c.First(); ok; ok = c.Next()) {
    if (c.key().size() > 8 && static_cast<uint8_t>(c.key()[8]) == static_cast<uint8_t>(Primitive::kEventByTime)) ++n;
  }
  return n;
}

uint32_t FormatVersion(const std::string& dir) {
  auto env = RawEnv(dir);
  if (!env) return 0;
  auto txn = Txn::BeginRead(*env);
  EXPECT_TRUE(txn.ok());
  auto v = txn->Get(env->dbs().meta, kMetaFormatVersion);
  EXPECT_TRUE(v.ok() && v->has_value());
  return v.ok() && v->has_value() ? ReadU32(**v) : 0;
}

// Makes the directory look as a format-1 stratad left it: no time index, no
// marker, format version 1.
void MakeVersionOne(const std::string& dir) {
  auto env = RawEnv(dir);
  ASSERT_NE(env, nullptr);
  auto txn = Txn::BeginWrite(*env);
  ASSERT_TRUE(txn.ok());
  std::vector<std::string> keys;
  {
    Cursor c(*txn, env->dbs().records);
    for (bool ok = c.First(); ok; ok = c.Next()) {
      if (c.key().size() > 8 && static_cast<uint8_t>(c.key()[8]) == static_cast<uint8_t>(Primitive::kEventByTime)) {
        keys.emplace_back(c.key());
      }
    }
  }
  for (const auto& k : keys) ASSERT_TRUE(txn->Del(env->dbs().records, k).ok());
  ASSERT_TRUE(txn->Del(env->dbs().meta, kMetaEventTimeIndex).ok());
  std::string one;
  AppendU32(one, 1);
  ASSERT_TRUE(txn->Put(env->dbs().meta, kMetaFormatVersion, one).ok());
  ASSERT_TRUE(txn->Commit().ok());
}

TEST(EventTimeIndexTest, EveryAppendIsIndexedAndANewDirectoryHasTheCurrentFormat) {
  ScratchDir dir;
  {
    auto engine = OpenOrFail(OptionsFor(dir.path()));
    ASSERT_NE(engine, nullptr);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(engine->events().Append(On("default"), "t", i).ok());
  }
  EXPECT_EQ(TimeIndexEntries(dir.path()), 5u);
  EXPECT_EQ(FormatVersion(dir.path()), kFormatVersion);
}

TEST(EventTimeIndexTest, AVersionOneDirectoryIsIndexedAtOpenAndItsMergesStillKnowCopies) {
  ScratchDir dir;
  auto merge = [](Engine& engine, std::string_view source, std::string_view target) -> uint64_t {
    auto merged = engine.branches().Merge(source, target, "");
    EXPECT_TRUE(merged.ok()) << merged.status().message();
    return merged.ok() ? merged->keys_applied : 0;
  };
  {
    auto engine = OpenOrFail(OptionsFor(dir.path()));
    ASSERT_NE(engine, nullptr);
    ASSERT_TRUE(engine->events().Append(On("default"), "base", 0).ok());
    ASSERT_TRUE(engine->branches().Fork("default", "a").ok());
    ASSERT_TRUE(engine->branches().Fork("default", "b").ok());
    ASSERT_TRUE(engine->events().Append(On("a"), "a", "a1").ok());
    ASSERT_TRUE(engine->events().Append(On("b"), "b", "b1").ok());
    EXPECT_EQ(merge(*engine, "a", "default"), 1u);  // a1's copy onto default
    EXPECT_EQ(merge(*engine, "a", "b"), 1u);        // and onto b
  }
  MakeVersionOne(dir.path());
  ASSERT_EQ(TimeIndexEntries(dir.path()), 0u);

  auto engine = OpenOrFail(OptionsFor(dir.path()));
  ASSERT_NE(engine, nullptr);
  // b's changes since the fork are b1 and a1's copy, and default holds a copy
  // of a1 that came another way: only b1 goes over. Only the time index,
  // built at open here, tells that default holds it.
  EXPECT_EQ(merge(*engine, "b", "default"), 1u);
  auto list = engine->events().List(On("default"), std::nullopt, 100, std::nullopt, std::nullopt);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[1].payload, Value("a1"));
  EXPECT_EQ((*list)[2].payload, Value("b1"));
  engine.reset();
  // default: base, a1, b1; a: a1; b: b1, a1.
  EXPECT_EQ(TimeIndexEntries(dir.path()), 6u);
  EXPECT_EQ(FormatVersion(dir.path()), kFormatVersion);
}

TEST(EventTimeIndexTest, AnUpgradeOpensALogWithACorruptRecordAndLeavesItToVerify) {
  ScratchDir dir;
  {
    auto engine = OpenOrFail(OptionsFor(dir.path()));
    ASSERT_NE(engine, nullptr);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(engine->events().Append(On("default"), "t", i).ok());
  }
  MakeVersionOne(dir.path());
  {
    // Event 1 cut to 10 bytes: too short to hold even its time.
    auto env = RawEnv(dir.path());
    ASSERT_NE(env, nullptr);
    auto txn = Txn::BeginWrite(*env);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(txn->Put(env->dbs().records, EventLog::EventKey(kDefaultBranchId, kDefaultSpaceId, 1),
                         std::string(10, 'x')).ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  {
    auto engine = OpenOrFail(OptionsFor(dir.path()));
    ASSERT_NE(engine, nullptr);
    auto verify = engine->events().Verify(On("default"));
    ASSERT_TRUE(verify.ok()) << verify.status().message();
    EXPECT_FALSE(verify->valid);
    EXPECT_EQ(verify->first_broken, std::optional<uint64_t>(1));
  }
  EXPECT_EQ(TimeIndexEntries(dir.path()), 2u);
  EXPECT_EQ(FormatVersion(dir.path()), kFormatVersion);
}

// Appends `count` equal events (one type, payload and timestamp) to a branch,
// as an import of a log holding them would.
void AppendAt(Engine& engine, std::string_view branch, int64_t timestamp, int count) {
  Status st = engine.core().writer().Run([&](WriteContext& ctx) -> Status {
    auto target = engine.core().ResolveWrite(ctx, On(branch));
    if (!target.ok()) return target.status();
    for (int i = 0; i < count; ++i) {
      auto version = ctx.NextVersion();
      if (!version.ok()) return version.status();
      auto r = EventLog::AppendInWriterAt(ctx, target->branch_id, target->space_id, "x", Value(1), *version, timestamp);
      if (!r.ok()) return r.status();
    }
    return Status::Ok();
  });
  ASSERT_TRUE(st.ok()) << st.message();
}

TEST(EventTimeIndexTest, CopiesOfEqualEventsOfOneMicrosecondAreCountedOneForOne) {
  ScratchDir dir;
  auto engine = OpenOrFail(OptionsFor(dir.path()));
  ASSERT_NE(engine, nullptr);
  auto merge = [&](std::string_view source, std::string_view target) -> uint64_t {
    auto merged = engine->branches().Merge(source, target, "");
    EXPECT_TRUE(merged.ok()) << merged.status().message();
    return merged.ok() ? merged->keys_applied : 0;
  };
  auto length = [&](std::string_view branch) { return *engine->events().Len(On(branch), std::nullopt); };
  ASSERT_TRUE(engine->events().Append(On("default"), "base", 0).ok());
  ASSERT_TRUE(engine->branches().Fork("default", "a").ok());
  ASSERT_TRUE(engine->branches().Fork("default", "b").ok());
  ASSERT_TRUE(engine->branches().Fork("default", "c").ok());
  constexpr int64_t kWhen = 1700000000000000;
  AppendAt(*engine, "a", kWhen, 2);  // two equal events: two events
  EXPECT_EQ(merge("a", "b"), 2u);    // both go over, though equal
  EXPECT_EQ(length("b"), 3u);
  AppendAt(*engine, "c", kWhen, 1);  // c came by one of them another way
  EXPECT_EQ(merge("b", "c"), 1u);    // so one of b's two goes over
  EXPECT_EQ(length("c"), 3u);
  EXPECT_EQ(merge("a", "default"), 2u);
  EXPECT_EQ(merge("c", "default"), 0u);  // default holds both already
  EXPECT_EQ(length("default"), 3u);
}

// A merge compares a target event's stored payload bytes with the source
// event's decoded payload encoded again (storage/branch_merge.cc).
TEST(EventTimeIndexTest, EncodingARecordsDecodedPayloadGivesItsBytes) {
  const std::vector<Value> samples = {
      Value(nullptr), Value(true), Value(0), Value(-1), Value(23), Value(24), Value(-25), Value(255), Value(65536),
      Value(std::numeric_limits<int64_t>::min()), Value(std::numeric_limits<int64_t>::max()),
      Value(std::numeric_limits<uint64_t>::max()), Value(0.0), Value(-0.0), Value(1.5), Value(0.1), Value(1e300),
      Value(3.4028234663852886e38), Value(1e-310), Value(""), Value("caf\u00e9"), Value(std::string(300, 'x')),
      Value::array({1, "two", 3.0, Value::array(), Value::object()}),
      Value({{"b", 1}, {"a", {{"nested", Value::array({0.25, -7})}}}, {"", nullptr}}),
      Value::binary({1, 2, 3})};
  for (const Value& v : samples) {
    std::string bytes = EncodeValue(v);
    auto decoded = DecodeValue(bytes);
    ASSERT_TRUE(decoded.ok()) << v.dump();
    EXPECT_EQ(EncodeValue(*decoded), bytes) << v.dump();
  }
}

TEST(EventTimeIndexTest, ANewerFormatIsRefusedAndLeftAsItWas) {
  ScratchDir dir;
  { ASSERT_NE(OpenOrFail(OptionsFor(dir.path())), nullptr); }
  {
    auto env = RawEnv(dir.path());
    ASSERT_NE(env, nullptr);
    auto txn = Txn::BeginWrite(*env);
    ASSERT_TRUE(txn.ok());
    std::string newer;
    AppendU32(newer, kFormatVersion + 1);
    ASSERT_TRUE(txn->Put(env->dbs().meta, kMetaFormatVersion, newer).ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  auto engine = Engine::Open(OptionsFor(dir.path()));
  ASSERT_FALSE(engine.ok());
  EXPECT_NE(engine.status().message().find("newer than this stratad supports"), std::string::npos)
      << engine.status().message();
  EXPECT_EQ(FormatVersion(dir.path()), kFormatVersion + 1);
}

TEST(EventTimeIndexTest, DeletingASpaceDropsItsEntries) {
  ScratchDir dir;
  {
    auto engine = OpenOrFail(OptionsFor(dir.path()));
    ASSERT_NE(engine, nullptr);
    ASSERT_TRUE(engine->events().Append(On("default"), "kept", 1).ok());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(engine->events().Append(On("default", "scratch"), "t", i).ok());
    ASSERT_TRUE(engine->spaces().Delete("default", "scratch", /*force=*/true).ok());
    // A space whose records a child still reads keeps them, not its events
    // (appended after the fork, so no child reads those).
    ASSERT_TRUE(engine->kv().Put(On("default", "shared"), "k", 1).ok());
    ASSERT_TRUE(engine->branches().Fork("default", "child").ok());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(engine->events().Append(On("default", "shared"), "t", i).ok());
    ASSERT_TRUE(engine->spaces().Delete("default", "shared", /*force=*/true).ok());
    auto read = engine->kv().Get(On("child", "shared"), "k", std::nullopt);
    ASSERT_TRUE(read.ok() && read->has_value());
  }
  EXPECT_EQ(TimeIndexEntries(dir.path()), 1u);
}

}  // namespace
}  // namespace strata::storage

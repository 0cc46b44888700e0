// Branch bundles (spec/api.md §9, docs/format.md "Bundles"): export a branch
// with every primitive and its full history, import it into a second engine,
// compare; truncated, corrupted and wrong-version bundles are rejected and
// leave no branch behind. Real LMDB in temporary directories.
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/bundle.h"
#include "storage/engine.h"
#include "tests/storage/engine_test_env.h"

namespace strata::storage {
namespace {

class BundleTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    other_ = testing::OpenOrFail(testing::OptionsFor(other_dir_.path()));
    ASSERT_NE(other_, nullptr);
  }

  // Fills "default" (and a fork "feature" reading through it) with every primitive.
  void Populate() {
    Scope d{"default", ""};
    Scope s2{"default", "s2"};
    ASSERT_TRUE(kv().Put(d, "a", Value(1)).ok());
    ASSERT_TRUE(kv().Put(d, "a", Value("two")).ok());
    ASSERT_TRUE(kv().Put(d, "gone", Value(true)).ok());
    ASSERT_TRUE(kv().Delete(d, "gone").ok());
    ASSERT_TRUE(kv().Put(s2, "b", Value(2.5)).ok());
    ASSERT_TRUE(engine_->state().Init(d, "cell", Value(0)).ok());
    ASSERT_TRUE(engine_->state().Cas(d, "cell", Value(1), CasExpectation{Value(0), std::nullopt}).ok());
    ASSERT_TRUE(engine_->json().Set(d, "doc", "$", Value::object({{"x", 1}})).ok());
    ASSERT_TRUE(engine_->json().Set(d, "doc", "$.y", Value("why")).ok());
    ASSERT_TRUE(engine_->events().Append(d, "created", Value::object({{"id", 1}})).ok());
    ASSERT_TRUE(engine_->events().Append(s2, "other", Value(7)).ok());
    ASSERT_TRUE(engine_->branches().Fork("default", "feature").ok());
    Scope f{"feature", ""};
    ASSERT_TRUE(kv().Put(f, "a", Value(3)).ok());
    ASSERT_TRUE(kv().Put(f, "only_feature", Value("f")).ok());
    ASSERT_TRUE(engine_->events().Append(f, "updated", Value::array({1, 2})).ok());
    ASSERT_TRUE(kv().Put(d, "after_fork", Value(9)).ok());  // not visible on feature
  }

  std::string ExportOf(Engine& engine, std::string_view branch) {
    std::string bytes;
    auto r = engine.branches().Export(branch, [&](std::string_view piece) {
      bytes.append(piece);
      return Status::Ok();
    });
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (r.ok()) {
      EXPECT_EQ(r->bundle_size, bytes.size());
      EXPECT_EQ(r->checksum.size(), 32u);
    }
    return bytes;
  }

  static std::vector<VersionedValue> Hist(ValueStore& store, const Scope& s, std::string_view key) {
    auto h = store.History(s, key);
    EXPECT_TRUE(h.ok()) << h.status().message();
    return h.ok() && h->has_value() ? **h : std::vector<VersionedValue>{};
  }

  static void ExpectSameHistory(const std::vector<VersionedValue>& a, const std::vector<VersionedValue>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].value, b[i].value) << i;
      EXPECT_EQ(a[i].deleted, b[i].deleted) << i;
      EXPECT_EQ(a[i].timestamp, b[i].timestamp) << i;
      if (i + 1 < a.size()) EXPECT_GT(b[i].version, b[i + 1].version);  // order kept
    }
  }

  bool OtherHas(std::string_view branch) {
    auto e = other_->branches().Exists(branch);
    EXPECT_TRUE(e.ok());
    return e.ok() && *e;
  }

  testing::ScratchDir other_dir_;
  std::unique_ptr<Engine> other_;
};

TEST_F(BundleTest, RoundTripReproducesEveryPrimitiveHistoryAndEventHashes) {
  Populate();
  std::string bytes = ExportOf(*engine_, "feature");
  auto imported = other_->branches().Import(bytes, "");
  ASSERT_TRUE(imported.ok()) << imported.status().message();
  EXPECT_EQ(imported->branch, "feature");
  EXPECT_GT(imported->keys_written, 0u);

  Scope src{"feature", ""}, dst{"feature", ""};
  for (const char* key : {"a", "gone", "only_feature", "after_fork"}) {
    ExpectSameHistory(Hist(engine_->kv(), src, key), Hist(other_->kv(), dst, key));
  }
  EXPECT_TRUE(Hist(other_->kv(), dst, "after_fork").empty());
  ExpectSameHistory(Hist(engine_->kv(), Scope{"feature", "s2"}, "b"), Hist(other_->kv(), Scope{"feature", "s2"}, "b"));
  ExpectSameHistory(Hist(engine_->state(), src, "cell"), Hist(other_->state(), dst, "cell"));
  auto jh_a = engine_->json().History(src, "doc");
  auto jh_b = other_->json().History(dst, "doc");
  ASSERT_TRUE(jh_a.ok() && jh_b.ok() && jh_a->has_value() && jh_b->has_value());
  ExpectSameHistory(**jh_a, **jh_b);
  auto doc = other_->json().Get(dst, "doc", "$.y", std::nullopt);
  ASSERT_TRUE(doc.ok() && doc->has_value());
  EXPECT_EQ((*doc)->value, Value("why"));

  for (const char* space : {"", "s2"}) {
    Scope s{"feature", space};
    auto ea = engine_->events().List(s, std::nullopt, 100, std::nullopt, std::nullopt);
    auto eb = other_->events().List(s, std::nullopt, 100, std::nullopt, std::nullopt);
    ASSERT_TRUE(ea.ok() && eb.ok());
    ASSERT_EQ(ea->size(), eb->size());
    for (size_t i = 0; i < ea->size(); ++i) {
      EXPECT_EQ((*ea)[i].sequence, (*eb)[i].sequence);
      EXPECT_EQ((*ea)[i].type, (*eb)[i].type);
      EXPECT_EQ((*ea)[i].payload, (*eb)[i].payload);
      EXPECT_EQ((*ea)[i].timestamp, (*eb)[i].timestamp);
      EXPECT_EQ((*ea)[i].hash, (*eb)[i].hash);
    }
    auto verify = other_->events().Verify(s);
    ASSERT_TRUE(verify.ok());
    EXPECT_TRUE(verify->valid) << verify->reason;
  }
  // The imported log continues: a new append chains on.
  EXPECT_TRUE(other_->events().Append(dst, "next", Value(1)).ok());
  // Importing again under the same name is refused.
  auto again = other_->branches().Import(bytes, "");
  EXPECT_EQ(again.status().code(), Code::kAlreadyExists);
  // Under another name it works, and re-exporting gives an equivalent bundle.
  auto renamed = other_->branches().Import(bytes, "copy");
  ASSERT_TRUE(renamed.ok()) << renamed.status().message();
  EXPECT_EQ(renamed->branch, "copy");
}

TEST_F(BundleTest, EmptyBranchRoundTrips) {
  ASSERT_TRUE(engine_->branches().Create("empty").ok());
  std::string bytes = ExportOf(*engine_, "empty");
  auto parsed = ReadBundle(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->branch, "empty");
  auto imported = other_->branches().Import(bytes, "");
  ASSERT_TRUE(imported.ok()) << imported.status().message();
  EXPECT_EQ(imported->keys_written, 0u);
  EXPECT_TRUE(OtherHas("empty"));
}

TEST_F(BundleTest, ExportOfMissingBranchIsNotFound) {
  auto r = engine_->branches().Export("nope", [](std::string_view) { return Status::Ok(); });
  EXPECT_EQ(r.status().code(), Code::kNotFound);
}

TEST_F(BundleTest, TruncatedBundlesAreRejectedAndWriteNothing) {
  Populate();
  std::string bytes = ExportOf(*engine_, "feature");
  for (size_t cut : {size_t{0}, size_t{5}, size_t{14}, size_t{30}, bytes.size() / 2, bytes.size() - 41,
                     bytes.size() - 1}) {
    auto r = other_->branches().Import(std::string_view(bytes).substr(0, cut), "t");
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << cut;
    if (cut > 20) EXPECT_NE(r.status().message().find("truncated"), std::string::npos) << r.status().message();
    EXPECT_FALSE(OtherHas("t"));
  }
}

TEST_F(BundleTest, CorruptedBundlesAreRejectedAndWriteNothing) {
  Populate();
  std::string bytes = ExportOf(*engine_, "feature");
  // A flipped byte in the data frame's payload: that frame's CRC catches it.
  std::string bad = bytes;
  bad[bytes.size() / 2] ^= 0x40;
  auto r = other_->branches().Import(bad, "c");
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("checksum mismatch in chunk 0"), std::string::npos) << r.status().message();
  EXPECT_FALSE(OtherHas("c"));
  // A changed branch name in the header: the whole-bundle SHA-256 catches it.
  std::string renamed = bytes;
  renamed[12 + 4 + 2] = 'g';
  r = other_->branches().Import(renamed, "c");
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("checksum"), std::string::npos) << r.status().message();
  EXPECT_FALSE(OtherHas("c"));
  // Bytes after the trailer.
  r = other_->branches().Import(bytes + "x", "c");
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_FALSE(OtherHas("c"));
  // Not a bundle at all.
  r = other_->branches().Import("hello world, definitely not a bundle", "c");
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_FALSE(OtherHas("c"));
}

// A bundle with good checksums but records no client could write: each was
// imported, and the first two broke every read of the branch (and, merged,
// of default's listings) with INTERNAL or bad UTF-8 on the wire.
TEST_F(BundleTest, RecordsNoClientCouldWriteAreRejectedAndWriteNothing) {
  MustPut("good", Value(1));
  MustPut("victim", Value(2));
  ASSERT_TRUE(engine_->events().Append(scope_, "t", Value(1)).ok());
  auto parsed = ReadBundle(ExportOf(*engine_, "default"));
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  struct Forgery {
    std::string what;
    std::function<void(BundleEntry&)> forge;
    std::string message;
  };
  double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<Forgery> forgeries = {
      {"not CBOR", [](BundleEntry& e) { e.payload = "\xff\xff"; }, "bad value (cbor decode failed)"},
      {"bad utf-8 key", [](BundleEntry& e) { e.name = "\xc3\x28"; }, "key is not valid utf-8"},
      {"reserved key", [](BundleEntry& e) { e.name = "_strata/x"; }, "reserved"},
      {"NUL in key", [](BundleEntry& e) { e.name = std::string("a\0b", 3); }, "NUL"},
      {"bad utf-8 string", [](BundleEntry& e) { e.payload = EncodeValue(Value("\xc3\x28")); }, "not valid utf-8"},
      {"NaN in a document", [nan](BundleEntry& e) {
         e.primitive = Primitive::kJson;
         e.payload = EncodeValue(Value::object({{"x", nan}}));
       }, "NaN or infinity"},
  };
  for (const auto& f : forgeries) {
    std::string forged;
    BundleWriter writer("default", [&](std::string_view piece) {
      forged.append(piece);
      return Status::Ok();
    });
    for (BundleEntry e : parsed->entries) {
      if (e.kind == 'R' && e.name == "victim") f.forge(e);
      ASSERT_TRUE(writer.Add(e).ok());
    }
    ASSERT_TRUE(writer.Finish().ok());
    auto r = other_->branches().Import(forged, "forged");
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << f.what;
    EXPECT_NE(r.status().message().find(f.message), std::string::npos) << f.what << ": " << r.status().message();
    EXPECT_FALSE(OtherHas("forged")) << f.what;
  }
}

TEST_F(BundleTest, WrongVersionIsRejected) {
  Populate();
  std::string bytes = ExportOf(*engine_, "feature");
  bytes[12 + 3] = 9;  // format version 9
  auto r = other_->branches().Import(bytes, "v");
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("unsupported bundle version 9"), std::string::npos) << r.status().message();
  EXPECT_FALSE(OtherHas("v"));
}

TEST_F(BundleTest, LargeBranchStreamsInSeveralPieces) {
  std::string big(4000, 'x');
  for (int i = 0; i < 600; ++i) ASSERT_TRUE(kv().Put({}, "k" + std::to_string(i), Value(big)).ok());
  int pieces = 0;
  std::string bytes;
  auto r = engine_->branches().Export("default", [&](std::string_view p) {
    ++pieces;
    EXPECT_LE(p.size(), kBundleFrameTarget + 64 * 1024);
    bytes.append(p);
    return Status::Ok();
  });
  ASSERT_TRUE(r.ok());
  EXPECT_GE(pieces, 3);
  auto imported = other_->branches().Import(bytes, "big");
  ASSERT_TRUE(imported.ok()) << imported.status().message();
  EXPECT_EQ(imported->keys_written, 600u);
  auto v = other_->kv().Get(Scope{"big", ""}, "k599", std::nullopt);
  ASSERT_TRUE(v.ok() && v->has_value());
  EXPECT_EQ((*v)->value, Value(big));
}

}  // namespace
}  // namespace strata::storage

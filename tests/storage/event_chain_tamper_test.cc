// The event hash chain is tamper-evident: edits made directly in LMDB, behind
// the engine's back, are caught by Verify() at the first broken sequence. And
// the hash itself is the documented one: a golden test rebuilds the canonical
// encoding of storage/event_hash.h byte by byte and hashes it independently.
#include <openssl/evp.h>

#include <cstdint>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "storage/engine.h"
#include "storage/event_hash.h"
#include "storage/lmdb_env.h"
#include "tests/storage/engine_test_env.h"

namespace strata::storage {
namespace {

// Default branch and space ids (storage/meta_keys.h).
constexpr uint32_t kBranch = 1;
constexpr uint32_t kSpace = 1;

// Record layout (storage/event_log.h):
// [version u64][timestamp i64][prev_hash 32][hash 32][type length u16][type][payload cbor]
constexpr size_t kTimestampOffset = 8;
constexpr size_t kPrevHashOffset = 16;
constexpr size_t kHashOffset = 16 + 32;
constexpr size_t kTypeOffset = 16 + 32 + 32 + 2;

std::string Hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

std::string Sha256(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), len);
}

void U32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}
void U64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

class EventChainTamperTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    for (int i = 0; i < 10; ++i) {
      Value p = Value::object();
      p["n"] = i;
      p["note"] = "event " + std::to_string(i);
      auto r = events().Append(scope_, "tick", p);
      ASSERT_TRUE(r.ok()) << r.status().message();
      ASSERT_EQ(r->sequence, static_cast<uint64_t>(i));
    }
    VerifyResult clean = MustVerify();
    ASSERT_TRUE(clean.valid) << clean.reason;
    ASSERT_EQ(clean.length, 10u);
  }

  EventLog& events() { return engine_->events(); }

  VerifyResult MustVerify() {
    auto v = events().Verify(scope_);
    EXPECT_TRUE(v.ok()) << "Verify failed instead of reporting: " << v.status().message();
    return v.ok() ? *v : VerifyResult{true, 0, "", std::nullopt, "verify returned an error"};
  }

  // Reads event `sequence`'s raw record straight from LMDB.
  std::string RawRecord(uint64_t sequence) {
    auto txn = Txn::BeginRead(engine_->core().env());
    EXPECT_TRUE(txn.ok()) << txn.status().message();
    if (!txn.ok()) return {};
    auto v = txn->Get(engine_->core().dbs().records, EventLog::EventKey(kBranch, kSpace, sequence));
    EXPECT_TRUE(v.ok() && v->has_value()) << "event " << sequence << " has no record";
    if (!v.ok() || !v->has_value()) return {};
    return std::string(**v);
  }

  // Writes (or, with nullopt, deletes) event `sequence`'s record behind the engine's back.
  void Overwrite(uint64_t sequence, const std::optional<std::string>& record) {
    auto txn = Txn::BeginWrite(engine_->core().env());
    ASSERT_TRUE(txn.ok()) << txn.status().message();
    std::string key = EventLog::EventKey(kBranch, kSpace, sequence);
    if (record.has_value()) {
      ASSERT_TRUE(txn->Put(engine_->core().dbs().records, key, *record).ok());
    } else {
      auto existing = txn->Get(engine_->core().dbs().records, key);
      ASSERT_TRUE(existing.ok() && existing->has_value()) << "event " << sequence << " has no record to delete";
      ASSERT_TRUE(txn->Del(engine_->core().dbs().records, key).ok());
    }
    ASSERT_TRUE(txn->Commit().ok());
  }

  void ExpectBrokenAt(uint64_t sequence) {
    VerifyResult v = MustVerify();
    EXPECT_FALSE(v.valid);
    ASSERT_TRUE(v.first_broken.has_value()) << "reason: " << v.reason;
    EXPECT_EQ(*v.first_broken, sequence) << "reason: " << v.reason;
    EXPECT_FALSE(v.reason.empty());
    EXPECT_EQ(v.length, 10u);
  }
};

TEST_F(EventChainTamperTest, TheRecordKeyIsWhereTheEventLives) {
  std::string record = RawRecord(6);
  ASSERT_GT(record.size(), kTypeOffset);
  EXPECT_EQ(record.substr(kTypeOffset, 4), "tick");
  auto e = events().Get(scope_, 6, std::nullopt);
  ASSERT_TRUE(e.ok() && e->has_value());
  EXPECT_EQ(record.substr(kHashOffset, kHashBytes), (*e)->hash);
  EXPECT_EQ(record.substr(kPrevHashOffset, kHashBytes), (*e)->prev_hash);
}

TEST_F(EventChainTamperTest, AModifiedPayloadByteIsReportedAtThatEvent) {
  std::string record = RawRecord(6);
  ASSERT_EQ(record.back(), '6') << "the payload ends with the note \"event 6\"";
  record.back() = 'X';
  Overwrite(6, record);
  // The tamper took: the engine now reads the altered payload.
  auto e = events().Get(scope_, 6, std::nullopt);
  ASSERT_TRUE(e.ok() && e->has_value());
  EXPECT_EQ((*e)->payload["note"], Value("event X"));
  ExpectBrokenAt(6);
  EXPECT_NE(MustVerify().reason.find("hash"), std::string::npos) << MustVerify().reason;
}

TEST_F(EventChainTamperTest, AModifiedPrevHashIsReportedAtThatEvent) {
  std::string record = RawRecord(3);
  record[kPrevHashOffset + 5] ^= 0x01;
  Overwrite(3, record);
  ExpectBrokenAt(3);
  EXPECT_NE(MustVerify().reason.find("prev_hash"), std::string::npos) << MustVerify().reason;
}

TEST_F(EventChainTamperTest, ADeletedEventIsReportedAtItsSequence) {
  Overwrite(4, std::nullopt);
  ExpectBrokenAt(4);
  EXPECT_NE(MustVerify().reason.find("missing"), std::string::npos) << MustVerify().reason;
}

TEST_F(EventChainTamperTest, ADeletedLastEventIsReportedAtItsSequence) {
  Overwrite(9, std::nullopt);
  ExpectBrokenAt(9);
}

TEST_F(EventChainTamperTest, AModifiedTimestampIsReportedAtThatEvent) {
  std::string record = RawRecord(2);
  record[kTimestampOffset + 7] ^= 0x01;
  Overwrite(2, record);
  ExpectBrokenAt(2);
}

TEST_F(EventChainTamperTest, AModifiedTypeIsReportedAtThatEvent) {
  std::string record = RawRecord(5);
  record[kTypeOffset] = 'T';
  Overwrite(5, record);
  ExpectBrokenAt(5);
}

TEST_F(EventChainTamperTest, AModifiedStoredHashIsReportedAtThatEvent) {
  std::string record = RawRecord(8);
  record[kHashOffset] ^= 0x80;
  Overwrite(8, record);
  ExpectBrokenAt(8);
}

// Rewriting an event consistently (its own hash recomputed) still breaks the
// next event's link, so the edit is caught one event later.
TEST_F(EventChainTamperTest, ARewriteWithARecomputedHashBreaksTheNextLink) {
  auto e = events().Get(scope_, 6, std::nullopt);
  ASSERT_TRUE(e.ok() && e->has_value());
  Value forged = (*e)->payload;
  forged["n"] = 600;
  std::string record = RawRecord(6);
  std::string forged_hash = EventHash((*e)->prev_hash, 6, (*e)->type, (*e)->timestamp, forged);
  std::string rebuilt = record.substr(0, kHashOffset) + forged_hash + record.substr(kHashOffset + kHashBytes,
                                                                                    2 + (*e)->type.size()) +
                        EncodeValue(forged);
  Overwrite(6, rebuilt);
  auto reread = events().Get(scope_, 6, std::nullopt);
  ASSERT_TRUE(reread.ok() && reread->has_value());
  EXPECT_EQ((*reread)->payload["n"], Value(600));
  ExpectBrokenAt(7);
}

// A record so damaged that its payload no longer decodes is still a broken
// link for Verify to report, not an I/O failure of Verify itself.
TEST_F(EventChainTamperTest, AnUndecodablePayloadIsReportedAsBrokenNotAsAnError) {
  std::string record = RawRecord(6);
  // Replace the CBOR payload with a truncated map header (a map of 2 with no entries).
  record.resize(kTypeOffset + 4);
  record.push_back(static_cast<char>(0xa2));
  Overwrite(6, record);
  auto v = events().Verify(scope_);
  ASSERT_TRUE(v.ok()) << "Verify returned an error instead of a report: code "
                      << static_cast<int>(v.status().code()) << " " << v.status().message();
  EXPECT_FALSE(v->valid);
  ASSERT_TRUE(v->first_broken.has_value());
  EXPECT_EQ(*v->first_broken, 6u);
}

TEST_F(EventChainTamperTest, ADeletedFirstEventIsReportedAtZero) {
  Overwrite(0, std::nullopt);
  ExpectBrokenAt(0);
}

// The log head (meta "event_head/" [branch u32][space u32] -> [next u64][last hash 32])
// must agree with the last event.
TEST_F(EventChainTamperTest, AHeadHashThatDisagreesWithTheLastEventIsReported) {
  std::string key = "event_head/";
  U32(key, kBranch);
  U32(key, kSpace);
  auto txn = Txn::BeginWrite(engine_->core().env());
  ASSERT_TRUE(txn.ok());
  auto head = txn->Get(engine_->core().dbs().meta, key);
  ASSERT_TRUE(head.ok() && head->has_value()) << "no event head under the documented key";
  std::string forged(**head);
  ASSERT_EQ(forged.size(), 8u + kHashBytes);
  forged[8] ^= 0x01;
  ASSERT_TRUE(txn->Put(engine_->core().dbs().meta, key, forged).ok());
  ASSERT_TRUE(txn->Commit().ok());
  ExpectBrokenAt(9);
}

TEST_F(EventChainTamperTest, TheFirstOfSeveralTampersIsReported) {
  Overwrite(7, std::nullopt);
  std::string record = RawRecord(3);
  record.back() = 'Y';
  Overwrite(3, record);
  ExpectBrokenAt(3);
}

// ---- the documented hash ----

TEST(EventHashGoldenTest, MatchesTheDocumentedCanonicalEncodingBuiltByHand) {
  const std::string prev(32, '\x11');
  const uint64_t sequence = 5;
  const std::string type = "order.created";
  const int64_t timestamp = 1700000000123456;
  Value payload = Value::object();
  payload["s"] = "h\xc3\xa9";
  payload["i"] = int64_t{-2};
  payload["u"] = uint64_t{7};
  payload["d"] = 1.5;
  payload["t"] = true;
  payload["f"] = false;
  payload["n"] = nullptr;
  payload["b"] = Value::binary({0x00, 0xff});
  payload["a"] = Value::array({int64_t{1}, "x"});
  payload["o"] = Value::object();

  std::string c;
  U64(c, sequence);
  U32(c, 13);
  c += "order.created";
  U64(c, static_cast<uint64_t>(timestamp));
  c += 'o';
  U32(c, 10);
  auto key = [&](const char* k) {
    U32(c, static_cast<uint32_t>(std::strlen(k)));
    c += k;
  };
  key("s");
  c += 's';
  U32(c, 3);
  c += "h\xc3\xa9";
  key("i");
  c += 'i';
  U64(c, 0xfffffffffffffffeull);  // -2 as two's complement
  key("u");
  c += 'i';
  U64(c, 7);
  key("d");
  c += 'd';
  U64(c, 0x3ff8000000000000ull);  // 1.5
  key("t");
  c += 't';
  key("f");
  c += 'f';
  key("n");
  c += 'n';
  key("b");
  c += 'b';
  U32(c, 2);
  c.push_back('\x00');
  c.push_back('\xff');
  key("a");
  c += 'a';
  U32(c, 2);
  c += 'i';
  U64(c, 1);
  c += 's';
  U32(c, 1);
  c += 'x';
  key("o");
  c += 'o';
  U32(c, 0);

  EXPECT_EQ(Hex(CanonicalEventEncoding(sequence, type, timestamp, payload)), Hex(c));
  std::string hash = EventHash(prev, sequence, type, timestamp, payload);
  ASSERT_EQ(hash.size(), 32u);
  EXPECT_EQ(Hex(hash), Hex(Sha256(prev + c)));
  // Computed once with Python's hashlib over the same documented encoding.
  EXPECT_EQ(Hex(hash), "1aadcd3cb61cbb56f2eb24b31491dccd07dd3eec7191c2e128a34d1f81a57603");
  // The same again after a trip through the on-disk codec (ints come back unsigned).
  auto decoded = DecodeValue(EncodeValue(payload));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(Hex(EventHash(prev, sequence, type, timestamp, *decoded)), Hex(hash));
}

TEST(EventHashGoldenTest, FirstEventOfALogHashesOverZeroPrevHash) {
  std::string c;
  U64(c, 0);
  U32(c, 1);
  c += 't';
  U64(c, 1);
  c += 'n';
  std::string zero(32, '\0');
  std::string hash = EventHash(zero, 0, "t", 1, Value(nullptr));
  EXPECT_EQ(Hex(hash), Hex(Sha256(zero + c)));
  EXPECT_EQ(Hex(hash), "c2704a8e7a3147f53136109e9c86ec55368154f87030e8780505acf8eb0acc40");
}

TEST(EventHashGoldenTest, EveryInputChangesTheHash) {
  const std::string prev(32, '\x22');
  Value p = Value::object();
  p["k"] = int64_t{1};
  std::string base = EventHash(prev, 1, "t", 100, p);
  EXPECT_NE(base, EventHash(std::string(32, '\x23'), 1, "t", 100, p));
  EXPECT_NE(base, EventHash(prev, 2, "t", 100, p));
  EXPECT_NE(base, EventHash(prev, 1, "u", 100, p));
  EXPECT_NE(base, EventHash(prev, 1, "t", 101, p));
  Value q = Value::object();
  q["k"] = 1.0;
  EXPECT_NE(base, EventHash(prev, 1, "t", 100, q)) << "int and float encode differently";
  Value two = Value::object();
  two["a"] = int64_t{1};
  two["b"] = int64_t{2};
  Value swapped = Value::object();
  swapped["b"] = int64_t{2};
  swapped["a"] = int64_t{1};
  EXPECT_NE(EventHash(prev, 1, "t", 100, two), EventHash(prev, 1, "t", 100, swapped))
      << "keys are encoded in stored order";
  EXPECT_NE(EventHash(prev, 1, "t", 100, Value("ab")), EventHash(prev, 1, "t", 100, Value::binary({'a', 'b'})));
}

}  // namespace
}  // namespace strata::storage

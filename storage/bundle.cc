#include "storage/bundle.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "storage/branch_store.h"
#include "storage/catalog.h"
#include "storage/event_hash.h"
#include "storage/event_log.h"
#include "storage/names.h"
#include "storage/record_store.h"
#include "storage/value.h"
#include "storage/vector_types.h"

namespace strata::storage {
namespace {

constexpr size_t kFrameHeader = 1 + 4 + 4;

void PutStr(std::string& out, std::string_view s) {
  AppendU32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

std::string Sha256(std::string_view data) {
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(md), 32);
}

// A bounds-checked reader of one entry.
class In {
 public:
  explicit In(std::string_view s) : s_(s) {}
  bool U8(uint8_t& v) {
    if (s_.size() < 1) return false;
    v = static_cast<uint8_t>(s_[0]);
    s_.remove_prefix(1);
    return true;
  }
  bool U64(uint64_t& v) {
    if (s_.size() < 8) return false;
    v = ReadU64(s_);
    s_.remove_prefix(8);
    return true;
  }
  bool Str(std::string& v) {
    if (s_.size() < 4) return false;
    uint32_t n = ReadU32(s_);
    if (s_.size() - 4 < n) return false;
    v.assign(s_.substr(4, n));
    s_.remove_prefix(4 + n);
    return true;
  }
  bool Raw(std::string& v, size_t n) {
    if (s_.size() < n) return false;
    v.assign(s_.substr(0, n));
    s_.remove_prefix(n);
    return true;
  }
  bool empty() const { return s_.empty(); }

 private:
  std::string_view s_;
};

std::string EncodeEntry(const BundleEntry& e) {
  std::string out;
  out.push_back(e.kind);
  PutStr(out, e.space);
  if (e.kind == 'R') {
    out.push_back(static_cast<char>(e.primitive));
    PutStr(out, e.name);
    AppendU64(out, e.version);
    AppendU64(out, static_cast<uint64_t>(e.timestamp));
    out.push_back(e.tombstone ? 1 : 0);
    PutStr(out, e.payload);
  } else if (e.kind == 'E') {
    AppendU64(out, e.sequence);
    AppendU64(out, e.version);
    AppendU64(out, static_cast<uint64_t>(e.timestamp));
    PutStr(out, e.name);
    PutStr(out, e.payload);
    out.append(e.hash);
  }
  return out;
}

// Decodes one entry; an empty answer, or what is wrong with it.
std::string DecodeEntry(std::string_view bytes, BundleEntry& e) {
  In in(bytes);
  uint8_t kind = 0;
  if (!in.U8(kind) || !in.Str(e.space)) return "it ends too soon";
  e.kind = static_cast<char>(kind);
  uint64_t ts = 0;
  if (e.kind == 'S') return in.empty() ? "" : "bytes after a space entry";
  if (e.kind == 'R') {
    uint8_t p = 0, tomb = 0;
    if (!in.U8(p) || !in.Str(e.name) || !in.U64(e.version) || !in.U64(ts) || !in.U8(tomb) || !in.Str(e.payload)) {
      return "a record entry ends too soon";
    }
    e.primitive = static_cast<Primitive>(p);
    e.timestamp = static_cast<int64_t>(ts);
    e.tombstone = tomb != 0;
    if (tomb > 1) return "a record's tombstone flag must be 0 or 1, got " + std::to_string(tomb);
    return in.empty() ? "" : "bytes after a record entry";
  }
  if (e.kind == 'E') {
    e.primitive = Primitive::kEvent;
    if (!in.U64(e.sequence) || !in.U64(e.version) || !in.U64(ts) || !in.Str(e.name) || !in.Str(e.payload) ||
        !in.Raw(e.hash, kHashBytes)) {
      return "an event entry ends too soon";
    }
    e.timestamp = static_cast<int64_t>(ts);
    return in.empty() ? "" : "bytes after an event entry";
  }
  return "unknown entry kind " + std::to_string(kind);
}

// (space, collection, incarnation on the exporting server)
using IncarnationKey = std::tuple<std::string, std::string, uint64_t>;

Status BadEntry(size_t index, const std::string& what) {
  return Status::InvalidArgument("bundle entry " + std::to_string(index) + ": " + what);
}

// A stored value as a client could have written it: strings and object keys
// valid UTF-8 within the string limit (the wire carries them as proto
// strings), and, where spec §2 refuses them, no NaN or infinity.
Status CheckImportedValue(const Value& v, bool finite_only) {
  switch (v.type()) {
    case Value::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      if (s.size() > kMaxStringBytes) return Status::InvalidArgument("a string value is over 16 MiB");
      if (!IsValidUtf8(s)) return Status::InvalidArgument("a string value is not valid utf-8");
      return Status::Ok();
    }
    case Value::value_t::binary:
      if (v.get_binary().size() > kMaxStringBytes) return Status::InvalidArgument("a bytes value is over 16 MiB");
      return Status::Ok();
    case Value::value_t::number_float:
      if (finite_only && !std::isfinite(v.get<double>())) {
        return Status::InvalidArgument("NaN or infinity where values must be finite");
      }
      return Status::Ok();
    case Value::value_t::array:
      for (const auto& child : v) STRATA_RETURN_IF_ERROR(CheckImportedValue(child, finite_only));
      return Status::Ok();
    case Value::value_t::object:
      for (const auto& [key, child] : v.items()) {
        if (!IsValidUtf8(key)) return Status::InvalidArgument("an object key is not valid utf-8");
        STRATA_RETURN_IF_ERROR(CheckImportedValue(child, finite_only));
      }
      return Status::Ok();
    default:
      return Status::Ok();
  }
}

// Collection and vector records are checked as the vector store would check
// them, before anything is written: names, settings, and each live vector's
// dimension against its collection when the bundle holds that collection (an
// old vector of a collection whose record was compacted away has none).
Status CheckVectorEntries(const std::vector<BundleEntry>& entries) {
  std::map<IncarnationKey, uint32_t> dimensions;
  for (size_t i = 0; i < entries.size(); ++i) {
    const BundleEntry& e = entries[i];
    if (e.kind != 'R' || e.primitive != Primitive::kCollection) continue;
    Status st = ValidateCollectionName(e.name);
    if (!st.ok()) return BadEntry(i, st.message());
    if (e.tombstone) continue;
    auto config = DecodeCollection(e.payload);
    if (!config.ok()) return BadEntry(i, "bad collection record: " + config.status().message());
    st = ValidateCollectionConfig(*config);
    if (!st.ok()) return BadEntry(i, st.message());
    dimensions[{e.space, e.name, config->incarnation}] = config->dimension;
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    const BundleEntry& e = entries[i];
    if (e.kind != 'R' || e.primitive != Primitive::kVector) continue;
    auto parts = ParseVectorRecordName(e.name);
    if (!parts) return BadEntry(i, "bad vector record name " + QuoteName(e.name));
    Status st = ValidateCollectionName(parts->collection);
    if (st.ok()) st = ValidateKey(parts->key, "vector key");
    if (!st.ok()) return BadEntry(i, st.message());
    if (e.tombstone) continue;
    auto stored = DecodeVector(e.payload);
    if (!stored.ok()) return BadEntry(i, "bad vector record: " + stored.status().message());
    st = CheckFinite(stored->values, "vector");
    if (!st.ok()) return BadEntry(i, st.message());
    if (stored->metadata.has_value()) {
      st = CheckImportedValue(*stored->metadata, /*finite_only=*/true);
      if (!st.ok()) return BadEntry(i, "vector metadata: " + st.message());
    }
    auto dim = dimensions.find({e.space, parts->collection, parts->incarnation});
    if (dim != dimensions.end() && stored->values.size() != dim->second) {
      return BadEntry(i, "vector " + QuoteName(parts->key) + " has " + std::to_string(stored->values.size()) +
                             " components; collection " + QuoteName(parts->collection) + " has dimension " +
                             std::to_string(dim->second));
    }
  }
  return Status::Ok();
}

}  // namespace

uint32_t Crc32(std::string_view data) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char ch : data) crc = table[(crc ^ ch) & 0xff] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

BundleWriter::BundleWriter(std::string_view branch, Sink sink) : sink_(std::move(sink)) {
  auto* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  sha_ = ctx;
  std::string header(kBundleMagic);
  AppendU32(header, kBundleFormatVersion);
  header.push_back(static_cast<char>((branch.size() >> 8) & 0xff));
  header.push_back(static_cast<char>(branch.size() & 0xff));
  header.append(branch);
  frame_ = std::move(header);  // sent with the first frame
}

BundleWriter::~BundleWriter() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(sha_)); }

Status BundleWriter::Emit(std::string_view bytes) {
  bytes_ += bytes.size();
  return sink_(bytes);
}

Status BundleWriter::Add(const BundleEntry& entry) {
  // frame_ layout: [already-framed bytes not yet emitted][current payload after payload_start_]
  std::string enc = EncodeEntry(entry);
  std::string piece;
  AppendU32(piece, static_cast<uint32_t>(enc.size()));
  piece += enc;
  pending_ += piece;
  ++count_;
  if (pending_.size() >= kBundleFrameTarget) STRATA_RETURN_IF_ERROR(CloseDataFrame());
  return Status::Ok();
}

Status BundleWriter::CloseDataFrame() {
  if (pending_.empty()) return Status::Ok();
  std::string out = std::move(frame_);
  frame_.clear();
  out.push_back('D');
  AppendU32(out, static_cast<uint32_t>(pending_.size()));
  AppendU32(out, Crc32(pending_));
  out += pending_;
  pending_.clear();
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(sha_), out.data(), out.size());
  return Emit(out);
}

Status BundleWriter::Finish() {
  STRATA_RETURN_IF_ERROR(CloseDataFrame());
  std::string out = std::move(frame_);  // the header when there were no entries
  frame_.clear();
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(sha_), out.data(), out.size());
  unsigned char md[32];
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(sha_), md, &len);
  checksum_.assign(reinterpret_cast<char*>(md), 32);
  std::string payload;
  AppendU64(payload, count_);
  payload += checksum_;
  out.push_back('T');
  AppendU32(out, static_cast<uint32_t>(payload.size()));
  AppendU32(out, Crc32(payload));
  out += payload;
  return Emit(out);
}

Result<ParsedBundle> ReadBundle(std::string_view bytes) {
  ParsedBundle out;
  const size_t fixed = kBundleMagic.size() + 4 + 2;
  if (bytes.size() < kBundleMagic.size() || bytes.substr(0, kBundleMagic.size()) != kBundleMagic) {
    if (bytes.size() < kBundleMagic.size() && kBundleMagic.substr(0, bytes.size()) == bytes) {
      return Status::InvalidArgument("bundle truncated (in the header)");
    }
    return Status::InvalidArgument("not a stratad bundle (bad magic)");
  }
  if (bytes.size() < fixed) return Status::InvalidArgument("bundle truncated (in the header)");
  uint32_t version = ReadU32(bytes.substr(kBundleMagic.size()));
  if (version < kOldestBundleFormatVersion || version > kBundleFormatVersion) {
    return Status::InvalidArgument("unsupported bundle version " + std::to_string(version) + " (this server reads " +
                                   std::to_string(kOldestBundleFormatVersion) + " to " +
                                   std::to_string(kBundleFormatVersion) + ")");
  }
  out.format_version = version;
  size_t name_len = (static_cast<uint8_t>(bytes[fixed - 2]) << 8) | static_cast<uint8_t>(bytes[fixed - 1]);
  if (bytes.size() < fixed + name_len) return Status::InvalidArgument("bundle truncated (in the header)");
  out.branch = std::string(bytes.substr(fixed, name_len));
  size_t pos = fixed + name_len;
  uint64_t frame_no = 0;
  for (;;) {
    if (bytes.size() - pos < kFrameHeader) return Status::InvalidArgument("bundle truncated (no trailer)");
    char kind = bytes[pos];
    uint32_t len = ReadU32(bytes.substr(pos + 1));
    uint32_t crc = ReadU32(bytes.substr(pos + 5));
    if (bytes.size() - pos - kFrameHeader < len) {
      return Status::InvalidArgument("bundle truncated (in chunk " + std::to_string(frame_no) + ")");
    }
    std::string_view payload = bytes.substr(pos + kFrameHeader, len);
    if (kind != 'D' && kind != 'T') {
      return Status::InvalidArgument("bad chunk kind in chunk " + std::to_string(frame_no));
    }
    if (Crc32(payload) != crc) return Status::InvalidArgument("checksum mismatch in chunk " + std::to_string(frame_no));
    if (kind == 'T') {
      if (len != 8 + 32) return Status::InvalidArgument("bad bundle trailer");
      uint64_t count = ReadU64(payload);
      std::string digest(payload.substr(8));
      if (Sha256(bytes.substr(0, pos)) != digest) {
        return Status::InvalidArgument("bundle checksum mismatch (SHA-256 of the whole bundle)");
      }
      if (count != out.entries.size()) {
        return Status::InvalidArgument("bundle entry count mismatch: trailer says " + std::to_string(count) +
                                       ", bundle holds " + std::to_string(out.entries.size()));
      }
      if (pos + kFrameHeader + len != bytes.size()) return Status::InvalidArgument("bytes after the bundle trailer");
      out.checksum = std::move(digest);
      return out;
    }
    size_t at = 0;
    while (at < payload.size()) {
      if (payload.size() - at < 4) {
        return Status::InvalidArgument("bad entry in chunk " + std::to_string(frame_no) + ": its length is cut off");
      }
      uint32_t n = ReadU32(payload.substr(at));
      if (payload.size() - at - 4 < n) {
        return Status::InvalidArgument("bad entry in chunk " + std::to_string(frame_no) +
                                       ": it runs past the end of its chunk");
      }
      BundleEntry e;
      if (std::string wrong = DecodeEntry(payload.substr(at + 4, n), e); !wrong.empty()) {
        return Status::InvalidArgument("bad entry in chunk " + std::to_string(frame_no) + ": " + wrong);
      }
      out.entries.push_back(std::move(e));
      at += 4 + n;
    }
    pos += kFrameHeader + len;
    ++frame_no;
  }
}

// ---- BranchStore::Export / Import ----

Result<BranchExportResult> BranchStore::Export(std::string_view name,
                                               const std::function<Status(std::string_view)>& sink) {
  STRATA_RETURN_IF_ERROR(ValidateBranchName(name));
  auto txn = Txn::BeginRead(core_.env());
  if (!txn.ok()) return txn.status();
  const Databases& dbs = core_.dbs();
  auto branch = Catalog::FindBranch(*txn, dbs, name);
  if (!branch.ok()) return branch.status();
  auto chain = Catalog::Layers(*txn, dbs, *branch);
  if (!chain.ok()) return chain.status();
  auto memberships = Catalog::Memberships(*txn, dbs, branch->id);
  if (!memberships.ok()) return memberships.status();
  BundleWriter writer(name, sink);
  for (const auto& [space, m] : *memberships) {
    if (m.deleted) continue;
    BundleEntry s;
    s.kind = 'S';
    s.space = space;
    STRATA_RETURN_IF_ERROR(writer.Add(s));
    auto space_id = Catalog::FindSpace(*txn, dbs, space);
    if (!space_id.ok()) return space_id.status();
    if (!space_id->has_value()) continue;
    uint32_t sid = **space_id;
    auto layers = Catalog::SpaceLayers(*txn, dbs, *chain, space, UINT64_MAX);
    if (!layers.ok()) return layers.status();
    // Collections before their vectors, so an import meets each collection first.
    for (Primitive p : {Primitive::kKv, Primitive::kState, Primitive::kJson, Primitive::kCollection,
                        Primitive::kVector}) {
      std::set<std::string> names;
      for (const Layer& layer : *layers) {
        std::string prefix = ScopePrefix(layer.branch_id, sid, p);
        Cursor c(*txn, dbs.records);
        for (bool ok = c.Seek(prefix); ok && c.key().substr(0, prefix.size()) == prefix; ok = c.Next()) {
          auto rec = RecordStore::Decode(c.key(), c.value());
          if (!rec.ok()) return rec.status();
          names.insert(rec->name);
        }
        STRATA_RETURN_IF_ERROR(c.status());
      }
      RecordScope scope{&*layers, sid, p};
      for (const auto& n : names) {
        auto history = RecordStore::History(*txn, dbs.records, scope, n);
        if (!history.ok()) return history.status();
        for (auto it = history->rbegin(); it != history->rend(); ++it) {
          BundleEntry e;
          e.kind = 'R';
          e.space = space;
          e.primitive = p;
          e.name = n;
          e.version = it->version;
          e.timestamp = it->timestamp;
          e.tombstone = it->tombstone;
          e.payload = std::move(it->payload);
          STRATA_RETURN_IF_ERROR(writer.Add(e));
        }
      }
    }
    // Events: sequence 0 up, each from the first layer that holds it visibly.
    for (uint64_t seq = 0;; ++seq) {
      std::optional<std::string> found;
      for (const Layer& layer : *layers) {
        auto v = txn->Get(dbs.records, EventLog::EventKey(layer.branch_id, sid, seq));
        if (!v.ok()) return v.status();
        if (!v->has_value()) continue;
        if (ReadU64(**v) > layer.max_version) continue;
        found = std::string(**v);
        break;
      }
      if (!found) break;
      const std::string& r = *found;
      constexpr size_t kHeader = 8 + 8 + 32 + 32 + 2;
      if (r.size() < kHeader) return Status::Internal("corrupt event record");
      size_t type_len = (static_cast<uint8_t>(r[80]) << 8) | static_cast<uint8_t>(r[81]);
      if (r.size() < kHeader + type_len) return Status::Internal("corrupt event record");
      BundleEntry e;
      e.kind = 'E';
      e.space = space;
      e.sequence = seq;
      e.version = ReadU64(r);
      e.timestamp = static_cast<int64_t>(ReadU64(std::string_view(r).substr(8)));
      e.hash = r.substr(48, 32);
      e.name = r.substr(kHeader, type_len);
      e.payload = r.substr(kHeader + type_len);
      STRATA_RETURN_IF_ERROR(writer.Add(e));
    }
  }
  STRATA_RETURN_IF_ERROR(writer.Finish());
  return BranchExportResult{std::string(name), writer.entry_count(), writer.bytes_written(), writer.checksum()};
}

// A KV, state or JSON record as the stores would have written it.
Status CheckNamedRecord(const BundleEntry& e) {
  STRATA_RETURN_IF_ERROR(ValidateKey(e.name, e.primitive == Primitive::kKv      ? "key"
                                             : e.primitive == Primitive::kState ? "cell name"
                                                                                : "document id"));
  if (e.tombstone) return Status::Ok();
  auto value = DecodeValue(e.payload);
  if (!value.ok()) return Status::InvalidArgument("bad value (cbor decode failed)");
  return CheckImportedValue(*value, /*finite_only=*/e.primitive == Primitive::kJson);
}

Result<BranchImportResult> BranchStore::Import(std::string_view bundle, std::string_view name) {
  auto parsed = ReadBundle(bundle);
  if (!parsed.ok()) return parsed.status();
  std::string target = name.empty() ? parsed->branch : std::string(name);
  STRATA_RETURN_IF_ERROR(ValidateBranchName(target));
  // Validate every entry before the writer runs.
  std::vector<Value> event_payloads(parsed->entries.size());
  std::vector<size_t> order;
  for (size_t i = 0; i < parsed->entries.size(); ++i) {
    const BundleEntry& e = parsed->entries[i];
    Status st = ValidateSpaceName(e.space);
    if (!st.ok()) return Status::InvalidArgument("bundle entry " + std::to_string(i) + ": " + st.message());
    if (e.kind == 'R') {
      bool vectors = e.primitive == Primitive::kCollection || e.primitive == Primitive::kVector;
      if (e.primitive != Primitive::kKv && e.primitive != Primitive::kState && e.primitive != Primitive::kJson &&
          !vectors) {
        return Status::InvalidArgument("bundle entry " + std::to_string(i) + ": unknown primitive");
      }
      if (vectors && parsed->format_version < 2) {
        return Status::InvalidArgument("bundle entry " + std::to_string(i) +
                                       ": a format 1 bundle cannot hold collections or vectors");
      }
      if (!vectors) {
        st = CheckNamedRecord(e);
        if (!st.ok()) return BadEntry(i, st.message());
      }
      order.push_back(i);
    } else if (e.kind == 'E') {
      st = ValidateEventType(e.name);
      if (!st.ok()) return BadEntry(i, st.message());
      auto v = DecodeValue(e.payload);
      if (!v.ok()) return Status::InvalidArgument("bundle entry " + std::to_string(i) + ": bad event payload");
      st = CheckImportedValue(*v, /*finite_only=*/true);
      if (!st.ok()) return BadEntry(i, "event payload: " + st.message());
      event_payloads[i] = std::move(v).value();
      order.push_back(i);
    }
  }
  STRATA_RETURN_IF_ERROR(CheckVectorEntries(parsed->entries));
  // Original commit order (events of one log have increasing versions and sequences).
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const auto& x = parsed->entries[a];
    const auto& y = parsed->entries[b];
    return std::tie(x.version, x.sequence) < std::tie(y.version, y.sequence);
  });
  BranchImportResult out{target, parsed->entries.size(), 0};
  Status st = core_.writer().Run([&](WriteContext& ctx) -> Status {
    const Databases& dbs = ctx.dbs();
    auto existing = Catalog::FindBranch(ctx.txn(), dbs, target);
    if (existing.ok()) return Status::AlreadyExists("branch " + QuoteName(target) + " already exists");
    if (existing.status().code() != Code::kNotFound) return existing.status();
    auto id = Catalog::AllocateBranchId(ctx.txn(), dbs);
    if (!id.ok()) return id.status();
    auto version = ctx.NextVersion();
    if (!version.ok()) return version.status();
    BranchRecord b{*id, 0, 0, ctx.timestamp(), false, target};
    STRATA_RETURN_IF_ERROR(Catalog::PutBranch(ctx.txn(), dbs, b));
    std::map<std::string, uint32_t> space_ids;
    auto space_id = [&](const std::string& space) -> Result<uint32_t> {
      auto it = space_ids.find(space);
      if (it != space_ids.end()) return it->second;
      auto sid = Catalog::EnsureSpace(ctx.txn(), dbs, b.id, space);
      if (!sid.ok()) return sid.status();
      space_ids[space] = *sid;
      return *sid;
    };
    STRATA_RETURN_IF_ERROR(space_id("default").status());
    for (const auto& e : parsed->entries) {
      if (e.kind == 'S') STRATA_RETURN_IF_ERROR(space_id(e.space).status());
    }
    std::map<std::tuple<std::string, Primitive, std::string>, bool> live;  // last record wins
    // Incarnations are versions of the exporting server: each gets a version
    // of this one, so it stays unique here (vector_types.h) and a merge with
    // another branch never takes two collections for one.
    std::map<IncarnationKey, uint64_t> incarnations;
    auto incarnation = [&](const IncarnationKey& exported) -> Result<uint64_t> {
      auto it = incarnations.find(exported);
      if (it != incarnations.end()) return it->second;
      auto v = ctx.NextVersion();
      if (!v.ok()) return v.status();
      incarnations.emplace(exported, *v);
      return *v;
    };
    uint64_t last_original = 0;
    bool first = true;
    uint64_t current = 0;
    for (size_t i : order) {
      const BundleEntry& e = parsed->entries[i];
      if (first || e.version != last_original) {
        auto v = ctx.NextVersion();
        if (!v.ok()) return v.status();
        current = *v;
        last_original = e.version;
        first = false;
      }
      auto sid = space_id(e.space);
      if (!sid.ok()) return sid.status();
      if (e.kind == 'R') {
        std::string name = e.name;
        std::string payload = e.payload;
        if (e.primitive == Primitive::kCollection && !e.tombstone) {
          auto config = DecodeCollection(e.payload);  // checked above
          if (!config.ok()) return config.status();
          auto inc = incarnation({e.space, e.name, config->incarnation});
          if (!inc.ok()) return inc.status();
          config->incarnation = *inc;
          payload = EncodeCollection(*config);
        } else if (e.primitive == Primitive::kVector) {
          auto parts = ParseVectorRecordName(e.name);  // checked above
          if (!parts) return Status::Internal("bundle vector name changed after its check");
          auto inc = incarnation({e.space, parts->collection, parts->incarnation});
          if (!inc.ok()) return inc.status();
          name = VectorRecordName(parts->collection, *inc, parts->key);
        }
        STRATA_RETURN_IF_ERROR(RecordStore::Write(ctx.txn(), dbs.records, b.id, *sid, e.primitive, name, current,
                                                  e.timestamp, e.tombstone, payload));
        // Collections are not keys: the vector store never counts them.
        if (e.primitive != Primitive::kCollection) live[{e.space, e.primitive, name}] = !e.tombstone;
      } else {
        auto r = EventLog::AppendInWriterAt(ctx, b.id, *sid, e.name, event_payloads[i], current, e.timestamp);
        if (!r.ok()) return r.status();
        if (r->sequence != e.sequence) {
          return Status::InvalidArgument("bundle events of space " + QuoteName(e.space) + " are not gap-free");
        }
        auto stored = ctx.txn().Get(dbs.records, EventLog::EventKey(b.id, *sid, r->sequence));
        if (!stored.ok()) return stored.status();
        if (!stored->has_value() || (*stored)->substr(48, 32) != e.hash) {
          return Status::InvalidArgument("event hash mismatch in space " + QuoteName(e.space) + " at sequence " +
                                         std::to_string(e.sequence));
        }
      }
      ++out.keys_written;
    }
    int64_t live_count = 0;
    for (const auto& [k, alive] : live) live_count += alive ? 1 : 0;
    if (live_count != 0) STRATA_RETURN_IF_ERROR(core_.AdjustLiveKeys(ctx, b.id, live_count));
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

}  // namespace strata::storage

// VectorIndex snapshots: the hnswlib graph (saveIndex) and a sidecar that
// says what it covers. on disk (docs/format.md "Vector index snapshots"):
//   <base>.hnsw  hnswlib 0.6.2 saveIndex output
//   <base>.meta  "STRATAVX" [format u32 = 1] [branch u32] [space u32]
//                [collection: len u32, bytes] [dimension u32] [metric u8] [m u32]
//                [ef_construction u32] [incarnation u64] [collection record version u64]
//                [collection record timestamp u64] [applied version u64]
//                [layers: count u32, (branch u32, max version u64)*]
//                [hnsw file size u64] [hnsw file SHA-256, 32 bytes] [deleted u64]
//                [labels: count u64, per label: key (len u32, bytes; empty: dead),
//                 version u64, internal id u32, metadata (len u32, CBOR; empty: none)]
//                [SHA-256 of everything before, 32 bytes]
// (integers big-endian). A snapshot is used only when every check holds;
// otherwise the index is rebuilt from LMDB.
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "storage/key_codec.h"
#include "storage/vector_index.h"

namespace strata::storage {
namespace {

constexpr std::string_view kMagic = "STRATAVX";
constexpr uint32_t kSnapshotFormat = 1;
constexpr size_t kDigestBytes = 32;

std::string Sha256(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(md), len);
}

// The whole file, or nullopt when it cannot be read. One sized read: a graph
// snapshot is tens of MB and is read on the restart path.
std::optional<std::string> ReadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st;
  std::optional<std::string> out;
  if (::fstat(fd, &st) == 0) {
    std::string data(static_cast<size_t>(st.st_size), '\0');
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::read(fd, data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    if (done == data.size()) out = std::move(data);
  }
  ::close(fd);
  return out;
}

Status SyncPath(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) return Status::Internal("cannot open " + path + " to sync it");
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::Internal("cannot sync " + path);
  return Status::Ok();
}

Status WriteAndSync(const std::string& path, std::string_view data) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return Status::Internal("cannot create " + path);
  bool ok = std::fwrite(data.data(), 1, data.size(), f) == data.size() && std::fflush(f) == 0 &&
            ::fsync(fileno(f)) == 0;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) return Status::ResourceExhausted("cannot write " + path + " (disk full?)");
  return Status::Ok();
}

std::string DirectoryOf(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

void AppendBytes(std::string& out, std::string_view bytes) {
  AppendU32(out, static_cast<uint32_t>(bytes.size()));
  out.append(bytes);
}

// Reads the sidecar's fields in order; any read past the end marks it bad.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool ok() const { return ok_; }
  uint32_t U32() { return ReadU32(Take(4)); }
  uint64_t U64() { return ReadU64(Take(8)); }
  uint8_t U8() {
    auto b = Take(1);
    return b.empty() ? 0 : static_cast<uint8_t>(b[0]);
  }
  std::string_view Bytes() { return Take(U32()); }
  std::string_view Take(size_t n) {
    if (!ok_ || data_.size() - pos_ < n) {
      ok_ = false;
      static const char kZeros[8] = {};
      return n <= 8 ? std::string_view(kZeros, n) : std::string_view();
    }
    auto out = data_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  bool at_end() const { return pos_ == data_.size(); }

 private:
  std::string_view data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace

Result<bool> VectorIndex::SaveSnapshot(const std::string& path_base, uint64_t durable_version) {
  std::lock_guard<std::mutex> save_lock(save_mu_);
  std::shared_lock lock(mu_);
  uint64_t applied = applied_version();
  if (!built_.load() || !graph_ || applied == saved_version_.load() || applied > durable_version) return false;

  std::string hnsw_tmp = path_base + ".hnsw.tmp";
  std::string meta_tmp = path_base + ".meta.tmp";
  // A snapshot that fails (a full disk, most likely) takes its temp files
  // with it: left behind, they would hold the space the next writes need.
  struct RemoveTempsUnlessSaved {
    const std::string& hnsw;
    const std::string& meta;
    bool saved = false;
    ~RemoveTempsUnlessSaved() {
      if (saved) return;
      std::remove(hnsw.c_str());
      std::remove(meta.c_str());
    }
  } temps{hnsw_tmp, meta_tmp};
  Status saved = graph_->Save(hnsw_tmp);
  if (!saved.ok()) return Status::Internal("cannot write vector snapshot " + hnsw_tmp + ": " + saved.message());
  // saveIndex does not report write errors: read the file back, which also
  // gives the digest the sidecar records.
  auto hnsw = ReadFile(hnsw_tmp);
  if (!hnsw) return Status::Internal("cannot read back vector snapshot " + hnsw_tmp);
  STRATA_RETURN_IF_ERROR(SyncPath(hnsw_tmp, O_RDONLY));

  const IndexIdentity& id = identity_;
  std::string meta(kMagic);
  AppendU32(meta, kSnapshotFormat);
  AppendU32(meta, id.branch_id);
  AppendU32(meta, id.space_id);
  AppendBytes(meta, id.collection);
  AppendU32(meta, id.config.dimension);
  meta.push_back(static_cast<char>(id.config.metric));
  AppendU32(meta, id.config.m);
  AppendU32(meta, id.config.ef_construction);
  AppendU64(meta, id.config.incarnation);
  AppendU64(meta, id.record_version);
  AppendU64(meta, static_cast<uint64_t>(id.record_timestamp));
  AppendU64(meta, applied);
  AppendU32(meta, static_cast<uint32_t>(layers_.size()));
  for (const Layer& l : layers_) {
    AppendU32(meta, l.branch_id);
    AppendU64(meta, l.max_version);
  }
  AppendU64(meta, hnsw->size());
  meta.append(Sha256(*hnsw));
  AppendU64(meta, deleted_);
  AppendU64(meta, slots_.size());
  for (const Slot& slot : slots_) {
    AppendBytes(meta, slot.key);
    AppendU64(meta, slot.version);
    AppendU32(meta, slot.internal_id);
    AppendBytes(meta, slot.metadata.is_null() ? std::string() : EncodeValue(slot.metadata));
  }
  meta.append(Sha256(meta));
  STRATA_RETURN_IF_ERROR(WriteAndSync(meta_tmp, meta));

  // The graph first, then the sidecar that vouches for it: a crash between
  // the two leaves a sidecar whose digest does not match, so it is rebuilt.
  if (std::rename(hnsw_tmp.c_str(), (path_base + ".hnsw").c_str()) != 0 ||
      std::rename(meta_tmp.c_str(), (path_base + ".meta").c_str()) != 0) {
    return Status::Internal("cannot rename vector snapshot into place at " + path_base);
  }
  temps.saved = true;
  STRATA_RETURN_IF_ERROR(SyncPath(DirectoryOf(path_base), O_RDONLY | O_DIRECTORY));
  saved_version_.store(applied);
  return true;
}

bool VectorIndex::LoadSnapshot(const std::string& path_base, uint64_t current_version, const LayerChain& layers) {
  std::unique_lock lock(mu_);
  auto meta = ReadFile(path_base + ".meta");
  if (!meta || meta->size() < kMagic.size() + kDigestBytes) return false;
  std::string_view body(meta->data(), meta->size() - kDigestBytes);
  if (Sha256(body) != std::string_view(meta->data() + body.size(), kDigestBytes)) return false;

  Reader r(body);
  const IndexIdentity& id = identity_;
  if (r.Take(kMagic.size()) != kMagic || r.U32() != kSnapshotFormat) return false;
  if (r.U32() != id.branch_id || r.U32() != id.space_id || r.Bytes() != id.collection) return false;
  if (r.U32() != id.config.dimension || r.U8() != static_cast<uint8_t>(id.config.metric) || r.U32() != id.config.m ||
      r.U32() != id.config.ef_construction || r.U64() != id.config.incarnation || r.U64() != id.record_version ||
      r.U64() != static_cast<uint64_t>(id.record_timestamp)) {
    return false;
  }
  uint64_t applied = r.U64();
  // A snapshot from beyond what the database holds (a crash lost those
  // commits, or the files belong to another copy) is never trusted.
  if (applied > current_version) return false;
  LayerChain saved_layers(r.U32());
  if (!r.ok() || saved_layers.size() > 4096) return false;
  for (Layer& l : saved_layers) {
    l.branch_id = r.U32();
    l.max_version = r.U64();
  }
  if (saved_layers.size() != layers.size()) return false;
  for (size_t i = 0; i < layers.size(); ++i) {
    if (saved_layers[i].branch_id != layers[i].branch_id || saved_layers[i].max_version != layers[i].max_version) {
      return false;
    }
  }
  uint64_t hnsw_size = r.U64();
  std::string hnsw_digest(r.Take(kDigestBytes));
  uint64_t deleted = r.U64();
  uint64_t count = r.U64();
  if (!r.ok() || count > body.size()) return false;
  std::vector<Slot> slots(count);
  std::unordered_map<std::string, uint64_t> by_key;
  for (uint64_t label = 0; label < count; ++label) {
    Slot& s = slots[label];
    s.key = std::string(r.Bytes());
    s.version = r.U64();
    s.internal_id = r.U32();
    std::string_view metadata = r.Bytes();
    if (!r.ok()) return false;
    if (!metadata.empty()) {
      auto v = DecodeValue(metadata);
      if (!v.ok()) return false;
      s.metadata = std::move(v).value();
    }
    if (!s.key.empty() && !by_key.emplace(s.key, label).second) return false;
  }
  if (!r.ok() || !r.at_end()) return false;

  auto hnsw = ReadFile(path_base + ".hnsw");
  if (!hnsw || hnsw->size() != hnsw_size || Sha256(*hnsw) != hnsw_digest) return false;
  size_t capacity = std::max<size_t>(count + count / 4, 1024);
  auto graph = HnswGraph::Load(id.config.metric, id.config.dimension, path_base + ".hnsw", capacity);
  if (!graph.ok()) return false;
  // The graph and the sidecar must describe the same labels.
  if ((*graph)->size() != count || (*graph)->deleted() != deleted) return false;
  for (uint64_t label = 0; label < count; ++label) {
    auto internal = (*graph)->InternalId(label);
    if (!internal) return false;
    if (!slots[label].key.empty() && *internal != slots[label].internal_id) return false;
    if (slots[label].key.empty() != (*graph)->IsDeleted(*internal)) return false;
  }
  graph_ = std::move(graph).value();
  slots_ = std::move(slots);
  slot_bytes_ = 0;
  for (const Slot& s : slots_) slot_bytes_ += SlotBytesOf(s);
  by_key_ = std::move(by_key);
  deleted_ = deleted;
  ++generation_;
  layers_ = layers;
  applied_version_.store(applied);
  saved_version_.store(applied);
  built_.store(true);
  return true;
}

}  // namespace strata::storage

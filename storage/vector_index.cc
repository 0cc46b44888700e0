#include "storage/vector_index.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "storage/change_index.h"
#include "storage/record_store.h"
#include "storage/vector_parallel.h"

namespace strata::storage {
namespace {

constexpr size_t kInitialCapacity = 1024;
// Below this many live vectors a filtered search just scans.
constexpr size_t kAlwaysExactBelow = 4096;
// A filter estimated to match less than this fraction is answered exactly.
constexpr double kExactSelectivity = 0.05;
constexpr size_t kSelectivitySample = 1024;
// Graph inserts spread over the cores, at least this many per thread.
constexpr size_t kAddsPerThread = 128;

bool SameLayers(const LayerChain& a, const LayerChain& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].branch_id != b[i].branch_id || a[i].max_version != b[i].max_version) return false;
  }
  return true;
}

// Orders candidates best first, ties by key so results are deterministic.
bool Better(const VectorMatch& a, const VectorMatch& b) {
  if (a.distance != b.distance) return a.distance < b.distance;
  return a.key < b.key;
}

}  // namespace

VectorIndex::VectorIndex(IndexIdentity identity) : identity_(std::move(identity)) {}

VectorIndex::~VectorIndex() = default;

Status VectorIndex::ResetGraph(size_t capacity) {
  const CollectionConfig& c = identity_.config;
  auto graph = HnswGraph::Create(c.metric, c.dimension, std::max(capacity, kInitialCapacity), c.m, c.ef_construction);
  if (!graph.ok()) {
    graph_.reset();
    return graph.status();
  }
  graph_ = std::move(graph).value();
  slots_.clear();
  by_key_.clear();
  deleted_ = 0;
  slot_bytes_ = 0;
  ++generation_;
  return Status::Ok();
}

std::vector<float> VectorIndex::Prepared(const std::vector<float>& v) const {
  if (identity_.config.metric != Metric::kCosine) return v;
  double norm = Norm(v.data(), v.size());
  std::vector<float> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = norm > 0 ? static_cast<float>(v[i] / norm) : 0.0f;
  return out;
}

double VectorIndex::RawToDistance(float raw) const {
  // hnswlib's L2 space gives the squared distance; its inner-product space 1 - dot.
  if (identity_.config.metric == Metric::kEuclidean) return std::sqrt(std::max(0.0f, raw));
  return raw;
}

Status VectorIndex::EnsureCapacity(size_t additional) {
  size_t need = graph_->size() + additional;
  if (need <= graph_->capacity()) return Status::Ok();
  // Grow ahead of need, so a stream of single upserts resizes rarely.
  return graph_->Resize(std::max(need, graph_->capacity() * 2));
}

void VectorIndex::Remove(const std::string& key) {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return;
  if (recording_changes_) changed_keys_.insert(key);
  uint64_t label = it->second;
  by_key_.erase(it);
  Retire(label);
}

void VectorIndex::Retire(uint64_t label) {
  graph_->MarkDeleted(label);
  slot_bytes_ -= SlotBytesOf(slots_[label]);
  slots_[label] = Slot{};
  slot_bytes_ += SlotBytesOf(slots_[label]);
  ++deleted_;
}

Status VectorIndex::AddAll(std::vector<Pending>& items) {
  if (items.empty()) return Status::Ok();
  // hnswlib links a new element to live ones only: added to a graph whose
  // elements are all deleted, it gets no links, and no search ever reaches
  // it. Such a graph holds nothing worth keeping: start a new one.
  if (by_key_.empty() && graph_->size() > 0) {
    Status reset = ResetGraph(items.size() + items.size() / 4);
    if (!reset.ok()) {
      built_ = false;
      return reset;
    }
    saved_version_ = 0;  // the snapshot on disk describes the old graph
  }
  STRATA_RETURN_IF_ERROR(EnsureCapacity(items.size()));
  // Bookkeeping first (one thread), then the graph inserts (every core:
  // hnswlib allows concurrent addPoint calls with distinct labels). The
  // elements the items replace are deleted only after the inserts, for the
  // same reason as above: a batch replacing every vector would otherwise be
  // inserted into a graph with none live.
  std::vector<uint64_t> replaced;
  std::vector<std::pair<uint64_t, std::vector<float>>> work;
  work.reserve(items.size());
  for (auto& item : items) {
    auto old = by_key_.find(item.key);
    if (old != by_key_.end()) replaced.push_back(old->second);
    if (recording_changes_) changed_keys_.insert(item.key);
    uint64_t label = slots_.size();
    slots_.push_back(Slot{item.key, item.version, std::move(item.metadata), 0});
    slot_bytes_ += SlotBytesOf(slots_.back());
    by_key_[item.key] = label;
    work.emplace_back(label, Prepared(item.values));
  }
  std::mutex error_mu;
  Status error;
  // Into an empty graph the first insert goes alone: hnswlib 0.6.2's
  // concurrent addPoint races on the entry point while there is none (its own
  // Python bindings add the first item serially for the same reason).
  size_t first = 0;
  if (graph_->size() == 0) {
    auto internal = graph_->Add(work[0].second.data(), work[0].first);
    if (!internal.ok()) {
      built_ = false;
      return internal.status();
    }
    slots_[work[0].first].internal_id = *internal;
    first = 1;
  }
  ParallelFor(work.size() - first, kAddsPerThread, [&](size_t j) {
    size_t i = j + first;
    auto internal = graph_->Add(work[i].second.data(), work[i].first);
    if (internal.ok()) {
      slots_[work[i].first].internal_id = *internal;
    } else {
      std::lock_guard<std::mutex> lock(error_mu);
      if (error.ok()) error = internal.status();
    }
  });
  if (!error.ok()) {
    built_ = false;  // the graph is not trustworthy: the next catch-up rebuilds it
    return error;
  }
  for (uint64_t label : replaced) Retire(label);
  return Status::Ok();
}

Status VectorIndex::Build(const ReadView& view) {
  std::vector<Pending> items;
  std::string prefix = VectorNamePrefix(identity_.collection, identity_.config.incarnation);
  Status st = RecordStore::ScanLive(view.txn, view.records_dbi, view.records(Primitive::kVector), prefix,
                                    view.version, [&](const Record& rec) -> Status {
                                      auto v = DecodeVector(rec.payload);
                                      if (!v.ok()) return v.status();
                                      Pending p;
                                      p.key = rec.name.substr(prefix.size());
                                      p.version = rec.version;
                                      p.values = std::move(v->values);
                                      if (v->metadata) p.metadata = std::move(*v->metadata);
                                      items.push_back(std::move(p));
                                      return Status::Ok();
                                    });
  if (!st.ok()) return st;
  STRATA_RETURN_IF_ERROR(ResetGraph(items.size() + items.size() / 4));
  built_ = true;
  layers_ = view.layers;
  STRATA_RETURN_IF_ERROR(AddAll(items));
  applied_version_.store(view.version, std::memory_order_release);
  return Status::Ok();
}

Status VectorIndex::ApplyChanges(const ReadView& view) {
  std::string prefix = VectorNamePrefix(identity_.collection, identity_.config.incarnation);
  std::vector<std::string> names;
  std::unordered_set<std::string> seen;
  Status st = ChangeIndex::Scan(view.txn, view.records_dbi, view.branch_id, applied_version(), view.version,
                                [&](const ChangeEntry& e) -> Status {
                                  if (e.space_id != identity_.space_id || e.primitive != Primitive::kVector ||
                                      e.name.compare(0, prefix.size(), prefix) != 0) {
                                    return Status::Ok();
                                  }
                                  if (seen.insert(e.name).second) names.push_back(e.name);
                                  return Status::Ok();
                                });
  if (!st.ok()) return st;
  std::vector<Pending> adds;
  RecordScope scope = view.records(Primitive::kVector);
  for (const auto& name : names) {
    auto rec = RecordStore::Read(view.txn, view.records_dbi, scope, name, view.version);
    if (!rec.ok()) return rec.status();
    std::string key = name.substr(prefix.size());
    if (!rec->has_value() || (*rec)->tombstone) {
      Remove(key);
      continue;
    }
    auto live = by_key_.find(key);
    if (live != by_key_.end() && slots_[live->second].version == (*rec)->version) continue;
    auto v = DecodeVector((*rec)->payload);
    if (!v.ok()) return v.status();
    Pending p;
    p.key = std::move(key);
    p.version = (*rec)->version;
    p.values = std::move(v->values);
    if (v->metadata) p.metadata = std::move(*v->metadata);
    adds.push_back(std::move(p));
  }
  STRATA_RETURN_IF_ERROR(AddAll(adds));
  applied_version_.store(view.version, std::memory_order_release);
  return Status::Ok();
}

Status VectorIndex::CatchUp(const ReadView& view) {
  if (built_.load() && applied_version() >= view.version) return Status::Ok();
  std::unique_lock lock(mu_);
  if (built_ && applied_version() >= view.version) return Status::Ok();
  if (!built_ || !SameLayers(layers_, view.layers)) return Build(view);
  return ApplyChanges(view);
}

uint64_t VectorIndex::SlotBytesOf(const Slot& slot) {
  // An estimate: the slot, its key's buffer, and ~64 bytes per metadata node.
  uint64_t bytes = sizeof(Slot) + slot.key.capacity();
  if (!slot.metadata.is_null()) bytes += 64 * (1 + slot.metadata.size());
  return bytes;
}

VectorMatch VectorIndex::MatchOf(uint64_t label, float raw, bool include_metadata) const {
  const Slot& slot = slots_[label];
  VectorMatch m;
  m.key = slot.key;
  m.distance = RawToDistance(raw);
  m.score = ScoreFromDistance(identity_.config.metric, m.distance);
  if (include_metadata) m.metadata = slot.metadata;
  return m;
}

std::vector<VectorMatch> VectorIndex::ExactScan(const float* query, size_t k, const std::vector<Filter>& filters,
                                                bool include_metadata) const {
  std::vector<std::pair<float, uint64_t>> hits;
  for (uint64_t label = 0; label < slots_.size(); ++label) {
    const Slot& slot = slots_[label];
    if (slot.key.empty() || !MatchesAll(filters, slot.metadata)) continue;
    hits.emplace_back(graph_->RawDistance(query, slot.internal_id), label);
  }
  auto by_distance = [&](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    return slots_[a.second].key < slots_[b.second].key;
  };
  size_t n = std::min(k, hits.size());
  std::partial_sort(hits.begin(), hits.begin() + n, hits.end(), by_distance);
  std::vector<VectorMatch> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(MatchOf(hits[i].second, hits[i].first, include_metadata));
  return out;
}

Result<std::vector<VectorMatch>> VectorIndex::Search(const std::vector<float>& query_in, size_t k, size_t ef,
                                                     const std::vector<Filter>& filters, bool include_metadata,
                                                     SearchPlan* plan) const {
  std::shared_lock lock(mu_);
  std::vector<VectorMatch> out;
  if (!built_ || !graph_) return Status::Internal("vector index is not built");
  size_t live = by_key_.size();
  if (live == 0) return out;
  std::vector<float> query = Prepared(query_in);
  {
    if (filters.empty()) {
      if (plan) *plan = SearchPlan::kHnsw;
      auto found = graph_->Search(query.data(), std::min(k, live), ef);
      // The matches' slots are asked for together: read one by one, each was
      // a cache miss after the walk (3.5 of a cold search's ~95 us at 100k).
      for (const auto& hit : found) __builtin_prefetch(&slots_[hit.second]);
      out.reserve(found.size());
      for (auto& [raw, label] : found) out.push_back(MatchOf(label, raw, include_metadata));
      if (out.size() < std::min(k, live)) {
        // The walk reached fewer live vectors than asked for: the graph does
        // not link them all (near-duplicates under dot product can leave
        // nodes no edge leads to). A search answers min(k, count): exactly.
        if (plan) *plan = SearchPlan::kExactUnreached;
        return ExactScan(query.data(), k, filters, include_metadata);
      }
      std::sort(out.begin(), out.end(), Better);
      return out;
    }
    // Estimate the filter's selectivity on an even sample of the labels.
    double selectivity = 0;
    if (live >= kAlwaysExactBelow) {
      size_t step = std::max<size_t>(1, slots_.size() / kSelectivitySample);
      size_t sampled = 0, matched = 0;
      for (size_t label = 0; label < slots_.size(); label += step) {
        if (slots_[label].key.empty()) continue;
        ++sampled;
        if (MatchesAll(filters, slots_[label].metadata)) ++matched;
      }
      selectivity = sampled ? static_cast<double>(matched) / sampled : 0;
    }
    if (selectivity < kExactSelectivity) {
      if (plan) *plan = SearchPlan::kExactFiltered;
      return ExactScan(query.data(), k, filters, include_metadata);
    }
    // HNSW with over-fetch, growing until k matches are found; exact when the
    // fetch would cover a large part of the collection anyway.
    if (plan) *plan = SearchPlan::kHnswFiltered;
    size_t fetch = static_cast<size_t>(std::ceil(k / selectivity * 2)) + k;
    while (true) {
      if (fetch * 2 >= live) {
        if (plan) *plan = SearchPlan::kExactFiltered;
        return ExactScan(query.data(), k, filters, include_metadata);
      }
      auto candidates = graph_->Search(query.data(), fetch, std::max(ef, fetch));
      out.clear();
      for (auto& [raw, label] : candidates) {
        if (!MatchesAll(filters, slots_[label].metadata)) continue;
        out.push_back(MatchOf(label, raw, /*include_metadata=*/false));  // only the k kept get theirs
      }
      if (out.size() >= k) break;
      if (candidates.size() < fetch) {  // the graph has nothing more to give
        if (plan) *plan = SearchPlan::kExactFiltered;
        return ExactScan(query.data(), k, filters, include_metadata);
      }
      fetch *= 4;
    }
    std::sort(out.begin(), out.end(), Better);
    out.resize(std::min(out.size(), k));
    if (include_metadata) {
      for (auto& m : out) {
        auto it = by_key_.find(m.key);
        if (it != by_key_.end()) m.metadata = slots_[it->second].metadata;
      }
    }
    return out;
  }
}

IndexFigures VectorIndex::figures() const {
  std::shared_lock lock(mu_);
  IndexFigures f;
  f.live = by_key_.size();
  f.deleted = deleted_;
  f.applied_version = applied_version();
  if (graph_) {
    // The graph, then this index's own key and metadata bookkeeping; running
    // totals, so a metrics scrape costs the same at any collection size.
    uint64_t bytes = graph_->MemoryBytes() + slot_bytes_;
    bytes += by_key_.size() * (sizeof(std::string) + sizeof(uint64_t) + 2 * sizeof(void*));
    f.memory_bytes = bytes;
  }
  return f;
}

namespace {
std::function<void()>& CompactionHook() {
  static std::function<void()> hook;
  return hook;
}
}  // namespace

void VectorIndex::SetCompactionHookForTesting(std::function<void()> hook) { CompactionHook() = std::move(hook); }

std::vector<VectorIndex::Pending> VectorIndex::LiveItems(const std::vector<std::string>* only) const {
  // Stored vectors are already prepared (normalized for cosine); AddAll
  // prepares them again, which leaves them as they are.
  std::vector<Pending> items;
  size_t dim = identity_.config.dimension;
  auto take = [&](const std::string& key, uint64_t label) {
    const Slot& slot = slots_[label];
    const float* data = graph_->Data(slot.internal_id);
    items.push_back(Pending{key, slot.version, std::vector<float>(data, data + dim), slot.metadata});
  };
  if (only == nullptr) {
    items.reserve(by_key_.size());
    for (const auto& [key, label] : by_key_) take(key, label);
    // Key order: the same live set always makes the same graph.
    std::sort(items.begin(), items.end(), [](const Pending& a, const Pending& b) { return a.key < b.key; });
  } else {
    for (const auto& key : *only) {
      auto it = by_key_.find(key);
      if (it != by_key_.end()) take(key, it->second);
    }
  }
  return items;
}

void VectorIndex::StopRecordingChanges() {
  std::unique_lock lock(mu_);
  recording_changes_ = false;
  changed_keys_.clear();
}

Result<bool> VectorIndex::CompactIfWorn(double threshold) {
  std::lock_guard<std::mutex> one_at_a_time(compact_mu_);
  uint64_t generation = 0;
  {
    std::unique_lock lock(mu_);
    if (!built_ || !graph_ || deleted_ == 0) return false;
    if (static_cast<double>(deleted_) <= threshold * static_cast<double>(slots_.size())) return false;
    // From here on, catch-ups note the keys they change (before the copy
    // below, so nothing falls between the two).
    recording_changes_ = true;
    changed_keys_.clear();
    generation = generation_;
  }
  std::vector<Pending> items;
  {
    std::shared_lock lock(mu_);
    items = LiveItems();
  }
  // The new graph: a private index of the same identity, built with no lock
  // of this one held, so searches (and catch-ups) go on meanwhile.
  VectorIndex fresh(identity_);
  Status st = fresh.ResetGraph(items.size() + items.size() / 4);
  if (st.ok()) st = fresh.AddAll(items);
  if (!st.ok()) {
    StopRecordingChanges();
    return st;
  }
  items.clear();
  items.shrink_to_fit();
  if (CompactionHook()) CompactionHook()();

  std::unique_lock lock(mu_);
  recording_changes_ = false;
  std::vector<std::string> changed(changed_keys_.begin(), changed_keys_.end());
  changed_keys_.clear();
  if (!built_ || generation_ != generation) return false;  // rebuilt or reloaded meanwhile: the copy is stale
  // Bring the new graph to what this one holds now: the changed keys that are
  // gone are removed, the ones live here (at another version) re-added.
  for (const auto& key : changed) {
    if (!by_key_.count(key)) fresh.Remove(key);
  }
  std::vector<Pending> redo = LiveItems(&changed);
  std::erase_if(redo, [&](const Pending& p) {
    auto it = fresh.by_key_.find(p.key);
    return it != fresh.by_key_.end() && fresh.slots_[it->second].version == p.version;
  });
  STRATA_RETURN_IF_ERROR(fresh.AddAll(redo));
  std::swap(graph_, fresh.graph_);
  std::swap(slots_, fresh.slots_);
  std::swap(by_key_, fresh.by_key_);
  std::swap(deleted_, fresh.deleted_);
  std::swap(slot_bytes_, fresh.slot_bytes_);
  ++generation_;
  saved_version_ = 0;  // the snapshot on disk describes the old graph
  return true;
}

}  // namespace strata::storage

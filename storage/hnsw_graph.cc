#include "storage/hnsw_graph.h"

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <queue>

#include "storage/quantized_codes.h"
#include "storage/vector_kernels.h"
#include "storage/vector_parallel.h"

namespace strata::storage {
namespace {

using Graph = hnswlib::HierarchicalNSW<float>;

// Concurrent inserts (VectorIndex::AddAll) rely on the level draw being locked:
// the fix cmake/PatchedHnswlib.cmake applies to a copy of the system headers.
static_assert(requires(Graph& g) { g.level_generator_lock_; },
              "storage/hnsw_graph.cc must compile against the patched hnswlib (cmake/PatchedHnswlib.cmake)");

// hnswlib's L2Space / InnerProductSpace with this CPU's fastest kernel
// (vector_kernels.h): the same data layout and distances (up to float
// rounding in the sums), so snapshots written with either load into the other.
class KernelSpace : public hnswlib::SpaceInterface<float> {
 public:
  KernelSpace(Metric metric, size_t dim) : dim_(dim), kernel_(DistanceKernelFor(metric, BestKernelLevel())) {}
  size_t get_data_size() override { return dim_ * sizeof(float); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return kernel_; }
  void* get_dist_func_param() override { return &dim_; }

 private:
  size_t dim_;
  DistanceKernel kernel_;
};

std::unique_ptr<hnswlib::SpaceInterface<float>> MakeSpace(Metric metric, size_t dim) {
  return std::make_unique<KernelSpace>(metric, dim);
}

Status GraphError(const std::exception& e) { return Status::Internal(std::string("vector index: ") + e.what()); }

using Candidates = std::priority_queue<std::pair<float, hnswlib::tableint>,
                                       std::vector<std::pair<float, hnswlib::tableint>>, Graph::CompareByFirst>;

// Asks for a float32 vector's first cache lines ahead of its exact distance
// (the re-ranking in HnswGraph::Search). 8 lines cover a 128-dimension vector;
// the hardware prefetcher streams longer ones.
inline void PrefetchVector(const Graph& g, hnswlib::tableint id) {
  const char* p = g.getDataByInternalId(id);
  size_t bytes = std::min<size_t>(g.data_size_, 8 * 64);
  for (size_t off = 0; off < bytes; off += 64) __builtin_prefetch(p + off);
}

using Found = std::vector<std::pair<float, hnswlib::tableint>>;  // (walk distance, internal id)

// The nodes one search has reached: a bit per element in an array kept per
// thread, cleared word by word as the search ends. hnswlib's marks are 16 bits
// per element (200 KB at 100k elements, and a pool hands a search whichever
// array is free); the walk tests a mark for every neighbour it reads, at
// random, so those tests missed the caches. The bits take 12.5 KB at 100k.
class VisitedBits {
 public:
  explicit VisitedBits(size_t capacity) : state_(ThisThreads()) {
    size_t words = (capacity + 63) / 64;
    if (state_.words.size() < words) state_.words.resize(words, 0);
    words_ = state_.words.data();
  }
  ~VisitedBits() {
    for (uint32_t word : state_.touched) words_[word] = 0;
    state_.touched.clear();
  }
  VisitedBits(const VisitedBits&) = delete;
  VisitedBits& operator=(const VisitedBits&) = delete;

  // Marks `id` visited; true when it was not before. Inlined: the walk calls
  // it for every neighbour it reads.
  [[gnu::always_inline]] bool Mark(hnswlib::tableint id) {
    uint64_t& word = words_[id >> 6];
    uint64_t bit = uint64_t{1} << (id & 63);
    if (word & bit) return false;
    if (word == 0) state_.touched.push_back(id >> 6);
    word |= bit;
    return true;
  }
  bool Seen(hnswlib::tableint id) const { return (words_[id >> 6] >> (id & 63)) & 1; }

 private:
  struct State {
    std::vector<uint64_t> words;
    std::vector<uint32_t> touched;  // indexes of the nonzero words
  };
  static State& ThisThreads() {
    thread_local State state;
    return state;
  }
  State& state_;
  uint64_t* words_;
};

// Calls visit(id, walk distance) for each neighbour of `node` on the base
// layer not visited before, marking it visited. The rows of all of them are
// asked for before the first distance is taken: a search reaches rows at
// random in a block far larger than the caches, and a server's search starts
// with caches the network stack has just used, so every row is a miss, and
// asking for them together lets the misses overlap instead of paying for them
// one by one (hnswlib asks for one line of the next neighbour only).
template <typename Rows, typename Visit>
void ForUnvisitedNeighbours(const Graph& g, const Rows& codes, const typename Rows::Query& query,
                            hnswlib::tableint node, VisitedBits& visited, std::vector<hnswlib::tableint>& fresh,
                            Visit&& visit) {
  auto* links = reinterpret_cast<unsigned int*>(g.get_linklist0(node));
  size_t count = g.getListCount(links);
  auto* neighbours = reinterpret_cast<hnswlib::tableint*>(links + 1);
  fresh.clear();
  for (size_t j = 0; j < count; ++j) {
    hnswlib::tableint c = neighbours[j];
    if (!visited.Mark(c)) continue;
    fresh.push_back(c);
    codes.Prefetch(c);
  }
  for (hnswlib::tableint c : fresh) visit(c, codes.Distance(query, c));
}

// The best candidates seen so far (at most ef), nearest first, each expanded
// once, nearest unexpanded first. On a graph without deleted elements this
// is hnswlib's two heaps in one sorted array: its result heap is the pool,
// and its frontier differs only by candidates worse than the pool's worst,
// which its stopping rule never expands. An insert is a binary search and a
// move of at most ef entries, cheaper than the heaps' sift-downs with their
// unpredictable branches (a third of the walk's time in a profile).
class CandidatePool {
 public:
  explicit CandidatePool(size_t ef) : ef_(ef) { items_.reserve(ef + 1); }

  // Keeps the candidate when the pool has room or it beats the worst.
  void Offer(float distance, hnswlib::tableint id) {
    if (items_.size() == ef_ && !(distance < items_.back().distance)) return;
    auto at = std::upper_bound(items_.begin(), items_.end(), distance,
                               [](float d, const Item& item) { return d < item.distance; });
    size_t index = static_cast<size_t>(at - items_.begin());
    items_.insert(at, Item{distance, id, false});
    if (items_.size() > ef_) items_.pop_back();
    next_ = std::min(next_, index);
  }
  // The nearest candidate not expanded yet (nullptr when none), marked expanded.
  const hnswlib::tableint* Expand() {
    while (next_ < items_.size() && items_[next_].expanded) ++next_;
    if (next_ == items_.size()) return nullptr;
    items_[next_].expanded = true;
    return &items_[next_].id;
  }
  // The next `n` that Expand would give, as things stand, into `out`;
  // returns how many there are (for prefetching what they will read).
  size_t Peek(size_t n, hnswlib::tableint* out) const {
    size_t found = 0;
    for (size_t i = next_; i < items_.size() && found < n; ++i) {
      if (!items_[i].expanded) out[found++] = items_[i].id;
    }
    return found;
  }
  Found Take() const {
    Found out;
    out.reserve(items_.size());
    for (const Item& item : items_) out.emplace_back(item.distance, item.id);
    return out;
  }

 private:
  struct Item {
    float distance;
    hnswlib::tableint id;
    bool expanded;
  };
  size_t ef_;
  size_t next_ = 0;  // no unexpanded candidate before this index
  std::vector<Item> items_;
};

// hnswlib's searchBaseLayerST on a graph without deleted elements: the same
// nodes expanded in the same order with the same stopping rule (up to ties in
// distance), on the quantized rows, with the candidates in a CandidatePool.
template <typename Rows>
Found SearchBaseLayer(const Graph& g, const Rows& codes, hnswlib::tableint entry, const typename Rows::Query& query,
                      size_t ef) {
  VisitedBits visited(g.max_elements_);
  CandidatePool pool(ef);
  pool.Offer(codes.Distance(query, entry), entry);
  visited.Mark(entry);
  std::vector<hnswlib::tableint> fresh;
  fresh.reserve(g.maxM0_);
  while (const hnswlib::tableint* node = pool.Expand()) {
    // A pipeline two expansions deep, so that a step's misses overlap the
    // step before it instead of following it. The walk's time is its misses
    // (at 38k x 128, ef 100: ~100 expansions, ~560 rows read), and each step
    // waits first for the links of the node it expands, then for the rows of
    // that node's neighbours. Here, while this node is expanded: the rows of
    // the unvisited neighbours of the candidate expanded next, most likely
    // (its links were asked for one step ago), and the links of the one after
    // it. Cold, as a server's search starts (a 250 us pause before each query,
    // debian set), the walk's p50 went from 88 to 81 us; warm, unchanged.
    // Asking for rows two candidates ahead was slower again.
    // (Written out here: moved into a template function of their own, the
    // same prefetches measured no faster than none; why is not understood.)
    hnswlib::tableint ahead[2];
    size_t upcoming = pool.Peek(2, ahead);
    if (upcoming == 2) __builtin_prefetch(g.get_linklist0(ahead[1]));
    if (upcoming >= 1) {
      auto* links = reinterpret_cast<unsigned int*>(g.get_linklist0(ahead[0]));
      size_t count = g.getListCount(links);
      auto* neighbours = reinterpret_cast<hnswlib::tableint*>(links + 1);
      for (size_t j = 0; j < count; ++j) {
        if (!visited.Seen(neighbours[j])) codes.Prefetch(neighbours[j]);
      }
    }
    ForUnvisitedNeighbours(g, codes, query, *node, visited, fresh,
                           [&](hnswlib::tableint c, float d) { pool.Offer(d, c); });
  }
  return pool.Take();
}

// hnswlib's searchBaseLayerST with deleted elements, as it is: deleted nodes
// are walked through but never kept, and the walk goes on until ef live ones
// are kept (or the graph is exhausted), so the two heaps differ here.
template <typename Rows>
Found SearchBaseLayerSkippingDeleted(const Graph& g, const Rows& codes, hnswlib::tableint entry,
                                     const typename Rows::Query& query, size_t ef) {
  VisitedBits visited(g.max_elements_);
  Candidates top;       // the best ef live ones so far, worst on top
  Candidates frontier;  // nodes to expand, by negated distance (nearest on top)
  float lower_bound = std::numeric_limits<float>::max();
  if (!g.isMarkedDeleted(entry)) {
    lower_bound = codes.Distance(query, entry);
    top.emplace(lower_bound, entry);
  }
  frontier.emplace(-lower_bound, entry);
  visited.Mark(entry);
  std::vector<hnswlib::tableint> fresh;
  fresh.reserve(g.maxM0_);
  while (!frontier.empty()) {
    auto [negated, node] = frontier.top();
    if (-negated > lower_bound && top.size() == ef) break;
    frontier.pop();
    ForUnvisitedNeighbours(g, codes, query, node, visited, fresh,
                           [&](hnswlib::tableint c, float d) {
                             if (top.size() < ef || lower_bound > d) {
                               frontier.emplace(-d, c);
                               if (!g.isMarkedDeleted(c)) top.emplace(d, c);
                               if (top.size() > ef) top.pop();
                               if (!top.empty()) lower_bound = top.top().first;
                             }
                           });
    if (!frontier.empty()) __builtin_prefetch(g.get_linklist0(frontier.top().second));
  }
  Found out;
  out.reserve(top.size());
  for (; !top.empty(); top.pop()) out.push_back(top.top());
  return out;
}

// The graph's own float32 vectors, read as the walk reads QuantizedCodes: the
// walk's fallback where the int8 copies cannot tell the vectors apart.
class FloatRows {
 public:
  using Query = const float*;
  explicit FloatRows(const Graph& g) : g_(g) {}
  float Distance(const Query& query, hnswlib::tableint id) const {
    return g_.fstdistfunc_(query, g_.getDataByInternalId(id), g_.dist_func_param_);
  }
  void Prefetch(hnswlib::tableint id) const { PrefetchVector(g_, id); }

 private:
  const Graph& g_;
};

// The k nearest of the walk's candidates by exact distance (float32), nearest
// first. Every candidate is a possible answer, not only the walk's first k: a
// true neighbour the quantized distances placed just below k is still among
// them. But reading a float32 vector is a cache miss of 8 lines or more, so a
// candidate is read only when it can still be among the k: not when its walk
// distance, less the quantization's error bound, is above the k-th exact
// distance already known. The answer is the one re-ranking every candidate
// would give; at 38k x 128 embeddings, ef 100, about 25 of the 100 are read.
//
// `blind` is set when even the walk's farthest candidate could still be
// among the k: its int8 distances could not tell its candidates apart (many
// vectors closer to each other than one int8 step), so the walk's choices
// were guesses too and the caller walks again on the float32 vectors.
Found Rerank(const Graph& g, const QuantizedCodes& codes, const QuantizedCodes::Query& prepared, const float* query,
             Found ranked, size_t k, bool* blind) {
  auto exact_distance = [&](hnswlib::tableint id) {
    return g.fstdistfunc_(query, g.getDataByInternalId(id), g.dist_func_param_);
  };
  // By walk distance, so the first k give a tight bound early.
  std::sort(ranked.begin(), ranked.end());
  size_t first = std::min(k, ranked.size());
  for (size_t i = 0; i < first; ++i) PrefetchVector(g, ranked[i].second);
  Found best;  // a max-heap of the k nearest exact distances so far
  best.reserve(first);
  for (size_t i = 0; i < first; ++i) best.emplace_back(exact_distance(ranked[i].second), ranked[i].second);
  std::make_heap(best.begin(), best.end());
  // The rest that can still beat the k-th: asked for together, so their
  // misses overlap; the bound only tightens as they are read.
  auto may_enter = [&](const std::pair<float, hnswlib::tableint>& c) {
    return best.size() < k || c.first - codes.ErrorBound(prepared, c.second) <= best.front().first;
  };
  size_t kept = first;
  for (size_t i = first; i < ranked.size(); ++i) {
    if (may_enter(ranked[i])) {
      PrefetchVector(g, ranked[i].second);
      ranked[kept++] = ranked[i];
    }
  }
  for (size_t i = first; i < kept; ++i) {
    if (!may_enter(ranked[i])) continue;
    float d = exact_distance(ranked[i].second);
    if (best.size() < k) {
      best.emplace_back(d, ranked[i].second);
      std::push_heap(best.begin(), best.end());
    } else if (std::make_pair(d, ranked[i].second) < best.front()) {
      std::pop_heap(best.begin(), best.end());
      best.back() = {d, ranked[i].second};
      std::push_heap(best.begin(), best.end());
    }
  }
  *blind = ranked.size() > k && best.size() == k && may_enter(ranked.back());
  std::sort_heap(best.begin(), best.end());
  return best;
}

}  // namespace

struct HnswGraph::Impl {
  std::unique_ptr<hnswlib::SpaceInterface<float>> space;
  std::unique_ptr<Graph> graph;
  // Every element's vector quantized (quantized_codes.h), row = internal id.
  std::unique_ptr<QuantizedCodes> codes;
  // Bytes of the link lists above level 0, kept as elements are added so
  // MemoryBytes need not walk every element.
  std::atomic<uint64_t> upper_link_bytes{0};
};

HnswGraph::HnswGraph(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HnswGraph::~HnswGraph() = default;

Result<std::unique_ptr<HnswGraph>> HnswGraph::Create(Metric metric, size_t dim, size_t capacity, size_t m,
                                                     size_t ef_construction) {
  auto impl = std::make_unique<Impl>();
  impl->space = MakeSpace(metric, dim);
  try {
    impl->graph = std::make_unique<Graph>(impl->space.get(), capacity, m, ef_construction, /*random_seed=*/100);
    impl->codes = std::make_unique<QuantizedCodes>(metric, dim, capacity);
  } catch (const std::exception& e) {
    return GraphError(e);
  }
  return std::unique_ptr<HnswGraph>(new HnswGraph(std::move(impl)));
}

Result<std::unique_ptr<HnswGraph>> HnswGraph::Load(Metric metric, size_t dim, const std::string& path,
                                                   size_t capacity) {
  auto impl = std::make_unique<Impl>();
  impl->space = MakeSpace(metric, dim);
  try {
    impl->graph = std::make_unique<Graph>(impl->space.get(), path, false, capacity);
  } catch (const std::exception& e) {
    return GraphError(e);
  }
  // hnswlib 0.6.2's loading constructor never initializes num_deleted_ before
  // counting the deleted marks into it: count them again from zero.
  Graph& g = *impl->graph;
  g.num_deleted_ = 0;
  uint64_t upper = 0;
  for (size_t i = 0; i < g.cur_element_count; ++i) {
    if (g.isMarkedDeleted(static_cast<hnswlib::tableint>(i))) ++g.num_deleted_;
    upper += g.element_levels_[i] * g.size_links_per_element_;
  }
  impl->upper_link_bytes = upper;
  if (impl->graph->data_size_ != impl->space->get_data_size()) {
    return Status::Internal("vector index file " + path + " holds vectors of another dimension");
  }
  // The file holds the float32 vectors only (hnswlib's format): the rows are
  // made again from them, one pass over memory the load has just filled.
  try {
    impl->codes = std::make_unique<QuantizedCodes>(metric, dim, g.max_elements_);
  } catch (const std::exception& e) {
    return GraphError(e);
  }
  // On every core, in chunks of rows (60-90 ms on one core for 100k x 128).
  constexpr size_t kRowsPerChunk = 4096;
  const size_t rows = g.cur_element_count;
  ParallelFor((rows + kRowsPerChunk - 1) / kRowsPerChunk, 1, [&](size_t chunk) {
    for (size_t i = chunk * kRowsPerChunk; i < std::min(rows, (chunk + 1) * kRowsPerChunk); ++i) {
      auto id = static_cast<hnswlib::tableint>(i);
      impl->codes->Encode(id, reinterpret_cast<const float*>(g.getDataByInternalId(id)));
    }
  });
  return std::unique_ptr<HnswGraph>(new HnswGraph(std::move(impl)));
}

Status HnswGraph::Save(const std::string& path) const {
  try {
    impl_->graph->saveIndex(path);
  } catch (const std::exception& e) {
    return GraphError(e);
  }
  return Status::Ok();
}

size_t HnswGraph::size() const { return impl_->graph->cur_element_count; }
size_t HnswGraph::capacity() const { return impl_->graph->max_elements_; }
size_t HnswGraph::deleted() const { return impl_->graph->num_deleted_; }

Status HnswGraph::Resize(size_t capacity) {
  try {
    // The rows first: when they cannot grow, the graph is left as it was.
    impl_->codes->Reserve(capacity);
    impl_->graph->resizeIndex(capacity);
  } catch (const std::exception& e) {
    return Status::ResourceExhausted(std::string("vector index cannot grow to ") + std::to_string(capacity) +
                                     " vectors: " + e.what());
  }
  return Status::Ok();
}

Result<uint32_t> HnswGraph::Add(const float* vector, uint64_t label) {
  try {
    Graph& g = *impl_->graph;
    auto internal = static_cast<uint32_t>(g.addPoint(vector, label, -1));
    impl_->codes->Encode(internal, vector);
    impl_->upper_link_bytes.fetch_add(g.element_levels_[internal] * g.size_links_per_element_,
                                      std::memory_order_relaxed);
    return internal;
  } catch (const std::exception& e) {
    return GraphError(e);
  }
}

void HnswGraph::MarkDeleted(uint64_t label) {
  try {
    impl_->graph->markDelete(label);
  } catch (const std::exception&) {
    // Unknown or already deleted: nothing to undo.
  }
}

std::vector<std::pair<float, uint64_t>> HnswGraph::Search(const float* query, size_t k, size_t ef) const {
  // hnswlib's searchKnn reads the shared ef_ member; setting it per call would
  // race with other searches, so this is its search with ef as an argument:
  // a greedy descent through the upper layers, then the base-layer search,
  // both on the quantized rows; then the candidates re-ranked on the float32
  // vectors, so every distance returned is exact.
  std::vector<std::pair<float, uint64_t>> out;
  const Graph& g = *impl_->graph;
  const QuantizedCodes& codes = *impl_->codes;
  if (g.cur_element_count == 0) return out;
  const QuantizedCodes::Query prepared = codes.Prepare(query);
  hnswlib::tableint current = g.enterpoint_node_;
  float current_dist = codes.Distance(prepared, current);
  for (int level = g.maxlevel_; level > 0; --level) {
    bool changed = true;
    while (changed) {
      changed = false;
      auto* links = reinterpret_cast<unsigned int*>(g.get_linklist(current, level));
      int count = g.getListCount(links);
      auto* neighbours = reinterpret_cast<hnswlib::tableint*>(links + 1);
      for (int i = 0; i < count; ++i) {
        if (neighbours[i] < g.cur_element_count) codes.Prefetch(neighbours[i]);
      }
      for (int i = 0; i < count; ++i) {
        hnswlib::tableint candidate = neighbours[i];
        if (candidate >= g.cur_element_count) continue;
        float d = codes.Distance(prepared, candidate);
        if (d < current_dist) {
          current_dist = d;
          current = candidate;
          changed = true;
        }
      }
    }
  }
  size_t breadth = std::max(ef, k);
  Found ranked = g.num_deleted_ ? SearchBaseLayerSkippingDeleted(g, codes, current, prepared, breadth)
                                : SearchBaseLayer(g, codes, current, prepared, breadth);
  bool blind = false;
  Found exact = Rerank(g, codes, prepared, query, std::move(ranked), k, &blind);
  if (blind) {
    // The walk again on the float32 vectors, from the same entry: its
    // distances are exact, so its k nearest are the answer.
    FloatRows rows(g);
    exact = g.num_deleted_ ? SearchBaseLayerSkippingDeleted(g, rows, current, query, breadth)
                           : SearchBaseLayer(g, rows, current, query, breadth);
    std::sort(exact.begin(), exact.end());
    if (exact.size() > k) exact.resize(k);
  }
  out.reserve(exact.size());
  for (const auto& [distance, id] : exact) out.emplace_back(distance, g.getExternalLabel(id));
  return out;
}

float HnswGraph::RawDistance(const float* query, uint32_t internal_id) const {
  const Graph& g = *impl_->graph;
  return g.fstdistfunc_(query, g.getDataByInternalId(internal_id), g.dist_func_param_);
}

const float* HnswGraph::Data(uint32_t internal_id) const {
  return reinterpret_cast<const float*>(impl_->graph->getDataByInternalId(internal_id));
}

std::optional<uint32_t> HnswGraph::InternalId(uint64_t label) const {
  auto it = impl_->graph->label_lookup_.find(label);
  if (it == impl_->graph->label_lookup_.end()) return std::nullopt;
  return static_cast<uint32_t>(it->second);
}

bool HnswGraph::IsDeleted(uint32_t internal_id) const { return impl_->graph->isMarkedDeleted(internal_id); }

uint64_t HnswGraph::MemoryBytes() const {
  const Graph& g = *impl_->graph;
  // The level-0 block, the upper-layer link lists, the per-element locks, the
  // update locks, the label lookup and the quantized rows.
  uint64_t bytes = g.max_elements_ * (g.size_data_per_element_ + sizeof(void*) + sizeof(int) + sizeof(std::mutex));
  bytes += g.link_list_update_locks_.size() * sizeof(std::mutex);
  bytes += impl_->upper_link_bytes.load(std::memory_order_relaxed);
  bytes += g.label_lookup_.size() * (sizeof(uint64_t) + sizeof(uint32_t) + 2 * sizeof(void*));
  return bytes + impl_->codes->MemoryBytes();
}

}  // namespace strata::storage

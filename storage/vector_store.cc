#include "storage/vector_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>

#include "storage/catalog.h"
#include "storage/json_path.h"
#include "storage/names.h"
#include "storage/record_store.h"
#include "storage/transaction.h"
#include "storage/vector_parallel.h"

namespace strata::storage {
namespace {

// A batch search starts another thread per this many queries (up to one per core).
constexpr size_t kQueriesPerThread = 8;

Status CollectionNotFound(std::string_view name, const Scope& scope) {
  return Status::NotFound("collection " + QuoteName(name) + " not found in space " + QuoteName(SpaceName(scope)) +
                          " of branch " + QuoteName(BranchName(scope)));
}

// `metric`: the one the search is answered in (the collection's or an override).
Status CheckQuery(const std::vector<float>& query, const CollectionConfig& config, std::string_view name,
                  Metric metric) {
  if (query.size() != config.dimension) {
    return Status::Constraint("query has " + std::to_string(query.size()) + " components; collection " +
                              QuoteName(name) + " has dimension " + std::to_string(config.dimension));
  }
  STRATA_RETURN_IF_ERROR(CheckFinite(query, "query"));
  // As for an upsert: a zero vector has no direction, so no cosine similarity
  // (it would rank every vector alike).
  if (metric == Metric::kCosine && Norm(query.data(), query.size()) == 0) {
    return Status::InvalidArgument("query is all zeros: cosine similarity is undefined for it");
  }
  return Status::Ok();
}

Status CheckInput(const VectorInput& in, size_t index, bool batch) {
  std::string where = batch ? "entry " + std::to_string(index) + ": " : "";
  Status st = ValidateKey(in.key, "vector key");
  if (!st.ok()) return Status::InvalidArgument(where + st.message());
  st = CheckFinite(in.values, "vector");
  if (!st.ok()) return Status::InvalidArgument(where + st.message());
  if (in.values.empty()) return Status::InvalidArgument(where + "vector must not be empty");
  if (in.metadata.has_value() && !in.metadata->is_null() && !in.metadata->is_object()) {
    return Status::InvalidArgument(where + "metadata must be an object (a dict), got " +
                                   std::string(in.metadata->type_name()));
  }
  // Spec §2: NaN and infinity are refused in vector metadata, whichever
  // client sends it (the Python client checks too).
  if (in.metadata.has_value()) {
    st = RequireFiniteNumbers(*in.metadata, "vector metadata");
    if (!st.ok()) return Status::InvalidArgument(where + st.message());
  }
  return Status::Ok();
}

// Calls `visit` with every live vector record of `prefix` the view sees: in a
// transaction, the snapshot's, with the session's own staged writes in their
// place (a range read: not validated at commit, like lists).
Status ScanVisibleVectors(const ReadView& view, const std::string& prefix,
                          const std::function<Status(std::string_view name, std::string_view payload)>& visit) {
  RecordScope scope = view.records(Primitive::kVector);
  if (view.session == nullptr) {
    return RecordStore::ScanLive(view.txn, view.records_dbi, scope, prefix, view.version,
                                 [&](const Record& rec) { return visit(rec.name, rec.payload); });
  }
  std::lock_guard<std::mutex> lock(view.session->mu());
  if (view.session->closed()) return Status::NotFound("transaction \"" + view.session->id() + "\" has ended");
  std::map<std::string, const StagedRecord*> staged;
  for (auto& [name, rec] : view.session->WritesWithPrefix(view.space_name, Primitive::kVector, prefix)) {
    staged.emplace(name, rec);
  }
  STRATA_RETURN_IF_ERROR(RecordStore::ScanLive(view.txn, view.records_dbi, scope, prefix, view.version,
                                               [&](const Record& rec) -> Status {
                                                 if (staged.count(rec.name)) return Status::Ok();
                                                 return visit(rec.name, rec.payload);
                                               }));
  for (const auto& [name, rec] : staged) {
    if (!rec->tombstone) STRATA_RETURN_IF_ERROR(visit(name, rec->payload));
  }
  return Status::Ok();
}

// Brute force over the records visible in `view`: the answer for as_of, for
// a metric other than the collection's, and inside a transaction. Each record's key and metadata
// are kept once (not once per query), and metadata is copied only into the
// k matches each query keeps, when asked for.
Result<std::vector<std::vector<VectorMatch>>> ExactFromRecords(const ReadView& view, const std::string& prefix,
                                                               const std::vector<std::vector<float>>& queries,
                                                               Metric metric, const VectorSearchOptions& options) {
  std::vector<std::string> keys;
  std::vector<Value> metadata_of;  // by record index, when options.include_metadata
  std::vector<std::vector<std::pair<double, uint32_t>>> hits(queries.size());  // (distance, record index)
  Status st = ScanVisibleVectors(
      view, prefix, [&](std::string_view name, std::string_view payload) -> Status {
        auto v = DecodeVector(payload);
        if (!v.ok()) return v.status();
        Value metadata = v->metadata ? std::move(*v->metadata) : Value();
        if (!MatchesAll(options.filters, metadata)) return Status::Ok();
        auto index = static_cast<uint32_t>(keys.size());
        keys.push_back(std::string(name.substr(prefix.size())));
        if (options.include_metadata) metadata_of.push_back(std::move(metadata));
        for (size_t q = 0; q < queries.size(); ++q) {
          if (v->values.size() != queries[q].size()) continue;
          hits[q].emplace_back(Distance(metric, queries[q].data(), v->values.data(), queries[q].size()), index);
        }
        return Status::Ok();
      });
  if (!st.ok()) return st;
  std::vector<std::vector<VectorMatch>> results(queries.size());
  for (size_t q = 0; q < queries.size(); ++q) {
    auto& h = hits[q];
    auto better = [&](const std::pair<double, uint32_t>& a, const std::pair<double, uint32_t>& b) {
      return a.first != b.first ? a.first < b.first : keys[a.second] < keys[b.second];
    };
    size_t n = std::min(options.k, h.size());
    std::partial_sort(h.begin(), h.begin() + n, h.end(), better);
    results[q].reserve(n);
    for (size_t i = 0; i < n; ++i) {
      VectorMatch m;
      m.key = keys[h[i].second];
      m.distance = h[i].first;
      m.score = ScoreFromDistance(metric, m.distance);
      if (options.include_metadata) m.metadata = metadata_of[h[i].second];
      results[q].push_back(std::move(m));
    }
  }
  return results;
}

// Inside the writer: the configuration of a live collection, else kNotFound.
Result<CollectionConfig> LiveCollectionForWrite(WriteContext& ctx, const WriteTarget& target, const Scope& scope,
                                                std::string_view collection) {
  auto live = VersionedNames::GetLiveForWrite(ctx, target, Primitive::kCollection, collection);
  if (!live.ok()) return live.status();
  if (!live->has_value()) return CollectionNotFound(collection, scope);
  return DecodeCollection((*live)->payload);
}

// Collections are not transactional: creating and deleting one refuse to run
// inside a transaction rather than silently bypass it.
Status RefuseInTransaction(const Scope& scope, const char* what) {
  if (scope.txn_id.empty()) return Status::Ok();
  return Status::StateError(std::string(what) + " is not supported inside a transaction (" + scope.txn_id +
                            "); do it before begin() or after commit()");
}

// A view of the latest state reads at UINT64_MAX; an index records the
// version it reflects, so pin the view to the version its snapshot holds.
Status PinVersion(const EngineCore& core, ReadView& view) {
  if (view.version != UINT64_MAX) return Status::Ok();
  auto latest = core.LatestVersion(view.txn);
  if (!latest.ok()) return latest.status();
  view.version = *latest;
  return Status::Ok();
}

}  // namespace

VectorStore::VectorStore(EngineCore& core, std::string snapshot_dir)
    : core_(core), snapshot_dir_(std::move(snapshot_dir)) {}

VectorStore::~VectorStore() = default;

Result<VectorStore::Resolved> VectorStore::FindCollection(const ReadView& view, std::string_view name) const {
  auto rec = RecordStore::Read(view.txn, view.records_dbi, view.records(Primitive::kCollection), name, view.version);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value() || (*rec)->tombstone) return Status::NotFound("");
  auto config = DecodeCollection((*rec)->payload);
  if (!config.ok()) return config.status();
  return Resolved{*config, std::move(**rec)};
}

std::string VectorStore::SnapshotBase(const IndexKey& key) const {
  return snapshot_dir_ + "/b" + std::to_string(std::get<0>(key)) + "-s" + std::to_string(std::get<1>(key)) + "-i" +
         std::to_string(std::get<2>(key));
}

void VectorStore::DropIndex(const IndexKey& key) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    indexes_.erase(key);
  }
  if (!snapshot_dir_.empty()) {
    std::string base = SnapshotBase(key);
    std::remove((base + ".meta").c_str());
    std::remove((base + ".hnsw").c_str());
  }
}

Result<std::shared_ptr<VectorIndex>> VectorStore::IndexFor(ReadView& view, std::string_view name,
                                                           const Resolved& c) {
  STRATA_RETURN_IF_ERROR(PinVersion(core_, view));
  IndexKey key{view.branch_id, view.space_id.value_or(0), c.config.incarnation};
  std::shared_ptr<VectorIndex> index;
  bool fresh = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = indexes_.find(key);
    if (it != indexes_.end()) {
      index = it->second;
    } else {
      IndexIdentity id{view.branch_id, view.space_id.value_or(0), std::string(name), c.config, c.record.version,
                       c.record.timestamp};
      index = std::make_shared<VectorIndex>(std::move(id));
      indexes_.emplace(key, index);
      fresh = true;
    }
  }
  if (fresh) {
    if (!snapshot_dir_.empty() && index->LoadSnapshot(SnapshotBase(key), view.version, view.layers)) {
      loaded_.fetch_add(1);
    } else {
      built_.fetch_add(1);
    }
  }
  Status st = index->CatchUp(view);
  if (!st.ok()) return st;
  return index;
}

Result<uint64_t> VectorStore::CreateCollection(const Scope& scope, std::string_view name, CollectionConfig config) {
  STRATA_RETURN_IF_ERROR(RefuseInTransaction(scope, "creating a collection"));
  STRATA_RETURN_IF_ERROR(ValidateCollectionName(name));
  STRATA_RETURN_IF_ERROR(ValidateCollectionConfig(config));
  uint64_t out = 0;
  Status st = core_.writer().Run([&](WriteContext& ctx) -> Status {
    auto target = core_.ResolveWrite(ctx, scope);
    if (!target.ok()) return target.status();
    auto live = VersionedNames::GetLiveForWrite(ctx, *target, Primitive::kCollection, name);
    if (!live.ok()) return live.status();
    if (live->has_value()) {
      return Status::AlreadyExists("collection " + QuoteName(name) + " already exists in space " +
                                   QuoteName(SpaceName(scope)));
    }
    auto version = ctx.NextVersion();
    if (!version.ok()) return version.status();
    config.incarnation = *version;
    STRATA_RETURN_IF_ERROR(RecordStore::Write(ctx.txn(), ctx.dbs().records, target->branch_id, target->space_id,
                                              Primitive::kCollection, name, *version, ctx.timestamp(), false,
                                              EncodeCollection(config)));
    out = *version;
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

Result<DeleteResult> VectorStore::DeleteCollection(const Scope& scope, std::string_view name) {
  STRATA_RETURN_IF_ERROR(RefuseInTransaction(scope, "deleting a collection"));
  STRATA_RETURN_IF_ERROR(ValidateCollectionName(name));
  DeleteResult result;
  std::optional<IndexKey> dropped;
  Status st = core_.writer().Run([&](WriteContext& ctx) -> Status {
    auto target = core_.ResolveWrite(ctx, scope);
    if (!target.ok()) return target.status();
    auto live = VersionedNames::GetLiveForWrite(ctx, *target, Primitive::kCollection, name);
    if (!live.ok()) return live.status();
    if (!live->has_value()) return Status::Ok();
    auto config = DecodeCollection((*live)->payload);
    if (!config.ok()) return config.status();
    auto version = ctx.NextVersion();
    if (!version.ok()) return version.status();
    Txn& txn = ctx.txn();
    MDB_dbi dbi = ctx.dbs().records;
    STRATA_RETURN_IF_ERROR(RecordStore::Write(txn, dbi, target->branch_id, target->space_id, Primitive::kCollection,
                                              name, *version, ctx.timestamp(), true, {}));
    // Its vectors end with the collection, at the same version, so history,
    // branch diffs and key counts agree with what a reader sees.
    std::vector<std::string> names;
    STRATA_RETURN_IF_ERROR(RecordStore::ScanLive(txn, dbi, target->records(Primitive::kVector),
                                                 VectorNamePrefix(name, config->incarnation), UINT64_MAX,
                                                 [&](const Record& rec) {
                                                   names.push_back(rec.name);
                                                   return Status::Ok();
                                                 }));
    for (const auto& n : names) {
      STRATA_RETURN_IF_ERROR(RecordStore::Write(txn, dbi, target->branch_id, target->space_id, Primitive::kVector, n,
                                                *version, ctx.timestamp(), true, {}));
    }
    if (!names.empty()) {
      STRATA_RETURN_IF_ERROR(core_.AdjustLiveKeys(ctx, target->branch_id, -static_cast<int64_t>(names.size())));
    }
    result = DeleteResult{true, *version};
    dropped = IndexKey{target->branch_id, target->space_id, config->incarnation};
    return Status::Ok();
  });
  if (!st.ok()) return st;
  if (dropped) DropIndex(*dropped);
  return result;
}

Result<std::vector<CollectionInfo>> VectorStore::ListCollections(const Scope& scope) {
  std::vector<CollectionInfo> out;
  auto view = core_.BeginRead(scope, std::nullopt);
  if (!view.ok()) return view.status();
  std::vector<std::pair<std::string, Resolved>> found;
  Status st = RecordStore::ScanLive(view->txn, view->records_dbi, view->records(Primitive::kCollection), "",
                                    view->version, [&](const Record& rec) -> Status {
                                      auto config = DecodeCollection(rec.payload);
                                      if (!config.ok()) return config.status();
                                      found.emplace_back(rec.name, Resolved{*config, rec});
                                      return Status::Ok();
                                    });
  if (!st.ok()) return st;
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [name, c] : found) {
    // An index in memory gives its figures; any other collection is counted
    // from its records and shows no index memory: building or loading every
    // index to list them took ~9 ms each and kept them all in memory.
    auto info = InfoWithoutLoading(*view, name, c);
    if (!info.ok()) return info.status();
    out.push_back(std::move(info).value());
  }
  return out;
}

Result<CollectionInfo> VectorStore::InfoWithoutLoading(ReadView& view, const std::string& name, const Resolved& c) {
  std::shared_ptr<VectorIndex> resident = ResidentIndex(view, c);
  if (resident && view.session == nullptr) {
    STRATA_RETURN_IF_ERROR(PinVersion(core_, view));
    STRATA_RETURN_IF_ERROR(resident->CatchUp(view));
    IndexFigures f = resident->figures();
    return CollectionInfo{name, c.config, f.live, f.memory_bytes};
  }
  // In a transaction the count is the records', its own writes included (the
  // index holds committed data only).
  uint64_t count = 0;
  STRATA_RETURN_IF_ERROR(ScanVisibleVectors(view, VectorNamePrefix(name, c.config.incarnation),
                                            [&](std::string_view, std::string_view) {
                                              ++count;
                                              return Status::Ok();
                                            }));
  return CollectionInfo{name, c.config, count, resident ? resident->figures().memory_bytes : 0};
}

std::shared_ptr<VectorIndex> VectorStore::ResidentIndex(const ReadView& view, const Resolved& c) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = indexes_.find(IndexKey{view.branch_id, view.space_id.value_or(0), c.config.incarnation});
  return it == indexes_.end() ? nullptr : it->second;
}

Result<CollectionInfo> VectorStore::CollectionStats(const Scope& scope, std::string_view name) {
  STRATA_RETURN_IF_ERROR(ValidateCollectionName(name));
  auto view = core_.BeginRead(scope, std::nullopt);
  if (!view.ok()) return view.status();
  auto c = FindCollection(*view, name);
  if (!c.ok()) return c.status().code() == Code::kNotFound ? CollectionNotFound(name, scope) : c.status();
  // Inside a transaction: its snapshot and own writes, as listing counts them.
  if (view->session != nullptr) return InfoWithoutLoading(*view, std::string(name), *c);
  auto index = IndexFor(*view, name, *c);
  if (!index.ok()) return index.status();
  IndexFigures f = (*index)->figures();
  return CollectionInfo{std::string(name), c->config, f.live, f.memory_bytes};
}

Result<std::vector<uint64_t>> VectorStore::Write(const Scope& scope, std::string_view collection,
                                                 const std::vector<VectorInput>& inputs) {
  STRATA_RETURN_IF_ERROR(ValidateCollectionName(collection));
  bool batch = inputs.size() != 1;
  for (size_t i = 0; i < inputs.size(); ++i) STRATA_RETURN_IF_ERROR(CheckInput(inputs[i], i, batch));
  // Encode outside the writer: the writer's time is the database's bottleneck.
  std::vector<std::string> payloads;
  payloads.reserve(inputs.size());
  for (const auto& in : inputs) {
    bool has_metadata = in.metadata.has_value() && !in.metadata->is_null();
    payloads.push_back(EncodeVector(in.values, has_metadata ? EncodeValue(*in.metadata) : std::string()));
  }
  std::vector<uint64_t> versions;
  Status st = core_.RunWrite(scope, [&](WriteContext& ctx, const WriteTarget& target) -> Status {
    versions.clear();
    auto config = LiveCollectionForWrite(ctx, target, scope, collection);
    if (!config.ok()) return config.status();
    std::string prefix = VectorNamePrefix(collection, config->incarnation);
    for (size_t i = 0; i < inputs.size(); ++i) {
      const auto& in = inputs[i];
      std::string where = batch ? "entry " + std::to_string(i) + ": " : "";
      if (in.values.size() != config->dimension) {
        return Status::Constraint(where + "vector has " + std::to_string(in.values.size()) +
                                  " components; collection " + QuoteName(collection) + " has dimension " +
                                  std::to_string(config->dimension));
      }
      if (config->metric == Metric::kCosine && Norm(in.values.data(), in.values.size()) == 0) {
        return Status::InvalidArgument(where + "vector is all zeros: cosine similarity is undefined for it");
      }
      auto v = VersionedNames::Put(core_, ctx, target, Primitive::kVector, prefix + in.key, payloads[i]);
      if (!v.ok()) return v.status();
      versions.push_back(*v);
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  if (scope.txn_id.empty()) CatchUpAfterWrite(scope, collection);  // a transaction's writes arrive at commit
  return versions;
}

void VectorStore::CatchUpAfterWrite(const Scope& scope, std::string_view collection) {
  auto view = core_.BeginRead(scope, std::nullopt);
  if (!view.ok()) return;
  auto c = FindCollection(*view, collection);
  if (!c.ok()) return;
  (void)IndexFor(*view, collection, *c);
}

Result<uint64_t> VectorStore::Upsert(const Scope& scope, std::string_view collection, const VectorInput& input) {
  auto v = Write(scope, collection, {input});
  if (!v.ok()) return v.status();
  return v->front();
}

Result<std::vector<uint64_t>> VectorStore::BatchUpsert(const Scope& scope, std::string_view collection,
                                                       const std::vector<VectorInput>& inputs) {
  if (inputs.empty()) return std::vector<uint64_t>();
  return Write(scope, collection, inputs);
}

Result<std::optional<VectorRecord>> VectorStore::Get(const Scope& scope, std::string_view collection,
                                                     std::string_view key, std::optional<int64_t> as_of) {
  using Out = std::optional<VectorRecord>;
  STRATA_RETURN_IF_ERROR(ValidateCollectionName(collection));
  STRATA_RETURN_IF_ERROR(ValidateKey(key, "vector key"));
  auto view = core_.BeginRead(scope, as_of);
  if (!view.ok()) return view.status();
  auto c = FindCollection(*view, collection);
  if (!c.ok()) return c.status().code() == Code::kNotFound ? CollectionNotFound(collection, scope) : c.status();
  auto rec = VersionedNames::GetLive(*view, Primitive::kVector,
                                     VectorRecordName(collection, c->config.incarnation, key));
  if (!rec.ok()) return rec.status();
  if (!rec->has_value()) return Out();
  auto v = DecodeVector((*rec)->payload);
  if (!v.ok()) return v.status();
  VectorRecord out{std::string(key), std::move(v->values), v->metadata ? std::move(*v->metadata) : Value(),
                   (*rec)->version, (*rec)->timestamp};
  return Out(std::move(out));
}

Result<DeleteResult> VectorStore::Delete(const Scope& scope, std::string_view collection, std::string_view key) {
  STRATA_RETURN_IF_ERROR(ValidateCollectionName(collection));
  STRATA_RETURN_IF_ERROR(ValidateKey(key, "vector key"));
  DeleteResult result;
  Status st = core_.RunWrite(scope, [&](WriteContext& ctx, const WriteTarget& target) -> Status {
    auto config = LiveCollectionForWrite(ctx, target, scope, collection);
    if (!config.ok()) return config.status();
    auto r = VersionedNames::Delete(core_, ctx, target, Primitive::kVector,
                                    VectorRecordName(collection, config->incarnation, key));
    if (!r.ok()) return r.status();
    result = *r;
    return Status::Ok();
  });
  if (!st.ok()) return st;
  if (result.existed && scope.txn_id.empty()) CatchUpAfterWrite(scope, collection);
  return result;
}

Result<std::vector<std::vector<VectorMatch>>> VectorStore::SearchMany(const Scope& scope, std::string_view collection,
                                                                      const std::vector<std::vector<float>>& queries,
                                                                      const VectorSearchOptions& options) {
  STRATA_RETURN_IF_ERROR(ValidateCollectionName(collection));
  if (options.k < 1 || options.k > kMaxSearchK) {
    return Status::InvalidArgument("k must be between 1 and 10000, got " + std::to_string(options.k));
  }
  if (options.ef > kMaxEf) {
    return Status::InvalidArgument("ef must be at most 100000, got " + std::to_string(options.ef));
  }
  auto check_queries = [&](const CollectionConfig& config) -> Status {
    for (size_t i = 0; i < queries.size(); ++i) {
      Status st = CheckQuery(queries[i], config, collection, options.metric.value_or(config.metric));
      if (!st.ok()) {
        return queries.size() == 1 ? st : Status(st.code(), "query " + std::to_string(i) + ": " + st.message());
      }
    }
    return Status::Ok();
  };
  // A plain search at the same latest version as the last one of this
  // collection skips resolving it again (vector_search_targets.h).
  const bool plain = !options.as_of.has_value() && scope.txn_id.empty();
  const std::string branch = BranchName(scope), space = SpaceName(scope), name(collection);
  std::optional<SearchTarget> target;
  if (plain) target = recent_targets_.Find(branch, space, name, core_.writer().committed_version());
  if (target.has_value() && options.metric.value_or(target->config.metric) != target->config.metric) {
    target.reset();  // another metric is answered exactly, from the records
  }
  if (!target.has_value()) {
    auto view = core_.BeginRead(scope, options.as_of);
    if (!view.ok()) return view.status();
    auto c = FindCollection(*view, collection);
    if (!c.ok()) return c.status().code() == Code::kNotFound ? CollectionNotFound(collection, scope) : c.status();
    STRATA_RETURN_IF_ERROR(check_queries(c->config));
    Metric metric = options.metric.value_or(c->config.metric);
    // The index holds committed data only: a transaction's search (its snapshot
    // plus its own writes) is answered exactly from the records.
    if (options.as_of.has_value() || metric != c->config.metric || view->session != nullptr) {
      exact_.fetch_add(1);
      return ExactFromRecords(*view, VectorNamePrefix(collection, c->config.incarnation), queries, metric, options);
    }
    auto index = IndexFor(*view, collection, *c);
    if (!index.ok()) return index.status();
    target = SearchTarget{*index, c->config};
    if (plain) recent_targets_.Remember(branch, space, name, view->version, *target);
    // The index is current: release the read transaction before searching.
    view->txn.Abort();
  } else {
    STRATA_RETURN_IF_ERROR(check_queries(target->config));
  }
  size_t ef = options.ef ? options.ef : kDefaultEf;
  // The queries of a batch are independent reads of the index (it allows
  // concurrent searches): spread them over the cores.
  std::vector<std::vector<VectorMatch>> out(queries.size());
  std::vector<Status> errors(queries.size());
  const VectorIndex& idx = *target->index;
  ParallelFor(queries.size(), kQueriesPerThread, [&](size_t i) {
    SearchPlan plan = SearchPlan::kHnsw;
    auto r = idx.Search(queries[i], options.k, ef, options.filters, options.include_metadata, &plan);
    if (!r.ok()) {
      errors[i] = r.status();
      return;
    }
    if (plan == SearchPlan::kExactFiltered || plan == SearchPlan::kExactUnreached) exact_.fetch_add(1);
    out[i] = std::move(r).value();
  });
  for (const Status& st : errors) {
    if (!st.ok()) return st;
  }
  return out;
}

Result<std::vector<VectorMatch>> VectorStore::Search(const Scope& scope, std::string_view collection,
                                                     const std::vector<float>& query,
                                                     const VectorSearchOptions& options) {
  auto r = SearchMany(scope, collection, {query}, options);
  if (!r.ok()) return r.status();
  return std::move(r->front());
}

Result<std::vector<std::vector<VectorMatch>>> VectorStore::BatchSearch(const Scope& scope,
                                                                       std::string_view collection,
                                                                       const std::vector<std::vector<float>>& queries,
                                                                       const VectorSearchOptions& options) {
  if (queries.size() > kMaxBatchQueries) {
    return Status::InvalidArgument("a batch search takes at most 10000 queries, got " + std::to_string(queries.size()));
  }
  if (queries.empty()) return std::vector<std::vector<VectorMatch>>();
  if (queries.size() * options.k > kMaxBatchMatches) {
    return Status::InvalidArgument("a batch search asks for at most " + std::to_string(kMaxBatchMatches) +
                                   " matches (queries x k), got " + std::to_string(queries.size()) + " x " +
                                   std::to_string(options.k) + "; split it into smaller batches");
  }
  return SearchMany(scope, collection, queries, options);
}

Result<uint64_t> VectorStore::DropUnusedIndexes() {
  std::vector<std::pair<IndexKey, std::string>> all;  // with the collection's name
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [key, index] : indexes_) all.emplace_back(key, index->identity().collection);
  }
  if (all.empty()) return uint64_t{0};
  // Reads begun after the listing: every index listed was made for a
  // collection they see (or see deleted).
  std::vector<IndexKey> unused;
  std::vector<std::tuple<IndexKey, std::string, std::string, std::string>> to_check;  // key, branch, space, collection
  {
    auto txn = Txn::BeginRead(core_.env());
    if (!txn.ok()) return txn.status();
    auto space_names = Catalog::SpaceNames(*txn, core_.dbs());
    if (!space_names.ok()) return space_names.status();
    for (const auto& [key, collection] : all) {
      auto branch = Catalog::BranchById(*txn, core_.dbs(), std::get<0>(key));
      if (!branch.ok()) return branch.status();
      auto space = space_names->find(std::get<1>(key));
      if (!branch->has_value() || (*branch)->deleted || space == space_names->end()) {
        unused.push_back(key);
      } else {
        to_check.emplace_back(key, (*branch)->name, space->second, collection);
      }
    }
  }
  for (const auto& [key, branch, space, collection] : to_check) {
    auto view = core_.ReadAt(branch, space, std::nullopt, UINT64_MAX);
    if (!view.ok()) {
      if (view.status().code() != Code::kNotFound) return view.status();
      unused.push_back(key);  // the space is gone from the branch
      continue;
    }
    auto c = FindCollection(*view, collection);
    if (!c.ok()) {
      if (c.status().code() != Code::kNotFound) return c.status();
      unused.push_back(key);
    } else if (c->config.incarnation != std::get<2>(key)) {
      unused.push_back(key);  // deleted and created again, e.g. by a merge
    }
  }
  for (const IndexKey& key : unused) DropIndex(key);
  return static_cast<uint64_t>(unused.size());
}

Result<uint64_t> VectorStore::CompactIndexes(double threshold) {
  auto dropped = DropUnusedIndexes();
  if (!dropped.ok()) return dropped.status();
  std::vector<std::shared_ptr<VectorIndex>> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [key, index] : indexes_) all.push_back(index);
  }
  uint64_t rebuilt = 0;
  for (auto& index : all) {
    auto r = index->CompactIfWorn(threshold);
    if (!r.ok()) return r.status();
    if (*r) ++rebuilt;
  }
  compactions_.fetch_add(rebuilt);
  return rebuilt;
}

Result<uint64_t> VectorStore::SaveSnapshots(uint64_t durable_version) {
  if (snapshot_dir_.empty()) return uint64_t{0};
  std::vector<std::pair<IndexKey, std::shared_ptr<VectorIndex>>> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [key, index] : indexes_) all.emplace_back(key, index);
  }
  if (all.empty()) return uint64_t{0};
  if (::mkdir(snapshot_dir_.c_str(), 0755) != 0 && errno != EEXIST) {
    return Status::Internal("cannot create the vector snapshot directory " + snapshot_dir_);
  }
  uint64_t written = 0;
  for (auto& [key, index] : all) {
    auto r = index->SaveSnapshot(SnapshotBase(key), durable_version);
    if (!r.ok()) return r.status();
    if (*r) ++written;
  }
  snapshots_.fetch_add(written);
  return written;
}

Result<uint64_t> VectorStore::CountCollections(std::string_view branch) const {
  auto txn = Txn::BeginRead(core_.env());
  if (!txn.ok()) return txn.status();
  auto b = Catalog::FindBranch(*txn, core_.dbs(), branch);
  if (!b.ok()) return b.status();
  auto layers = Catalog::Layers(*txn, core_.dbs(), *b);
  if (!layers.ok()) return layers.status();
  uint64_t count = 0;
  // Spaces the branch has (its own memberships and those it inherits).
  std::vector<std::string> spaces;
  for (const Layer& layer : *layers) {
    auto ms = Catalog::Memberships(*txn, core_.dbs(), layer.branch_id);
    if (!ms.ok()) return ms.status();
    for (auto& [name, m] : *ms) {
      if (std::find(spaces.begin(), spaces.end(), name) == spaces.end()) spaces.push_back(name);
    }
  }
  for (const auto& space : spaces) {
    auto view = core_.BeginRead(Scope{std::string(branch), space}, std::nullopt);
    if (!view.ok()) continue;  // deleted on this branch
    if (!view->space_id) continue;
    Status st = RecordStore::ScanLive(view->txn, view->records_dbi, view->records(Primitive::kCollection), "",
                                      view->version, [&](const Record&) {
                                        ++count;
                                        return Status::Ok();
                                      });
    if (!st.ok()) return st;
  }
  return count;
}

VectorCounters VectorStore::counters() const {
  VectorCounters c;
  c.indexes_loaded = loaded_.load();
  c.indexes_built = built_.load();
  c.snapshots_written = snapshots_.load();
  c.compactions = compactions_.load();
  c.exact_searches = exact_.load();
  std::vector<std::shared_ptr<VectorIndex>> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [key, index] : indexes_) all.push_back(index);
  }
  c.index_count = all.size();
  for (auto& index : all) {
    IndexFigures f = index->figures();
    c.index_vectors += f.live;
    c.index_memory_bytes += f.memory_bytes;
  }
  return c;
}

}  // namespace strata::storage

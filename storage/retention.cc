#include "storage/retention.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "storage/catalog.h"
#include "storage/change_index.h"
#include "storage/key_codec.h"
#include "storage/meta_keys.h"
#include "storage/record_store.h"
#include "storage/text_extract.h"
#include "storage/text_index.h"

namespace strata::storage {
namespace {

constexpr uint8_t kTombstoneFlag = 0x01;  // record_store.h: [flags u8][timestamp i64]...
// A single name with a very long history may span chunks; a chunk stops inside
// one only past this many times its record budget.
constexpr size_t kSplitNameFactor = 4;

// Read versions [lo, hi] at which some reader looks at a layer.
struct Interval {
  uint64_t lo = 0;
  uint64_t hi = 0;
};

// Who reads one branch's own records (its layer), and how.
struct LayerReads {
  std::vector<Interval> reads;
  bool live = false;      // the branch itself is live: the count rule applies
  bool root = false;      // no parent: a missing record reads as "absent"
  bool read = false;      // some live branch reads the layer
  uint64_t max_cap = 0;   // the highest version a live branch reads it at
};

bool Pruned(Primitive p) {
  return p == Primitive::kKv || p == Primitive::kState || p == Primitive::kJson || p == Primitive::kVector ||
         p == Primitive::kCollection;
}

// A record visible to reads at [version, newer) is needed when a read falls there.
bool Needed(const std::vector<Interval>& reads, uint64_t version, uint64_t newer) {
  for (const Interval& r : reads) {
    if (r.lo < newer && r.hi >= version) return true;
  }
  return false;
}

// Merge bases (catalog "merge_base/"): the next merge of a pair reads the
// source's chain as it was merged, so those versions stay readable.
Result<std::multimap<uint32_t, uint64_t>> MergeBases(const Txn& txn, const Databases& dbs) {
  std::multimap<uint32_t, uint64_t> out;
  Cursor c(txn, dbs.catalog);
  for (bool ok = c.Seek(kCatalogMergeBasePrefix);
       ok && c.key().substr(0, kCatalogMergeBasePrefix.size()) == kCatalogMergeBasePrefix; ok = c.Next()) {
    std::string_view key = c.key().substr(kCatalogMergeBasePrefix.size());
    if (key.size() != 8 || c.value().size() != 16) return Status::Internal("corrupt merge base record");
    out.emplace(ReadU32(key), ReadU64(c.value()));
  }
  STRATA_RETURN_IF_ERROR(c.status());
  return out;
}

// For every branch id, who reads its layer: each live branch reads its own
// layer at [window, latest] and each ancestor's at the same, capped at the
// fork version; merge bases add single versions.
Result<std::map<uint32_t, LayerReads>> ReadSets(const Txn& txn, const Databases& dbs, uint64_t window) {
  auto branches = Catalog::AllBranches(txn, dbs);
  if (!branches.ok()) return branches.status();
  auto merges = MergeBases(txn, dbs);
  if (!merges.ok()) return merges.status();
  std::map<uint32_t, LayerReads> out;
  for (const BranchRecord& b : *branches) {
    LayerReads& own = out[b.id];
    own.root = b.parent_id == 0;
    own.live = !b.deleted;
  }
  for (const BranchRecord& b : *branches) {
    if (b.deleted) continue;
    auto chain = Catalog::Layers(txn, dbs, b);
    if (!chain.ok()) return chain.status();
    auto [lo, hi] = merges->equal_range(b.id);
    for (const Layer& layer : *chain) {
      LayerReads& reads = out[layer.branch_id];
      reads.read = true;
      reads.max_cap = std::max(reads.max_cap, layer.max_version);
      reads.reads.push_back({std::min(window, layer.max_version), layer.max_version});
      for (auto it = lo; it != hi; ++it) {
        uint64_t at = std::min(it->second, layer.max_version);
        reads.reads.push_back({at, at});
      }
    }
  }
  return out;
}

Status WriteRetainedFrom(Txn& txn, const Databases& dbs, const RetainedFrom& r) {
  std::string v;
  AppendU64(v, r.version);
  AppendU64(v, static_cast<uint64_t>(r.timestamp));
  return txn.Put(dbs.meta, kMetaRetainedFrom, v);
}

// The commit timestamp of `version` as the clock has it: the smallest
// timestamp whose as_of read reaches `version` (records imported from a
// bundle keep their original timestamps, so the record's own is not it).
Result<int64_t> ClockTimestampOf(const EngineCore& core, const Txn& txn, uint64_t version) {
  Cursor c(txn, core.dbs().clock);
  bool positioned = c.Last();
  STRATA_RETURN_IF_ERROR(c.status());
  if (!positioned || c.key().size() != 16) return Status::Internal("the clock has no entry for version " +
                                                                   std::to_string(version));
  uint64_t lo = 0;
  uint64_t hi = ReadU64(c.key());
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    auto v = core.VersionAt(txn, static_cast<int64_t>(mid));
    if (!v.ok()) return v.status();
    if (*v >= version) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return static_cast<int64_t>(lo);
}

// The walk over the records database, carried from one chunk to the next.
struct Walk {
  std::string resume;  // the next key to look at; empty: from the start
  bool done = false;
  // The name being walked (its record-key prefix) and what is known of it.
  std::string name;
  uint64_t rank = 0;               // records of the name seen so far, newest first
  uint64_t newer = UINT64_MAX;     // version of the record seen just before
  bool split = false;              // started in an earlier chunk
  bool tombstone_candidate = false;  // newest is a tombstone a whole drop may take
  std::string tombstone_key;
  bool older_all_dropped = true;
  // Search postings of the versions the last chunk dropped: deleted in
  // commits of their own after it (see DropPostings).
  std::vector<std::string> postings;
  uint64_t postings_versions = 0;
};

struct Drop {
  std::string key;
  bool keep_change_entry = false;
  std::string value;  // a live version of a searchable primitive: its postings go too
};

// One chunk: walks up to `budget` records from walk.resume, then deletes what
// is not kept and moves the stored start of retained history.
Status PruneChunk(EngineCore& core, WriteContext& ctx, const RetentionPolicy& policy, uint64_t window,
                  size_t budget, Walk& walk, PruneResult& result) {
  Txn& txn = ctx.txn();
  const Databases& dbs = ctx.dbs();
  auto sets = ReadSets(txn, dbs, window);
  if (!sets.ok()) return sets.status();
  std::vector<Drop> drops;
  uint64_t horizon = 0;
  uint64_t names_removed = 0;
  uint64_t examined = 0;
  walk.split = !walk.name.empty();  // a name carried over is not dropped whole

  auto finish_name = [&]() {
    if (!walk.name.empty() && walk.tombstone_candidate && walk.older_all_dropped && !walk.split) {
      Primitive p = static_cast<Primitive>(static_cast<uint8_t>(walk.tombstone_key[8]));
      drops.push_back({walk.tombstone_key, p == Primitive::kVector});
      ++names_removed;
    }
    walk.name.clear();
  };

  {
    Cursor c(txn, dbs.records);
    bool positioned = walk.resume.empty() ? c.First() : c.Seek(walk.resume);
    while (positioned) {
      std::string_view key = c.key();
      if (key.size() < kScopeBytes + 9) {
        positioned = c.Next();
        continue;
      }
      Primitive p = static_cast<Primitive>(static_cast<uint8_t>(key[8]));
      auto layer = sets->find(ReadU32(key));
      if (!Pruned(p) || layer == sets->end()) {
        // Events, indexes and the change index are not pruned here.
        finish_name();
        std::string next = PrefixSuccessor(key.substr(0, kScopeBytes));
        positioned = !next.empty() && c.Seek(next);
        continue;
      }
      std::string_view name = RecordKeyNamePrefix(key);
      if (name != walk.name) {
        finish_name();
        if (examined >= budget) {
          walk.resume = std::string(key);
          break;
        }
        walk.name = std::string(name);
        walk.rank = 0;
        walk.newer = UINT64_MAX;
        walk.split = false;
        walk.tombstone_candidate = false;
        walk.older_all_dropped = true;
      } else if (examined >= budget * kSplitNameFactor) {
        walk.resume = std::string(key);
        break;
      }
      ++examined;
      const LayerReads& reads = layer->second;
      uint64_t version = RecordKeyVersion(key);
      bool tombstone = !c.value().empty() && (static_cast<uint8_t>(c.value()[0]) & kTombstoneFlag) != 0;
      bool keep = (reads.live && walk.rank < policy.keep_versions) || Needed(reads.reads, version, walk.newer);
      if (walk.rank == 0 && tombstone && reads.root && version < window) {
        // Decided once the older records are: see the header.
        walk.tombstone_candidate = true;
        walk.tombstone_key = std::string(key);
      } else if (!keep) {
        bool indexed = !tombstone && IsIndexedRecordPrimitive(p);
        drops.push_back({std::string(key), false, indexed ? std::string(c.value()) : std::string()});
        // Reads at [version, newer) now see something else, if anyone can read there.
        if (reads.read && reads.max_cap >= version) horizon = std::max(horizon, walk.newer);
      } else if (walk.rank > 0) {
        walk.older_all_dropped = false;
      }
      ++walk.rank;
      walk.newer = version;
      positioned = c.Next();
    }
    STRATA_RETURN_IF_ERROR(c.status());
    if (!positioned) {
      finish_name();
      walk.done = true;
    }
  }

  for (const Drop& d : drops) {
    if (!d.value.empty()) {
      auto rec = RecordStore::Decode(d.key, d.value);
      if (!rec.ok()) return rec.status();
      Primitive p = static_cast<Primitive>(static_cast<uint8_t>(d.key[8]));
      for (auto& k : TextIndex::PostingKeysOf(ReadU32(d.key), ReadU32(std::string_view(d.key).substr(4)), p,
                                              rec->name, rec->version, rec->payload)) {
        walk.postings.push_back(std::move(k));
      }
      ++walk.postings_versions;
    }
    STRATA_RETURN_IF_ERROR(txn.Del(dbs.records, d.key));
    if (!d.keep_change_entry) {
      STRATA_RETURN_IF_ERROR(ChangeIndex::RemoveForRecord(txn, dbs.records, d.key));
      ++result.change_entries_removed;
    }
  }
  result.versions_removed += drops.size();
  result.names_removed += names_removed;
  result.records_examined += examined;
  if (horizon > 0) {
    // In the same commit as the drops, so no read ever sees one without the other.
    auto stored = Retention::Read(txn, dbs);
    if (!stored.ok()) return stored.status();
    if (horizon > stored->version) {
      auto ts = ClockTimestampOf(core, txn, horizon);
      if (!ts.ok()) return ts.status();
      STRATA_RETURN_IF_ERROR(WriteRetainedFrom(txn, dbs, RetainedFrom{horizon, *ts}));
    }
  }
  return Status::Ok();
}

// Deletes the postings the last chunk queued, `budget` keys a commit. They
// belong to dropped versions, so no read counts them any more (a read that
// could is refused as older than the retained history): deleting them later
// than the records is safe, and on a full map it lets the records' commit
// free pages first. If the map is still too full, the rest stay, costing
// only space.
Status DropPostings(EngineCore& core, size_t budget, Walk& walk, PruneResult& result) {
  for (size_t at = 0; at < walk.postings.size(); at += budget) {
    size_t end = std::min(walk.postings.size(), at + budget);
    Status st = core.writer().Run([&](WriteContext& ctx) -> Status {
      for (size_t i = at; i < end; ++i) STRATA_RETURN_IF_ERROR(ctx.txn().Del(ctx.dbs().records, walk.postings[i]));
      return Status::Ok();
    });
    ++result.commits;
    if (!st.ok()) {
      if (st.code() != Code::kResourceExhausted) return st;
      walk.postings_versions = 0;  // not all of them went
      break;
    }
  }
  result.postings_versions_removed += walk.postings_versions;
  walk.postings.clear();
  walk.postings_versions = 0;
  return Status::Ok();
}

// How many records one prune commit walks: `limit`, smaller after a commit
// failed on a full map.
class ChunkSize {
 public:
  explicit ChunkSize(size_t limit) : limit_(limit), size_(limit) {}
  size_t size() const { return size_; }
  // After a failed commit: false when `failure` is not a full map or a
  // chunk of one record already failed (nothing smaller to try).
  bool Shrink(const Status& failure) {
    if (failure.code() != Code::kResourceExhausted || size_ == 1) return false;
    size_ = std::max<size_t>(1, size_ / 8);
    return true;
  }
  void Grow() { size_ = std::min(limit_, size_ * 2); }

 private:
  size_t limit_;
  size_t size_;
};

// Drops up to `budget` clock entries below the retained history; returns how many.
Result<uint64_t> PruneClock(WriteContext& ctx, size_t budget) {
  Txn& txn = ctx.txn();
  const Databases& dbs = ctx.dbs();
  auto from = Retention::Read(txn, dbs);
  if (!from.ok()) return from.status();
  std::vector<std::string> keys;
  {
    // Clock keys [timestamp][version] grow with the version.
    Cursor c(txn, dbs.clock);
    for (bool ok = c.First(); ok && keys.size() < budget; ok = c.Next()) {
      if (c.key().size() != 16 || ReadU64(c.key().substr(8)) >= from->version) break;
      keys.emplace_back(c.key());
    }
    STRATA_RETURN_IF_ERROR(c.status());
  }
  for (const auto& k : keys) STRATA_RETURN_IF_ERROR(txn.Del(dbs.clock, k));
  return static_cast<uint64_t>(keys.size());
}

}  // namespace

Result<RetainedFrom> Retention::Read(const Txn& txn, const Databases& dbs) {
  auto v = txn.Get(dbs.meta, kMetaRetainedFrom);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return RetainedFrom{};
  if ((*v)->size() != 16) return Status::Internal("corrupt retained history record");
  return RetainedFrom{ReadU64(**v), static_cast<int64_t>(ReadU64((*v)->substr(8)))};
}

Status Retention::CheckAsOf(const Txn& txn, const Databases& dbs, int64_t as_of) {
  auto from = Read(txn, dbs);
  if (!from.ok()) return from.status();
  if (from->version == 0 || as_of >= from->timestamp) return Status::Ok();
  return Status::InvalidArgument("as_of " + std::to_string(as_of) +
                                 " is before the retained history, which starts at " +
                                 std::to_string(from->timestamp) + " (microseconds since the epoch)");
}

Result<PruneResult> Retention::Apply(EngineCore& core, const RetentionPolicy& policy,
                                     const std::function<uint64_t()>& floor, PruneLimits limits) {
  PruneResult result;
  size_t budget = std::max<size_t>(1, limits.records_per_chunk);
  if (policy.enabled()) {
    // Everything a read at or after `window` can see is kept. Reads that
    // start after this run began (new transactions, forks, merges) read at
    // or after `start`, hence the cap; the floor is taken after `start` so
    // a transaction that began in between is counted by one or the other.
    uint64_t start = core.writer().committed_version();
    uint64_t window = std::min(start, floor ? floor() : UINT64_MAX);
    if (policy.keep_seconds > 0) {
      auto txn = Txn::BeginRead(core.env());
      if (!txn.ok()) return txn.status();
      int64_t now = NowMicros();
      int64_t span = policy.keep_seconds > static_cast<uint64_t>(now / 1000000)
                         ? now
                         : static_cast<int64_t>(policy.keep_seconds) * 1000000;
      auto cutoff = core.VersionAt(*txn, now - span);
      if (!cutoff.ok()) return cutoff.status();
      window = std::min(window, *cutoff);
    }
    result.window_start = window;
    // On a full map a chunk's commit can fail for want of free pages: the
    // chunk is walked again, smaller (fewer pages to copy), down to one
    // record a commit; each commit that passes frees pages for the next, and
    // the chunks grow back. Only a map too full for one record fails.
    ChunkSize chunk(budget);
    Walk walk;
    while (!walk.done) {
      Walk before = walk;  // a failed commit leaves the walk and the counts advanced
      PruneResult counted = result;
      Status st = core.writer().Run([&](WriteContext& ctx) -> Status {
        walk.postings.clear();
        walk.postings_versions = 0;
        return PruneChunk(core, ctx, policy, window, chunk.size(), walk, result);
      });
      if (!st.ok()) {
        if (!chunk.Shrink(st)) return st;
        walk = std::move(before);
        result = counted;
        ++result.commits;
        continue;
      }
      ++result.commits;
      chunk.Grow();
      STRATA_RETURN_IF_ERROR(DropPostings(core, chunk.size(), walk, result));
    }
    while (true) {
      uint64_t removed = 0;
      Status st = core.writer().Run([&](WriteContext& ctx) -> Status {
        auto n = PruneClock(ctx, chunk.size());
        if (!n.ok()) return n.status();
        removed = *n;
        return Status::Ok();
      });
      ++result.commits;
      if (!st.ok()) {
        if (!chunk.Shrink(st)) return st;
        continue;
      }
      result.clock_entries_removed += removed;
      if (removed < chunk.size()) break;
      chunk.Grow();
    }
  }
  auto txn = Txn::BeginRead(core.env());
  if (!txn.ok()) return txn.status();
  auto from = Read(*txn, core.dbs());
  if (!from.ok()) return from.status();
  result.retained = *from;
  return result;
}

}  // namespace strata::storage

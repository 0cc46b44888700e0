// RecentSearchTargets: what a plain vector search (no as_of, no transaction)
// resolved its (branch, space, collection) to, and at which commit version.
//
// Why: resolving takes a read transaction and half a dozen catalog lookups,
// ~20 us of a ~130 us search when the server's caches are cold between
// requests. While no commit has happened since, the answer cannot have
// changed (every write, the catalog's included, takes a new version), so a
// search at that same latest version reuses it.
//
// Thread safety: every method may be called concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>

#include "storage/vector_types.h"

namespace strata::storage {

class VectorIndex;

struct SearchTarget {
  std::shared_ptr<VectorIndex> index;  // caught up to `version`
  CollectionConfig config;
};

class RecentSearchTargets {
 public:
  // The target remembered for (branch, space, collection) if it was resolved
  // at `latest_version`, the latest committed one.
  std::optional<SearchTarget> Find(const std::string& branch, const std::string& space,
                                   const std::string& collection, uint64_t latest_version) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = targets_.find(std::tie(branch, space, collection));
    if (it == targets_.end() || it->second.version != latest_version) return std::nullopt;
    std::shared_ptr<VectorIndex> index = it->second.index.lock();
    if (index == nullptr) return std::nullopt;  // dropped since
    return SearchTarget{std::move(index), it->second.config};
  }

  // Remembers `target`, resolved at `version` (the read's pinned latest).
  void Remember(const std::string& branch, const std::string& space, const std::string& collection,
                uint64_t version, SearchTarget target) {
    std::lock_guard<std::mutex> lock(mu_);
    // Bounded: a server searching many collections keeps resolving some again.
    if (targets_.size() >= kMaxTargets) targets_.clear();
    targets_[std::make_tuple(branch, space, collection)] = Entry{version, target.index, target.config};
  }

 private:
  static constexpr size_t kMaxTargets = 1024;
  // The index is held weakly: an index the store drops (its collection
  // deleted, say) is freed, not kept alive here.
  struct Entry {
    uint64_t version = 0;
    std::weak_ptr<VectorIndex> index;
    CollectionConfig config;
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, std::string>, Entry, std::less<>> targets_;
};

}  // namespace strata::storage

// Keys of the `meta` and `catalog` databases (on disk: never change; docs/format.md).
#pragma once

#include <cstdint>
#include <string_view>

namespace strata::storage {

// meta: u32 BE format version of the data directory.
inline constexpr std::string_view kMetaFormatVersion = "format_version";
// meta: u32 BE next unused space id.
inline constexpr std::string_view kMetaNextSpaceId = "next_space_id";
// meta: u32 BE next unused branch id.
inline constexpr std::string_view kMetaNextBranchId = "next_branch_id";
// meta: "live_keys/" + branch id u32 BE -> u64 BE live names of all primitives.
inline constexpr std::string_view kMetaLiveKeysPrefix = "live_keys/";
// meta: "event_head/" + branch id u32 BE + space id u32 BE -> next sequence u64 BE + last hash (32).
inline constexpr std::string_view kMetaEventHeadPrefix = "event_head/";
// meta: u32 BE 1 once every event is in the time index (storage/event_log.h);
// a data directory without it is indexed at open.
inline constexpr std::string_view kMetaEventTimeIndex = "event_time_index";
// meta: where retained history starts after compaction (storage/retention.h):
// [version u64 BE][timestamp i64 BE]; absent while nothing was dropped.
inline constexpr std::string_view kMetaRetainedFrom = "retained_from";

// catalog: "branch/" + name -> BranchRecord.
inline constexpr std::string_view kCatalogBranchPrefix = "branch/";
// catalog: "space/" + name -> u32 BE space id (ids are global; names map to one id).
inline constexpr std::string_view kCatalogSpacePrefix = "space/";
// catalog: "branch_space/" + branch id u32 BE + space name -> "" (the space exists on the branch).
inline constexpr std::string_view kCatalogBranchSpacePrefix = "branch_space/";
// catalog: "merge_base/" + source branch id u32 BE + target branch id u32 BE ->
// [source version merged u64 BE][target version after the merge u64 BE]: the
// base of the next merge of that pair (storage/branch_merge.cc).
inline constexpr std::string_view kCatalogMergeBasePrefix = "merge_base/";

// The data format this build reads and writes.
// 2: events are in a time index (kMetaEventTimeIndex) that every writer keeps;
// a version-1 directory is upgraded at open and older builds refuse it after.
inline constexpr uint32_t kFormatVersion = 2;

inline constexpr uint32_t kDefaultBranchId = 1;
inline constexpr uint32_t kDefaultSpaceId = 1;

}  // namespace strata::storage

#include "storage/state_store.h"

#include "storage/names.h"
#include "storage/value_equality.h"

namespace strata::storage {

Result<uint64_t> StateStore::Init(const Scope& scope, std::string_view cell, const Value& value) {
  STRATA_RETURN_IF_ERROR(ValidateKey(cell, what_));
  std::string payload = EncodeValue(value);
  uint64_t version = 0;
  Status st = RunWrite(scope, [&](WriteContext& ctx, const WriteTarget& target) -> Status {
    auto live = VersionedNames::GetLiveForWrite(ctx, target, primitive_, cell);
    if (!live.ok()) return live.status();
    if (live->has_value()) {
      version = (*live)->version;
      return Status::Ok();
    }
    auto v = VersionedNames::Put(core_, ctx, target, primitive_, cell, payload);
    if (!v.ok()) return v.status();
    version = *v;
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return version;
}

Result<uint64_t> StateStore::Cas(const Scope& scope, std::string_view cell, const Value& value,
                                 const CasExpectation& expected) {
  STRATA_RETURN_IF_ERROR(ValidateKey(cell, what_));
  std::string payload = EncodeValue(value);
  uint64_t version = 0;
  Status st = RunWrite(scope, [&](WriteContext& ctx, const WriteTarget& target) -> Status {
    auto live = VersionedNames::GetLiveForWrite(ctx, target, primitive_, cell);
    if (!live.ok()) return live.status();
    const std::optional<Record>& current = *live;
    std::string name = QuoteName(cell);
    if (expected.version.has_value()) {
      if (!current.has_value()) {
        return Status::Conflict("cas failed on cell " + name + ": expected version " +
                                std::to_string(*expected.version) + " but the cell does not exist");
      }
      if (current->version != *expected.version) {
        return Status::Conflict("cas failed on cell " + name + ": expected version " +
                                std::to_string(*expected.version) + ", current version is " +
                                std::to_string(current->version));
      }
    }
    if (expected.value.has_value()) {
      if (!current.has_value()) {
        return Status::Conflict("cas failed on cell " + name + ": expected a value but the cell does not exist");
      }
      auto current_value = DecodeValue(current->payload);
      if (!current_value.ok()) return current_value.status();
      if (!StrictlyEqual(*current_value, *expected.value)) {
        return Status::Conflict("cas failed on cell " + name + ": the current value differs from the expected one");
      }
    }
    if (!expected.version.has_value() && !expected.value.has_value() && current.has_value()) {
      return Status::Conflict("cas failed on cell " + name + ": expected no cell, but it exists at version " +
                              std::to_string(current->version));
    }
    auto v = VersionedNames::Put(core_, ctx, target, primitive_, cell, payload);
    if (!v.ok()) return v.status();
    version = *v;
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return version;
}

}  // namespace strata::storage

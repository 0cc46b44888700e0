// EngineCore: the LMDB environment, the writer and the resolution of a request's
// (branch, space, as_of) into what storage reads and writes. Every primitive's
// store is built on it.
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "storage/lmdb_env.h"
#include "storage/record_store.h"
#include "storage/status.h"
#include "storage/writer.h"

namespace strata::storage {

class TxnManager;
class TxnSession;

// Where a request reads or writes; empty names mean "default".
struct Scope {
  std::string branch;
  std::string space;
  // An open transaction (storage/transaction.h) the request joins; empty means
  // autocommit. Reads then see the transaction's snapshot plus its own writes,
  // and writes are staged in it until commit.
  std::string txn_id = {};
};

// A consistent read of one branch and space at one version. Holds an LMDB
// read transaction: keep it for one request only.
struct ReadView {
  Txn txn;
  MDB_dbi records_dbi = 0;
  LayerChain layers;
  uint32_t branch_id = 0;
  std::optional<uint32_t> space_id;  // nullopt: the space was never written
  uint64_t version = 0;              // reads see commits up to this version
  std::string space_name = {};
  // Set when the read joins a transaction: its staged writes overlay the
  // records, and what is read joins its read set.
  std::shared_ptr<TxnSession> session = {};
  RecordScope records(Primitive primitive) const { return {&layers, space_id.value_or(0), primitive}; }
};

// What a write request resolved its scope to, inside the writer.
struct WriteTarget {
  uint32_t branch_id = 0;
  uint32_t space_id = 0;  // 0 while staging into a transaction for a space not yet created
  LayerChain layers;
  std::string space_name = {};
  RecordScope records(Primitive primitive) const { return {&layers, space_id, primitive}; }
};

class EngineCore {
 public:
  EngineCore(std::unique_ptr<Env> env, uint64_t version, int64_t last_timestamp);
  ~EngineCore();

  const Env& env() const { return *env_; }
  const Databases& dbs() const { return env_->dbs(); }
  Writer& writer() { return *writer_; }

  // Opens a read of `scope` at `as_of` (microseconds; nullopt: latest).
  // kNotFound for a missing branch; kInvalidArgument for a bad space name or as_of.
  Result<ReadView> BeginRead(const Scope& scope, std::optional<int64_t> as_of) const;

  // A read of `branch`/`space` at the version committed at `as_of` when
  // given, else at `version` (UINT64_MAX: latest); no transaction.
  Result<ReadView> ReadAt(const std::string& branch, const std::string& space, std::optional<int64_t> as_of,
                          uint64_t version) const;

  // Resolves `scope` for a write, registering the space on its first write.
  Result<WriteTarget> ResolveWrite(WriteContext& ctx, const Scope& scope) const;

  // Runs `body` for a write of `scope`: in the writer (autocommit), or, when
  // the scope names a transaction, against the transaction's snapshot with the
  // records it writes staged in the session until commit (storage/transaction.h).
  // Anything `body` wrote or staged is undone when it returns an error.
  using WriteBody = std::function<Status(WriteContext&, const WriteTarget&)>;
  Status RunWrite(const Scope& scope, const WriteBody& body);

  // Open transactions.
  TxnManager& transactions() { return *txns_; }
  const TxnManager& transactions() const { return *txns_; }

  // The latest version committed in `txn`'s snapshot; 0 when none.
  Result<uint64_t> LatestVersion(const Txn& txn) const;

  // The latest version committed at or before `timestamp`; 0 when none.
  Result<uint64_t> VersionAt(const Txn& txn, int64_t timestamp) const;

  // Adds `delta` to the count of live names on a branch (for info()).
  Status AdjustLiveKeys(WriteContext& ctx, uint32_t branch_id, int64_t delta) const;
  Result<uint64_t> LiveKeys(const Txn& txn, uint32_t branch_id) const;

 private:
  Result<ReadView> BeginTxnRead(const Scope& scope, std::optional<int64_t> as_of) const;

  std::unique_ptr<Env> env_;
  std::unique_ptr<Writer> writer_;
  std::unique_ptr<TxnManager> txns_;
};

// The branch and space names a scope means.
inline std::string BranchName(const Scope& s) { return s.branch.empty() ? "default" : s.branch; }
inline std::string SpaceName(const Scope& s) { return s.space.empty() ? "default" : s.space; }

}  // namespace strata::storage

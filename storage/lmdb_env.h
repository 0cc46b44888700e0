// Thin RAII wrappers over the LMDB C API: the environment with its fixed set of
// named databases, transactions and cursors. No policy lives here.
//
// Thread safety: Env is shared by all threads (opened with MDB_NOTLS so a read
// transaction is not tied to a thread). A Txn or Cursor belongs to one thread.
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "storage/status.h"

namespace strata::storage {

// Turns an LMDB return code into a Status; MDB_MAP_FULL is kResourceExhausted.
Status LmdbStatus(int rc, std::string_view what);

inline MDB_val ToVal(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}
inline std::string_view FromVal(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

// The named databases, opened once at start (on disk: never rename).
struct Databases {
  MDB_dbi meta = 0;     // format version, commit counter, counters
  MDB_dbi catalog = 0;  // branch and space registries
  MDB_dbi records = 0;  // versioned records of every primitive
  MDB_dbi clock = 0;    // [timestamp u64][version u64] -> "" for as_of lookups
};

struct EnvOptions {
  std::string path;
  uint64_t map_size = 64ull << 30;
  bool no_sync = false;  // relaxed and ephemeral durability
  unsigned max_readers = 1024;
};

class Env {
 public:
  ~Env();
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  // Opens (creating if needed) the environment at options.path and its databases.
  static Result<std::unique_ptr<Env>> Open(const EnvOptions& options);

  MDB_env* raw() const { return env_; }
  const Databases& dbs() const { return dbs_; }
  Status Sync(bool force) const;
  uint64_t MapSize() const;
  uint64_t MapUsedBytes() const;

 private:
  Env() = default;
  MDB_env* env_ = nullptr;
  Databases dbs_;
};

// A transaction; aborted on destruction unless committed.
class Txn {
 public:
  Txn() = default;
  ~Txn() { Abort(); }
  Txn(Txn&& other) noexcept : txn_(other.txn_) { other.txn_ = nullptr; }
  Txn& operator=(Txn&& other) noexcept {
    if (this != &other) {
      Abort();
      txn_ = other.txn_;
      other.txn_ = nullptr;
    }
    return *this;
  }

  static Result<Txn> BeginRead(const Env& env);
  static Result<Txn> BeginWrite(const Env& env);
  // A nested write transaction inside `parent` (undone alone on Abort).
  static Result<Txn> BeginNested(const Env& env, Txn& parent);

  MDB_txn* raw() const { return txn_; }
  Status Commit();
  void Abort();

  // Point operations. Get returns nullopt when the key is absent; the view
  // stays valid until the transaction ends or writes.
  Result<std::optional<std::string_view>> Get(MDB_dbi dbi, std::string_view key) const;
  Status Put(MDB_dbi dbi, std::string_view key, std::string_view value);
  // Removes the key; absent keys are not an error.
  Status Del(MDB_dbi dbi, std::string_view key);

 private:
  explicit Txn(MDB_txn* txn) : txn_(txn) {}
  MDB_txn* txn_ = nullptr;
};

// A cursor over one database; positioned by Seek/First/Last, moved by Next/Prev.
// Each move returns false at the end (or on error, which is reported by status()).
class Cursor {
 public:
  Cursor(const Txn& txn, MDB_dbi dbi);
  ~Cursor();
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;

  bool Seek(std::string_view key);  // first key >= key
  bool First();
  bool Last();
  bool Next();
  bool Prev();
  std::string_view key() const { return FromVal(key_); }
  std::string_view value() const { return FromVal(value_); }
  const Status& status() const { return status_; }

 private:
  bool Move(MDB_cursor_op op);
  MDB_cursor* cursor_ = nullptr;
  MDB_val key_{0, nullptr};
  MDB_val value_{0, nullptr};
  Status status_;
};

}  // namespace strata::storage

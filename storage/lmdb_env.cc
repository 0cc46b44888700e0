#include "storage/lmdb_env.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace strata::storage {

Status LmdbStatus(int rc, std::string_view what) {
  if (rc == MDB_SUCCESS) return Status::Ok();
  std::string msg = std::string(what) + ": " + mdb_strerror(rc);
  if (rc == MDB_MAP_FULL) {
    return Status::ResourceExhausted(
        "database is full: the lmdb map size is reached (" + msg +
        "); restart with a larger --map-size (deleting data frees space only under a retention policy, "
        "once compact() drops it)");
  }
  if (rc == ENOSPC) return Status::ResourceExhausted("disk full: " + msg);
  return Status::Internal(msg);
}

Env::~Env() {
  if (env_ != nullptr) mdb_env_close(env_);
}

Result<std::unique_ptr<Env>> Env::Open(const EnvOptions& options) {
  std::unique_ptr<Env> env(new Env());
  int rc = mdb_env_create(&env->env_);
  if (rc != 0) return LmdbStatus(rc, "mdb_env_create");
  if ((rc = mdb_env_set_mapsize(env->env_, options.map_size)) != 0)
    return LmdbStatus(rc, "setting the map size");
  if ((rc = mdb_env_set_maxdbs(env->env_, 8)) != 0) return LmdbStatus(rc, "mdb_env_set_maxdbs");
  if ((rc = mdb_env_set_maxreaders(env->env_, options.max_readers)) != 0)
    return LmdbStatus(rc, "mdb_env_set_maxreaders");
  unsigned flags = MDB_NOTLS;
  if (options.no_sync) flags |= MDB_NOSYNC | MDB_NOMETASYNC;
  rc = mdb_env_open(env->env_, options.path.c_str(), flags, 0640);
  if (rc != 0) {
    return Status::Internal("cannot open the database in \"" + options.path + "\": " + mdb_strerror(rc));
  }
  auto txn = Txn::BeginWrite(*env);
  if (!txn.ok()) return txn.status();
  auto open_db = [&](const char* name, MDB_dbi* dbi) {
    return mdb_dbi_open(txn->raw(), name, MDB_CREATE, dbi);
  };
  if ((rc = open_db("meta", &env->dbs_.meta)) != 0 || (rc = open_db("catalog", &env->dbs_.catalog)) != 0 ||
      (rc = open_db("records", &env->dbs_.records)) != 0 || (rc = open_db("clock", &env->dbs_.clock)) != 0) {
    return LmdbStatus(rc, "opening the named databases");
  }
  STRATA_RETURN_IF_ERROR(txn->Commit());
  return env;
}

Status Env::Sync(bool force) const { return LmdbStatus(mdb_env_sync(env_, force ? 1 : 0), "mdb_env_sync"); }

uint64_t Env::MapSize() const {
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  return info.me_mapsize;
}

uint64_t Env::MapUsedBytes() const {
  MDB_envinfo info;
  MDB_stat stat;
  mdb_env_info(env_, &info);
  mdb_env_stat(env_, &stat);
  return static_cast<uint64_t>(info.me_last_pgno + 1) * stat.ms_psize;
}

Result<Txn> Txn::BeginRead(const Env& env) {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env.raw(), nullptr, MDB_RDONLY, &txn);
  if (rc != 0) return LmdbStatus(rc, "beginning a read transaction");
  return Txn(txn);
}

Result<Txn> Txn::BeginWrite(const Env& env) {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env.raw(), nullptr, 0, &txn);
  if (rc != 0) return LmdbStatus(rc, "beginning a write transaction");
  return Txn(txn);
}

Result<Txn> Txn::BeginNested(const Env& env, Txn& parent) {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env.raw(), parent.raw(), 0, &txn);
  if (rc != 0) return LmdbStatus(rc, "beginning a nested transaction");
  return Txn(txn);
}

Status Txn::Commit() {
  MDB_txn* txn = txn_;
  txn_ = nullptr;
  return LmdbStatus(mdb_txn_commit(txn), "committing");
}

void Txn::Abort() {
  if (txn_ != nullptr) mdb_txn_abort(txn_);
  txn_ = nullptr;
}

Result<std::optional<std::string_view>> Txn::Get(MDB_dbi dbi, std::string_view key) const {
  MDB_val k = ToVal(key);
  MDB_val v;
  int rc = mdb_get(txn_, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string_view>();
  if (rc != 0) return LmdbStatus(rc, "mdb_get");
  return std::optional<std::string_view>(FromVal(v));
}

Status Txn::Put(MDB_dbi dbi, std::string_view key, std::string_view value) {
  MDB_val k = ToVal(key);
  MDB_val v = ToVal(value);
  return LmdbStatus(mdb_put(txn_, dbi, &k, &v, 0), "mdb_put");
}

Status Txn::Del(MDB_dbi dbi, std::string_view key) {
  MDB_val k = ToVal(key);
  int rc = mdb_del(txn_, dbi, &k, nullptr);
  if (rc == MDB_NOTFOUND) return Status::Ok();
  return LmdbStatus(rc, "mdb_del");
}

Cursor::Cursor(const Txn& txn, MDB_dbi dbi) {
  status_ = LmdbStatus(mdb_cursor_open(txn.raw(), dbi, &cursor_), "mdb_cursor_open");
}

Cursor::~Cursor() {
  if (cursor_ != nullptr) mdb_cursor_close(cursor_);
}

bool Cursor::Move(MDB_cursor_op op) {
  if (cursor_ == nullptr) return false;
  int rc = mdb_cursor_get(cursor_, &key_, &value_, op);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != 0) {
    status_ = LmdbStatus(rc, "mdb_cursor_get");
    return false;
  }
  return true;
}

bool Cursor::Seek(std::string_view key) {
  key_ = ToVal(key);
  return Move(MDB_SET_RANGE);
}
bool Cursor::First() { return Move(MDB_FIRST); }
bool Cursor::Last() { return Move(MDB_LAST); }
bool Cursor::Next() { return Move(MDB_NEXT); }
bool Cursor::Prev() { return Move(MDB_PREV); }

}  // namespace strata::storage

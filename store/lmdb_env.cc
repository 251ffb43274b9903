#include "store/lmdb_env.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "absl/strings/match.h"

namespace webhooks {
namespace {

constexpr char kMapFull[] = "LMDB map full";
constexpr size_t kMaxBatch = 256;

// Aborts the transaction unless it was handed back (committed) first.
struct TxnGuard {
  MDB_txn* txn;
  ~TxnGuard() {
    if (txn != nullptr) mdb_txn_abort(txn);
  }
  MDB_txn* release() {
    MDB_txn* t = txn;
    txn = nullptr;
    return t;
  }
};

}  // namespace

absl::Status LmdbStatus(int rc, std::string_view what) {
  std::string msg = std::string(what) + ": " + mdb_strerror(rc);
  switch (rc) {
    case MDB_SUCCESS:
      return absl::OkStatus();
    case MDB_NOTFOUND:
      return absl::NotFoundError(msg);
    case MDB_KEYEXIST:
      return absl::AlreadyExistsError(msg);
    case MDB_MAP_FULL:
      return absl::ResourceExhaustedError(std::string(kMapFull) + ": " + msg);
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
      return absl::DataLossError(msg);
    default:
      return absl::InternalError(msg);
  }
}

bool IsMapFull(const absl::Status& status) {
  return status.code() == absl::StatusCode::kResourceExhausted &&
         absl::StartsWith(status.message(), kMapFull);
}

LmdbEnv::LmdbEnv(MDB_env* env, LmdbOptions options)
    : env_(env),
      options_(options),
      group_commit_([this](std::vector<GroupCommit::Item*>& b) { RunBatch(b); }, kMaxBatch) {}

LmdbEnv::~LmdbEnv() { mdb_env_close(env_); }

absl::StatusOr<std::unique_ptr<LmdbEnv>> LmdbEnv::Open(const std::string& dir,
                                                       const LmdbOptions& options,
                                                       const std::vector<LmdbDatabase>& dbs) {
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::InternalError("cannot create " + dir + ": " + strerror(errno));
  }
  MDB_env* raw = nullptr;
  if (int rc = mdb_env_create(&raw); rc != 0) return LmdbStatus(rc, "mdb_env_create");
  std::unique_ptr<LmdbEnv> env(new LmdbEnv(raw, options));
  mdb_env_set_mapsize(raw, options.initial_map_size);
  mdb_env_set_maxreaders(raw, options.max_readers);
  mdb_env_set_maxdbs(raw, static_cast<MDB_dbi>(dbs.size() + 4));
  if (int rc = mdb_env_open(raw, dir.c_str(), MDB_NOTLS | (options.durable ? 0 : MDB_NOSYNC), 0600);
      rc != 0) {
    return LmdbStatus(rc, "mdb_env_open " + dir);
  }
  int dead = 0;
  mdb_reader_check(raw, &dead);  // clear reader slots of crashed processes
  absl::Status st = env->Write([&](MDB_txn* txn) {
    for (const LmdbDatabase& db : dbs) {
      MDB_dbi dbi;
      if (int rc = mdb_dbi_open(txn, db.name.c_str(), db.flags | MDB_CREATE, &dbi); rc != 0) {
        return LmdbStatus(rc, "mdb_dbi_open " + db.name);
      }
      env->dbis_[db.name] = dbi;
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return env;
}

MDB_dbi LmdbEnv::dbi(std::string_view name) const { return dbis_.find(name)->second; }

size_t LmdbEnv::map_size() {
  std::shared_lock<std::shared_mutex> lock(resize_mu_);
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  return info.me_mapsize;
}

void LmdbEnv::AdoptMapSize() {
  std::unique_lock<std::shared_mutex> lock(resize_mu_);
  mdb_env_set_mapsize(env_, 0);  // take the size another process committed
}

absl::Status LmdbEnv::Grow() {
  std::unique_lock<std::shared_mutex> lock(resize_mu_);
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  if (info.me_mapsize >= options_.max_map_size) {
    return absl::ResourceExhaustedError("store is full: map size at its maximum of " +
                                        std::to_string(options_.max_map_size) + " bytes");
  }
  size_t next = std::min(options_.max_map_size, info.me_mapsize * 2);
  return LmdbStatus(mdb_env_set_mapsize(env_, next), "mdb_env_set_mapsize");
}

absl::Status LmdbEnv::Read(const TxnFn& fn) {
  for (;;) {
    std::shared_lock<std::shared_mutex> lock(resize_mu_);
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn);
    if (rc == MDB_MAP_RESIZED) {
      lock.unlock();
      AdoptMapSize();
      continue;
    }
    if (rc != 0) return LmdbStatus(rc, "mdb_txn_begin(read)");
    TxnGuard guard{txn};
    return fn(txn);
  }
}

absl::Status LmdbEnv::Write(const TxnFn& fn) { return group_commit_.Submit(fn); }

void LmdbEnv::RunBatch(std::vector<GroupCommit::Item*>& batch) {
  for (;;) {
    std::shared_lock<std::shared_mutex> lock(resize_mu_);
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env_, nullptr, 0, &txn);
    if (rc == MDB_MAP_RESIZED) {
      lock.unlock();
      AdoptMapSize();
      continue;
    }
    if (rc != 0) {
      for (auto* item : batch) item->result = LmdbStatus(rc, "mdb_txn_begin(write)");
      return;
    }
    TxnGuard guard{txn};
    bool map_full = false;
    for (auto* item : batch) {
      MDB_txn* child = nullptr;
      if (int crc = mdb_txn_begin(env_, txn, 0, &child); crc != 0) {
        item->result = LmdbStatus(crc, "mdb_txn_begin(nested)");
        map_full = map_full || crc == MDB_MAP_FULL;
        continue;
      }
      TxnGuard child_guard{child};
      item->result = (*item->fn)(child);
      if (item->result.ok()) {
        item->result = LmdbStatus(mdb_txn_commit(child_guard.release()), "mdb_txn_commit(nested)");
      }
      if (IsMapFull(item->result)) map_full = true;
    }
    if (!map_full) {
      rc = mdb_txn_commit(guard.release());  // frees the transaction whatever it returns
      if (rc == 0) return;
      if (rc != MDB_MAP_FULL) {
        for (auto* item : batch) {
          if (item->result.ok()) item->result = LmdbStatus(rc, "mdb_txn_commit");
        }
        return;
      }
    } else {
      mdb_txn_abort(guard.release());
    }
    // Out of map space: nothing was committed. Grow and run the whole batch again.
    lock.unlock();
    if (absl::Status st = Grow(); !st.ok()) {
      for (auto* item : batch) item->result = st;
      return;
    }
  }
}

}  // namespace webhooks

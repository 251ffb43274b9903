#include "store/lmdb_env.h"

#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <thread>

#include "absl/strings/match.h"

namespace webhooks {
namespace {

constexpr char kMapFull[] = "LMDB map full";
constexpr size_t kMaxBatch = 256;
constexpr std::chrono::milliseconds kTrimPeriod{2};  // WriteBulk's ReleaseMappedPages period

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

// Resident bytes of this process's file mappings and shared memory (/proc/self/statm "shared").
size_t MappedFileBytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0, shared = 0;
  int n = std::fscanf(f, "%lu %lu %lu", &size, &resident, &shared);
  std::fclose(f);
  return n == 3 ? shared * static_cast<size_t>(sysconf(_SC_PAGESIZE)) : 0;
}

// A commit's error, as callers should see it. LMDB reports a write cut short (mdb_page_flush's
// "short write") as EIO; with the file system nearly full, or the data file at this process's
// file size limit, that is a lack of space (ENOSPC, EFBIG: a 503 "retry later"), not a failing
// disk.
int CommitError(MDB_env* env, int rc) {
  constexpr uint64_t kNearlyFullBytes = uint64_t{16} << 20;
  const char* dir = nullptr;
  if (rc != EIO || mdb_env_get_path(env, &dir) != 0 || dir == nullptr) return rc;
  struct statvfs vfs;
  if (statvfs(dir, &vfs) == 0 && uint64_t{vfs.f_bavail} * vfs.f_frsize < kNearlyFullBytes) {
    return ENOSPC;
  }
  struct rlimit limit;
  struct stat st;
  const std::string data_file = std::string(dir) + "/data.mdb";
  if (getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
      stat(data_file.c_str(), &st) == 0 &&
      static_cast<uint64_t>(st.st_size) + static_cast<uint64_t>(sysconf(_SC_PAGESIZE)) >
          limit.rlim_cur) {
    return EFBIG;
  }
  return rc;
}

}  // namespace

absl::Status LmdbStatus(int rc, std::string_view what) {
  if (rc == MDB_SUCCESS) return absl::OkStatus();  // the hot path: no message to build
  std::string msg = std::string(what) + ": " + mdb_strerror(rc);
  switch (rc) {
    case MDB_NOTFOUND:
      return absl::NotFoundError(msg);
    case MDB_KEYEXIST:
      return absl::AlreadyExistsError(msg);
    case MDB_MAP_FULL:
      return absl::ResourceExhaustedError(std::string(kMapFull) + ": " + msg);
    case ENOSPC:  // the file system is full, or the data file reached a file size limit
    case EFBIG:
    case EDQUOT:
      return absl::ResourceExhaustedError(msg);
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
      group_commit_([this](std::vector<GroupCommit::Item*>& b) { RunBatch(b); },
                    options.write_map ? 1 : kMaxBatch) {}

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
  unsigned flags =
      MDB_NOTLS | (options.durable ? 0 : MDB_NOSYNC) | (options.write_map ? MDB_WRITEMAP : 0);
  if (int rc = mdb_env_open(raw, dir.c_str(), flags, 0600); rc != 0) {
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

void LmdbEnv::ReleaseMappedPages() {
  std::lock_guard<std::mutex> lock(map_range_mu_);
  if (map_end_ == 0) {
    // mdb_env_info's me_mapaddr is only set with MDB_FIXEDMAP: find the map of the data file in
    // /proc/self/maps by its device and inode.
    mdb_filehandle_t fd;
    struct stat st;
    if (mdb_env_get_fd(env_, &fd) != 0 || fstat(fd, &st) != 0) return;
    std::ifstream maps("/proc/self/maps");
    std::string line;
    while (map_end_ == 0 && std::getline(maps, line)) {
      uintptr_t start = 0, end = 0;
      unsigned major = 0, minor = 0;
      unsigned long long inode = 0;
      if (std::sscanf(line.c_str(), "%" SCNxPTR "-%" SCNxPTR " %*s %*s %x:%x %llu", &start, &end,
                      &major, &minor, &inode) == 5 &&
          inode == st.st_ino && makedev(major, minor) == st.st_dev) {
        map_start_ = start;
        map_end_ = end;
      }
    }
  }
  if (map_end_ != 0) {
    madvise(reinterpret_cast<void*>(map_start_), map_end_ - map_start_, MADV_DONTNEED);
  }
}

void LmdbEnv::ForgetMapRange() {
  std::lock_guard<std::mutex> lock(map_range_mu_);
  map_start_ = map_end_ = 0;
}

void LmdbEnv::TrimMappedPages(size_t above_bytes) {
  if (above_bytes > 0 && MappedFileBytes() <= above_bytes) return;
  std::shared_lock<std::shared_mutex> map_lock(resize_mu_);  // the map cannot move
  ReleaseMappedPages();
}

void LmdbEnv::AdoptMapSize() {
  std::unique_lock<std::shared_mutex> lock(resize_mu_);
  mdb_env_set_mapsize(env_, 0);  // take the size another process committed
  ForgetMapRange();
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
  absl::Status st = LmdbStatus(mdb_env_set_mapsize(env_, next), "mdb_env_set_mapsize");
  ForgetMapRange();
  return st;
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

absl::Status LmdbEnv::WriteBulk(const TxnFn& fn) {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread trimmer([&] {
    std::unique_lock<std::mutex> lock(mu);
    while (!cv.wait_for(lock, kTrimPeriod, [&] { return done; })) TrimMappedPages();
  });
  absl::Status st = Write(fn);
  {
    std::lock_guard<std::mutex> lock(mu);
    done = true;
  }
  cv.notify_one();
  trimmer.join();
  return st;
}

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
    bool map_full = RunItems(txn, batch);
    // Without nesting (write_map) a failed function's changes are in `txn` itself: discard them.
    if (map_full || (options_.write_map && !batch.front()->result.ok())) {
      mdb_txn_abort(guard.release());
      if (!map_full) return;
    } else {
      rc = mdb_txn_commit(guard.release());  // frees the transaction whatever it returns
      if (rc == 0) return;
      if (rc != MDB_MAP_FULL) {
        for (auto* item : batch) {
          if (item->result.ok()) item->result = LmdbStatus(CommitError(env_, rc), "mdb_txn_commit");
        }
        return;
      }
    }
    // Out of map space: nothing was committed. Grow and run the whole batch again.
    lock.unlock();
    if (absl::Status st = Grow(); !st.ok()) {
      for (auto* item : batch) item->result = st;
      return;
    }
  }
}

bool LmdbEnv::RunItems(MDB_txn* txn, std::vector<GroupCommit::Item*>& batch) {
  bool map_full = false;
  for (auto* item : batch) {
    if (options_.write_map) {  // a batch of one, run in the transaction itself
      item->result = (*item->fn)(txn);
      map_full = map_full || IsMapFull(item->result);
      continue;
    }
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
  return map_full;
}

}  // namespace webhooks

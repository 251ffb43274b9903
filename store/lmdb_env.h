// An LMDB environment shared by threads of one process and by several processes: read and
// write transactions, group commit, and a map that grows when full.
#ifndef WEBHOOKS_STORE_LMDB_ENV_H_
#define WEBHOOKS_STORE_LMDB_ENV_H_

#include <lmdb.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/group_commit.h"

namespace webhooks {

struct LmdbOptions {
  size_t initial_map_size = size_t{64} << 20;  // grows by doubling when full
  size_t max_map_size = size_t{1} << 40;
  unsigned max_readers = 1024;
  // false: commits are not fsync'd (MDB_NOSYNC). Only for tests and benchmarks of other layers.
  bool durable = true;
  // MDB_WRITEMAP: a write transaction writes straight into the shared file mapping instead of
  // malloc'd copies, so a huge transaction (restore) costs page cache, not process memory (see
  // ReleaseMappedPages). LMDB has no nested transactions then, so writes are not batched: each
  // Write runs in its own transaction. For one-shot bulk writers; processes with and without it
  // may share an environment on Linux (one page cache), which LMDB's docs advise against on
  // other systems.
  bool write_map = false;
};

// A named database to open (created when missing).
struct LmdbDatabase {
  std::string name;
  unsigned flags = 0;  // e.g. MDB_DUPSORT
};

// Maps an LMDB return code to a Status: MDB_NOTFOUND -> NotFound, MDB_KEYEXIST ->
// AlreadyExists, MDB_MAP_FULL -> ResourceExhausted (see IsMapFull), ENOSPC / EFBIG / EDQUOT (a
// full file system or a file size limit) -> ResourceExhausted, others -> Internal/DataLoss.
absl::Status LmdbStatus(int rc, std::string_view what);
// True for the status LmdbStatus gives MDB_MAP_FULL.
bool IsMapFull(const absl::Status& status);

// Thread-safe. Transactions never outlive the call that runs them.
class LmdbEnv {
 public:
  using TxnFn = std::function<absl::Status(MDB_txn*)>;

  // Opens (creating if needed) the environment in directory `dir` and every database in `dbs`.
  static absl::StatusOr<std::unique_ptr<LmdbEnv>> Open(const std::string& dir,
                                                       const LmdbOptions& options,
                                                       const std::vector<LmdbDatabase>& dbs);
  ~LmdbEnv();
  LmdbEnv(const LmdbEnv&) = delete;
  LmdbEnv& operator=(const LmdbEnv&) = delete;

  // The handle of a database named at Open. REQUIRES: `name` was in `dbs`.
  MDB_dbi dbi(std::string_view name) const;

  // Runs `fn` in a read-only snapshot transaction and returns its status.
  absl::Status Read(const TxnFn& fn);

  // Runs `fn` in a write transaction; returns once the change is committed and fsync'd.
  // Concurrent calls share one commit (group commit); each `fn` runs in its own nested
  // transaction, so a failing `fn` discards only its own changes. `fn` may run more than once
  // (after the map grows): it must depend only on the transaction's contents.
  absl::Status Write(const TxnFn& fn);

  // Write for one huge transaction (a restore) in a write_map environment: while it runs, a
  // helper thread calls ReleaseMappedPages every few milliseconds, so neither the writes nor
  // LMDB's commit (which touches every dirty page) make the map resident in this process.
  absl::Status WriteBulk(const TxnFn& fn);

  // Current map size in bytes.
  size_t map_size();

  // Unmaps the pages of the map from this process (madvise MADV_DONTNEED) so that bulk scans
  // and bulk writes do not grow its RSS to the size of the store. Contents are unaffected: the
  // pages live on in the page cache (with MDB_WRITEMAP, an open write transaction's changes too)
  // and fault back in on the next access. REQUIRES: called from inside a Read or Write function
  // of this environment (the transaction keeps the map where it is).
  void ReleaseMappedPages();
  // The same from outside any transaction of this thread (it holds the map in place itself),
  // for long-running processes that read much of the store (the notifier), and only once this
  // process's resident file-mapped pages (/proc/self/statm "shared") exceed `above_bytes`.
  void TrimMappedPages(size_t above_bytes = 0);

 private:
  LmdbEnv(MDB_env* env, LmdbOptions options);
  void RunBatch(std::vector<GroupCommit::Item*>& batch);
  // Runs the batch's functions in `txn`; true when one ran out of map space.
  bool RunItems(MDB_txn* txn, std::vector<GroupCommit::Item*>& batch);
  absl::Status Grow();
  void AdoptMapSize();
  // Forgets map_start_/map_end_. REQUIRES: resize_mu_ held exclusively (the map just moved).
  void ForgetMapRange();

  MDB_env* env_;
  LmdbOptions options_;
  std::map<std::string, MDB_dbi, std::less<>> dbis_;
  // Held shared by every transaction, exclusively to change the map size (LMDB requires that
  // no transaction of this process is active then).
  std::shared_mutex resize_mu_;
  // Where the data file is mapped, as last read from /proc/self/maps by ReleaseMappedPages;
  // {0, 0} until then and after every remap (Grow, AdoptMapSize: under resize_mu_ exclusively).
  std::mutex map_range_mu_;
  uintptr_t map_start_ = 0, map_end_ = 0;  // GUARDED_BY(map_range_mu_)
  GroupCommit group_commit_;
};

}  // namespace webhooks

#endif  // WEBHOOKS_STORE_LMDB_ENV_H_

// An LMDB environment shared by threads of one process and by several processes: read and
// write transactions, group commit, and a map that grows when full.
#ifndef WEBHOOKS_STORE_LMDB_ENV_H_
#define WEBHOOKS_STORE_LMDB_ENV_H_

#include <lmdb.h>

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
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
};

// A named database to open (created when missing).
struct LmdbDatabase {
  std::string name;
  unsigned flags = 0;  // e.g. MDB_DUPSORT
};

// Maps an LMDB return code to a Status: MDB_NOTFOUND -> NotFound, MDB_KEYEXIST ->
// AlreadyExists, MDB_MAP_FULL -> ResourceExhausted (see IsMapFull), others -> Internal/DataLoss.
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

  // Current map size in bytes.
  size_t map_size();

 private:
  LmdbEnv(MDB_env* env, LmdbOptions options);
  void RunBatch(std::vector<GroupCommit::Item*>& batch);
  absl::Status Grow();
  void AdoptMapSize();

  MDB_env* env_;
  LmdbOptions options_;
  std::map<std::string, MDB_dbi, std::less<>> dbis_;
  // Held shared by every transaction, exclusively to change the map size (LMDB requires that
  // no transaction of this process is active then).
  std::shared_mutex resize_mu_;
  GroupCommit group_commit_;
};

}  // namespace webhooks

#endif  // WEBHOOKS_STORE_LMDB_ENV_H_

// Batches concurrent writers into one commit, in the manner of leveldb's DBImpl::Write: the
// first waiting writer becomes the leader, runs every queued write as one batch, and wakes the
// others with their results.
#ifndef WEBHOOKS_STORE_GROUP_COMMIT_H_
#define WEBHOOKS_STORE_GROUP_COMMIT_H_

#include <lmdb.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "absl/status/status.h"

namespace webhooks {

class GroupCommit {
 public:
  struct Item {
    const std::function<absl::Status(MDB_txn*)>* fn;
    absl::Status result;
    bool done = false;
    std::condition_variable cv;
  };
  // Runs a batch: must set every item's `result`.
  using BatchRunner = std::function<void(std::vector<Item*>&)>;

  GroupCommit(BatchRunner runner, size_t max_batch)
      : runner_(std::move(runner)), max_batch_(max_batch) {}

  // Queues `fn`, waits until a batch containing it has run, and returns its result.
  absl::Status Submit(const std::function<absl::Status(MDB_txn*)>& fn);

 private:
  BatchRunner runner_;
  const size_t max_batch_;
  std::mutex mu_;
  std::deque<Item*> queue_;  // GUARDED_BY(mu_); front() is the current leader
};

}  // namespace webhooks

#endif  // WEBHOOKS_STORE_GROUP_COMMIT_H_

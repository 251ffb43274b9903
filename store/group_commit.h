// Batches concurrent writers into one commit, in the manner of leveldb's DBImpl::Write: the
// first waiting writer becomes the leader, runs every queued write as one batch, and wakes the
// others with their results.
#ifndef WEBHOOKS_STORE_GROUP_COMMIT_H_
#define WEBHOOKS_STORE_GROUP_COMMIT_H_

#include <lmdb.h>

#include <cstddef>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "common/leader_queue.h"

namespace webhooks {

class GroupCommit {
 public:
  struct Item {
    const std::function<absl::Status(MDB_txn*)>* fn;
    absl::Status result;
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
  LeaderQueue<Item> queue_;
};

}  // namespace webhooks

#endif  // WEBHOOKS_STORE_GROUP_COMMIT_H_

#include "store/group_commit.h"

namespace webhooks {

absl::Status GroupCommit::Submit(const std::function<absl::Status(MDB_txn*)>& fn) {
  Item self;
  self.fn = &fn;
  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(&self);
  self.cv.wait(lock, [&] { return self.done || queue_.front() == &self; });
  if (self.done) return self.result;

  // Leader: take everything queued so far (up to max_batch_), run it without the lock.
  std::vector<Item*> batch;
  for (auto it = queue_.begin(); it != queue_.end() && batch.size() < max_batch_; ++it) {
    batch.push_back(*it);
  }
  lock.unlock();
  runner_(batch);
  lock.lock();
  for (Item* item : batch) {
    queue_.pop_front();
    item->done = true;
    if (item != &self) item->cv.notify_one();
  }
  if (!queue_.empty()) queue_.front()->cv.notify_one();
  return self.result;
}

}  // namespace webhooks

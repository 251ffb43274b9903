// LeaderQueue: batches concurrent callers into one unit of work, in the manner of leveldb's
// DBImpl::Write. The caller at the front of the queue is the leader: it takes the queued
// entries, runs them as one batch (one write, one fsync) and wakes each of the others once.
//
// Unlike a condition variable per waiter, a waiter is woken by a semaphore released after the
// leader dropped the lock, and returns without taking the lock again: one context switch per
// waiter instead of two (woken, then blocked on the mutex the leader still holds).
#ifndef WEBHOOKS_COMMON_LEADER_QUEUE_H_
#define WEBHOOKS_COMMON_LEADER_QUEUE_H_

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <semaphore>
#include <vector>

namespace webhooks {

template <typename Entry>
class LeaderQueue {
 public:
  // Whether `next` joins a batch that holds `batch` (never empty) already.
  using Take = std::function<bool(const std::vector<Entry*>& batch, const Entry& next)>;
  // Runs a batch (on the leader's thread, without the lock): sets every entry's result.
  using Run = std::function<void(std::vector<Entry*>& batch)>;

  // Queues `entry` and returns once a batch holding it ran, on this thread (the caller became
  // the leader) or on another. `entry` must stay valid until then; the leader touches it only
  // inside `run`, so its results are complete when Submit returns.
  void Submit(Entry& entry, const Take& take, const Run& run) {
    auto self = std::make_shared<Node>(&entry);
    std::unique_lock<std::mutex> lock(mu_);
    queue_.push_back(self);
    if (queue_.size() > 1) {
      lock.unlock();
      self->wake.acquire();  // released exactly once: our batch ran, or we lead now
      if (self->done) return;
      lock.lock();
    }
    std::vector<std::shared_ptr<Node>> nodes;
    std::vector<Entry*> batch;
    for (const std::shared_ptr<Node>& n : queue_) {
      if (!batch.empty() && !take(batch, *n->entry)) break;
      nodes.push_back(n);
      batch.push_back(n->entry);
    }
    lock.unlock();
    run(batch);
    lock.lock();
    for (const std::shared_ptr<Node>& n : nodes) {
      queue_.pop_front();
      n->done = true;  // read by its waiter after the release below
    }
    std::shared_ptr<Node> next = queue_.empty() ? nullptr : queue_.front();
    lock.unlock();
    // The nodes are kept alive by `nodes`, so a waiter that returns at once (and ends its
    // entry's life) leaves nothing here to touch but its node.
    for (const std::shared_ptr<Node>& n : nodes) {
      if (n != self) n->wake.release();
    }
    if (next) next->wake.release();
  }

 private:
  struct Node {
    explicit Node(Entry* e) : entry(e) {}
    Entry* entry;
    bool done = false;
    std::binary_semaphore wake{0};
  };

  std::mutex mu_;
  std::deque<std::shared_ptr<Node>> queue_;  // GUARDED_BY(mu_); front() is the leader
};

}  // namespace webhooks

#endif  // WEBHOOKS_COMMON_LEADER_QUEUE_H_

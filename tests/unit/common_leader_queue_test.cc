// LeaderQueue: every entry runs exactly once, in a batch within the caller's limit, and its
// result is complete when Submit returns; concurrent callers share batches.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "common/leader_queue.h"

namespace webhooks {
namespace {

struct Entry {
  int value = 0;
  int result = -1;
  int runs = 0;
};

TEST(LeaderQueueTest, EveryEntryRunsOnceInABoundedBatch) {
  constexpr int kThreads = 32;
  constexpr int kEach = 200;
  constexpr size_t kMaxBatch = 8;
  LeaderQueue<Entry> queue;
  std::atomic<int> running{0};
  std::atomic<bool> overlapped{false};
  std::mutex mu;
  std::vector<size_t> sizes;
  auto take = [](const std::vector<Entry*>& batch, const Entry&) {
    return batch.size() < kMaxBatch;
  };
  auto run = [&](std::vector<Entry*>& batch) {
    if (running.fetch_add(1) != 0) overlapped = true;             // one leader at a time
    std::this_thread::sleep_for(std::chrono::microseconds(200));  // lets others queue up
    for (Entry* e : batch) {
      e->result = e->value * 2;
      ++e->runs;
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      sizes.push_back(batch.size());
    }
    running.fetch_sub(1);
  };
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        Entry e;
        e.value = t * kEach + i;
        queue.Submit(e, take, run);
        if (e.result != e.value * 2 || e.runs != 1) ++wrong;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_FALSE(overlapped.load());
  size_t total = 0, largest = 0;
  for (size_t n : sizes) {
    total += n;
    largest = std::max(largest, n);
  }
  EXPECT_EQ(total, size_t{kThreads} * kEach);
  EXPECT_LE(largest, kMaxBatch);
  EXPECT_GT(largest, 1u) << "32 concurrent callers never shared a batch";
}

TEST(LeaderQueueTest, ALoneCallerLeadsItsOwnBatch) {
  LeaderQueue<Entry> queue;
  Entry e;
  e.value = 21;
  size_t batches = 0;
  queue.Submit(
      e, [](const std::vector<Entry*>&, const Entry&) { return true; },
      [&](std::vector<Entry*>& batch) {
        ++batches;
        ASSERT_EQ(batch.size(), 1u);
        batch[0]->result = batch[0]->value * 2;
      });
  EXPECT_EQ(batches, 1u);
  EXPECT_EQ(e.result, 42);
}

}  // namespace
}  // namespace webhooks

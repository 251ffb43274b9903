// Test doubles for the dispatcher's unit tests: a transport that holds requests until the test
// answers them, a delivery store that counts what Due read, and an outcome collector that
// commits like the recorder.
#ifndef WEBHOOKS_TESTS_UNIT_NOTIFIER_FAKES_H_
#define WEBHOOKS_TESTS_UNIT_NOTIFIER_FAKES_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "notifier/dispatcher.h"
#include "notifier/transport.h"
#include "store/delivery_store.h"
#include "tests/test_util.h"

namespace webhooks {

// A transport that holds requests until the test answers them.
class FakeTransport final : public Transport {
 public:
  void Submit(Outbound request, std::string, Callback done) override {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.emplace_back(std::get<OutboundHttp>(request).url, std::move(done));
  }
  void Drain(std::chrono::milliseconds) override {}
  // Answers every pending request to a URL starting with `prefix` with `status`.
  int Answer(const std::string& prefix, int status) {
    std::vector<Callback> done;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto it = pending_.begin(); it != pending_.end();) {
        if (it->first.rfind(prefix, 0) == 0) {
          done.push_back(std::move(it->second));
          it = pending_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (Callback& cb : done) {
      TransportResult r;
      r.status_code = status;
      cb(r);
    }
    return static_cast<int>(done.size());
  }
  // Waits (at most 5 s) until `n` requests to `prefix` are pending: the first request to an
  // endpoint arrives once the guard's resolver answered, on its thread.
  bool WaitPending(const std::string& prefix, size_t n) {
    for (int i = 0; i < 500 && Pending(prefix) < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Pending(prefix) >= n;
  }
  size_t Pending(const std::string& prefix) {
    std::lock_guard<std::mutex> lock(mu_);
    return std::count_if(pending_.begin(), pending_.end(),
                         [&](auto& p) { return p.first.rfind(prefix, 0) == 0; });
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<std::string, Callback>> pending_;
};

// An LMDB delivery store that counts the deliveries Due read.
class CountingStore final : public DeliveryStore {
 public:
  explicit CountingStore(DeliveryStore& inner) : inner_(inner) {}
  size_t read() const { return read_; }
  absl::StatusOr<std::vector<Delivery>> Due(int64_t now_ms, size_t max, const DueSkip& skip,
                                            DueScan* scan) override {
    auto due = inner_.Due(now_ms, max, skip, scan);
    if (due.ok()) read_ += due->size();
    return due;
  }
  absl::Status Enqueue(const std::vector<Delivery>& d,
                       const std::vector<std::pair<std::string, std::string>>& seen,
                       std::optional<uint64_t> next) override {
    return inner_.Enqueue(d, seen, next);
  }
  absl::StatusOr<std::vector<bool>> SeenEvents(
      const std::vector<std::pair<std::string, std::string>>& ids) override {
    return inner_.SeenEvents(ids);
  }
  absl::StatusOr<uint64_t> Cursor() override { return inner_.Cursor(); }
  absl::StatusOr<Delivery> GetDelivery(std::string_view id) override {
    return inner_.GetDelivery(id);
  }
  absl::Status RecordOutcomes(std::vector<AttemptOutcome>& o) override {
    return inner_.RecordOutcomes(o);
  }
  absl::StatusOr<AttemptPage> ListAttempts(std::string_view org, std::string_view wh,
                                           const AttemptQuery& q) override {
    return inner_.ListAttempts(org, wh, q);
  }
  absl::StatusOr<WebhookDeliveryState> GetWebhookState(std::string_view org,
                                                       std::string_view wh) override {
    return inner_.GetWebhookState(org, wh);
  }
  absl::StatusOr<bool> EnableChannels(std::string_view org, std::string_view wh) override {
    return inner_.EnableChannels(org, wh);
  }
  absl::StatusOr<uint64_t> PendingCount() override { return inner_.PendingCount(); }
  absl::StatusOr<Delivery> RetryDelivery(std::string_view org, std::string_view wh,
                                         std::string_view id, int64_t now_ms) override {
    return inner_.RetryDelivery(org, wh, id, now_ms);
  }
  absl::StatusOr<RecoverResult> RetryFailedSince(std::string_view org, std::string_view wh,
                                                 const RecoverQuery& q, int64_t now_ms) override {
    return inner_.RetryFailedSince(org, wh, q, now_ms);
  }
  absl::StatusOr<HistoryRemoved> PurgeHistory(HistorySweep& sweep) override {
    return inner_.PurgeHistory(sweep);
  }

 private:
  DeliveryStore& inner_;
  size_t read_ = 0;
};

// Collects the dispatcher's outcomes (on any thread) and commits them as the recorder would.
class Outcomes {
 public:
  Dispatcher::OutcomeSink Sink() {
    return [this](AttemptOutcome o) {
      std::lock_guard<std::mutex> lock(mu_);
      pending_.push_back(std::move(o));
    };
  }
  // Records what arrived so far and lets the dispatcher take those deliveries again.
  std::vector<AttemptOutcome> Record(DeliveryStore& store, Dispatcher& dispatcher) {
    std::vector<AttemptOutcome> done;
    {
      std::lock_guard<std::mutex> lock(mu_);
      done.swap(pending_);
    }
    EXPECT_OK(store.RecordOutcomes(done));
    for (const AttemptOutcome& o : done) dispatcher.Forget(o.delivery.delivery_id);
    return done;
  }

 private:
  std::mutex mu_;
  std::vector<AttemptOutcome> pending_;
};

}  // namespace webhooks

#endif  // WEBHOOKS_TESTS_UNIT_NOTIFIER_FAKES_H_

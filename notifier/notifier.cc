#include "notifier/notifier.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>

#include "common/thread_name.h"
#include "notifier/metrics.h"

namespace webhooks {
namespace {

// A small batch of outcomes waits this long for company: one commit (and fsync) then records
// more of them. Bounded by kFullBatch.
constexpr auto kRecordLinger = std::chrono::milliseconds(10);
constexpr size_t kFullBatch = 1024;
// Scans of the due queue are at least this far apart: requests in between are merged.
constexpr auto kMinScanGap = std::chrono::milliseconds(2);

// The dispatcher starts an endpoint's next delivery when an answer frees its slot; when it
// cannot there and then, the dispatch loop's next Step does. It asks for a scan when an
// endpoint drains while the durable queue holds more for it.
DispatcherOptions WithWake(DispatcherOptions options, std::function<void(bool)> wake) {
  options.wake = std::move(wake);
  return options;
}

void LogError(const char* what, const absl::Status& st) {
  std::fprintf(stderr, "level=error msg=\"%s\" error=\"%s\"\n", what,
               std::string(st.message()).c_str());
}

// One line per channel that a committed batch disabled.
void LogDisabled(const std::vector<AttemptOutcome>& batch) {
  for (const AttemptOutcome& o : batch) {
    if (!o.disabled) continue;
    std::fprintf(stderr,
                 "level=warn msg=\"channel disabled\" internal_id=%s webhook_id=%s "
                 "channel_index=%u cause=%s notices=%zu reason=\"%s\"\n",
                 o.attempt.internal_id.c_str(), o.attempt.webhook_id.c_str(),
                 o.disabled->channel_index, o.disabled->failing ? "failing" : "gone",
                 o.disabled->notices, o.disabled->reason.c_str());
  }
}

}  // namespace

Notifier::Notifier(NotifierOptions options, WebhookStore& webhooks, DeliveryStore& deliveries,
                   EventSource& log, Transport& transport, Clock clock)
    : options_(std::move(options)),
      deliveries_(deliveries),
      log_(log),
      transport_(transport),
      fanout_(webhooks, deliveries, log, options_.schedule, clock, options_.fanout_batch),
      dispatcher_(WithWake(options_.dispatch, [this](bool scan) { Wake(scan); }), options_.schedule,
                  webhooks, deliveries, transport, clock,
                  [this](AttemptOutcome o) { Record(std::move(o)); }),
      retention_(log, deliveries, clock, options_.event_retention),
      history_(deliveries, clock, options_.delivery_retention,
               HistoryRetention::DefaultEvery(
                   options_.delivery_retention.value_or(std::chrono::milliseconds(0))),
               options_.history_schedule) {}

void Notifier::Wake(bool scan) {
  {
    std::lock_guard<std::mutex> lock(wake_mu_);
    if (woken_ && (scan_ || !scan)) return;  // already woken for this: no second futex wake
    woken_ = true;
    scan_ = scan_ || scan;
  }
  // After the unlock: the woken loop does not then block on wake_mu_.
  wake_cv_.notify_one();
}

void Notifier::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  Wake(true);
}

void Notifier::Record(AttemptOutcome outcome) {
  if (options_.disable_failing_after) {
    outcome.disable_failing_after_ms = options_.disable_failing_after->count();
  }
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(record_mu_);
    to_record_.push_back(std::move(outcome));
    // The recorder takes the whole queue at once: it needs waking for the first one, and once
    // the batch is full.
    wake = to_record_.size() == 1 || to_record_.size() == kFullBatch;
  }
  if (wake) record_cv_.notify_one();
}

void Notifier::RecorderLoop() {
  std::unique_lock<std::mutex> lock(record_mu_);
  for (;;) {
    record_cv_.wait(lock, [&] { return !to_record_.empty() || recorder_done_; });
    if (to_record_.empty()) return;
    record_cv_.wait_for(lock, kRecordLinger,
                        [&] { return to_record_.size() >= kFullBatch || recorder_done_; });
    std::vector<AttemptOutcome> batch;
    batch.swap(to_record_);
    lock.unlock();
    absl::Status st = deliveries_.RecordOutcomes(batch);
    if (st.ok()) {
      LogDisabled(batch);
      if (options_.metrics != nullptr) options_.metrics->Count(batch);
      dispatcher_.ForgetAll(batch);
      Wake(true);
    } else {
      LogError("cannot record attempt outcomes; retrying", st);
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    lock.lock();
    if (!st.ok()) to_record_.insert(to_record_.begin(), batch.begin(), batch.end());
  }
}

void Notifier::FanoutLoop() {
  while (!stopping_) {
    if (absl::Status st = retention_.MaybeDiscard(); !st.ok()) {
      LogError("cannot discard consumed event log segments", st);
    }
    absl::StatusOr<size_t> n = fanout_.Step();
    if (n.ok() || absl::IsDataLoss(n.status())) stopped_at_damage_ = !n.ok();
    if (!n.ok() && absl::IsDataLoss(n.status())) {
      // Stays stopped at the damage (nothing is skipped silently) until an operator moves it.
      LogError(
          "the event log is damaged where the notifier reads; `webhookctl eventlog "
          "skip-damage` moves it past the damage (the events stored there are lost); "
          "checking again in 5 s",
          n.status());
      for (int i = 0; i < 5 && !stopping_; ++i) {
        std::this_thread::sleep_for(std::chrono::seconds(1));
      }
      continue;
    }
    if (!n.ok()) {
      LogError("fan-out failed; retrying in 1 s", n.status());
      std::this_thread::sleep_for(std::chrono::seconds(1));
      continue;
    }
    if (*n > 0) {
      Wake(true);
      continue;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(options_.poll_interval_ms));
  }
}

void Notifier::HistoryLoop() {
  // Steps of a pass leave the store's write lock to the fan-out and the recorder in between.
  constexpr auto kBetweenSteps = std::chrono::milliseconds(10);
  constexpr auto kIdle = std::chrono::seconds(1);
  constexpr auto kAfterError = std::chrono::seconds(30);  // the same step then, logged again
  while (!stopping_) {
    HistoryRemoved removed;
    absl::StatusOr<bool> more = history_.Step(&removed);
    if (!more.ok()) LogError("cannot remove old delivery history; retrying in 30 s", more.status());
    if (options_.metrics != nullptr && removed.total() > 0) options_.metrics->CountRemoved(removed);
    const std::chrono::milliseconds wait = !more.ok() ? kAfterError : *more ? kBetweenSteps : kIdle;
    std::unique_lock<std::mutex> lock(stop_mu_);
    stop_cv_.wait_for(lock, wait, [&] { return stopping_.load(); });
  }
}

void Notifier::Run() {
  std::thread recorder([this] {
    NameThisThread("wh-recorder");
    RecorderLoop();
  });
  std::thread fanout([this] {
    NameThisThread("wh-fanout");
    FanoutLoop();
  });
  std::thread history([this] {
    NameThisThread("wh-history");
    HistoryLoop();
  });
  // Scans of the due queue follow new deliveries (fan-out), committed outcomes (retries and
  // released ids), endpoints draining with more queued (Dispatcher's wake(true)) and the poll
  // interval (retries falling due); any other completion only starts the next waiting delivery
  // of its endpoint.
  using Steady = std::chrono::steady_clock;
  const auto poll = std::chrono::milliseconds(options_.poll_interval_ms);
  Steady::time_point last_scan = Steady::now() - poll;
  bool scan_pending = true;
  while (!stopping_) {
    const bool scan = scan_pending && Steady::now() >= last_scan + kMinScanGap;
    if (scan) {
      last_scan = Steady::now();
      scan_pending = false;
    }
    absl::StatusOr<size_t> started = dispatcher_.Step(scan);
    if (!started.ok()) LogError("dispatch failed", started.status());
    Steady::time_point until = last_scan + (scan_pending ? kMinScanGap : poll);
    if (std::optional<std::chrono::microseconds> paced = dispatcher_.PacedStartDelay()) {
      until = std::min(until, Steady::now() + *paced);  // a rate-limited channel's next start
    }
    std::unique_lock<std::mutex> lock(wake_mu_);
    wake_cv_.wait_until(lock, until, [&] { return woken_; });
    scan_pending = scan_pending || scan_ || Steady::now() >= last_scan + poll;
    woken_ = false;
    scan_ = false;
  }
  fanout.join();
  history.join();
  transport_.Drain(options_.stop_grace);
  {
    std::lock_guard<std::mutex> lock(record_mu_);
    recorder_done_ = true;
    record_cv_.notify_one();
  }
  recorder.join();
}

Notifier::Stats Notifier::GetStats() {
  Stats s;
  s.cursor = deliveries_.Cursor().value_or(0);
  s.log_end = log_.EndPosition().value_or(0);
  s.pending = deliveries_.PendingCount().value_or(0);
  s.in_flight = dispatcher_.in_flight();
  s.not_answering = dispatcher_.not_answering();
  s.paced = dispatcher_.paced_endpoints();
  s.stopped_at_damage = stopped_at_damage_;
  return s;
}

}  // namespace webhooks

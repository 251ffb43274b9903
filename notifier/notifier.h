// The notifier's run loop: a fan-out thread (log -> durable queue), the dispatch loop (queue ->
// transport), and a recorder thread that commits attempt outcomes in batches (many outcomes per
// fsync).
#ifndef WEBHOOKS_NOTIFIER_NOTIFIER_H_
#define WEBHOOKS_NOTIFIER_NOTIFIER_H_

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "eventlog/event_log.h"
#include "notifier/dispatcher.h"
#include "notifier/fanout.h"
#include "notifier/history_retention.h"
#include "notifier/log_retention.h"

namespace webhooks {

class NotifierMetrics;

struct NotifierOptions {
  DispatcherOptions dispatch;
  RetrySchedule schedule;
  int poll_interval_ms = 20;
  size_t fanout_batch = 1024;
  std::chrono::milliseconds stop_grace{3000};  // in-flight attempts get this long on Stop()
  // How long an event log segment is kept after its last write once the cursor passed it
  // (LogRetention).
  std::chrono::milliseconds event_retention{std::chrono::hours(24)};
  // How long finished deliveries, attempts and seen event ids stay in the store
  // (HistoryRetention); nullopt: forever.
  std::optional<std::chrono::milliseconds> delivery_retention{std::chrono::hours(24 * 30)};
  // A channel whose attempts have all failed for this long is disabled when one more of its
  // deliveries fails for good (AttemptOutcome::disable_failing_after_ms); nullopt: never.
  std::optional<std::chrono::milliseconds> disable_failing_after{std::chrono::hours(24 * 5)};
  // Keeps HistoryRetention's schedule when set (across reloads); must outlive the Notifier.
  HistoryRetention::Schedule* history_schedule = nullptr;
  // Counts every committed outcome when set (notifier/metrics.h); must outlive the Notifier.
  NotifierMetrics* metrics = nullptr;
};

class Notifier {
 public:
  Notifier(NotifierOptions options, WebhookStore& webhooks, DeliveryStore& deliveries,
           EventSource& log, Transport& transport, Clock clock);

  // Runs until Stop(); returns after in-flight attempts finished (or were abandoned after the
  // grace period: they stay queued and are sent again, with the same id, on the next start)
  // and every outcome was committed. The transport is drained (stopped) on the way out: it
  // serves one Run, and a notifier made after a reload needs a new one.
  void Run();
  // Thread-safe; returns at once.
  void Stop();

  struct Stats {
    uint64_t cursor = 0;
    uint64_t log_end = 0;
    uint64_t pending = 0;
    size_t in_flight = 0;
    size_t not_answering = 0;        // endpoints the breaker holds to one attempt at a time
    size_t paced = 0;                // endpoints whose rate_limit holds deliveries back now
    bool stopped_at_damage = false;  // the fan-out is held at damage in the event log
  };
  Stats GetStats();

 private:
  void FanoutLoop();
  void RecorderLoop();
  void HistoryLoop();
  void Record(AttemptOutcome outcome);
  // Wakes the dispatch loop; `scan`: its next Step also takes due deliveries from the queue.
  void Wake(bool scan);

  NotifierOptions options_;
  DeliveryStore& deliveries_;
  EventSource& log_;
  Transport& transport_;
  Fanout fanout_;
  Dispatcher dispatcher_;
  LogRetention retention_;    // used by the fan-out thread
  HistoryRetention history_;  // used by the history thread

  std::atomic<bool> stopping_{false};
  std::atomic<bool> stopped_at_damage_{false};  // set by DataLoss, cleared by a step that reads
  std::mutex stop_mu_;  // with stop_cv_: wakes the history thread's waits on Stop()
  std::condition_variable stop_cv_;
  std::mutex wake_mu_;
  std::condition_variable wake_cv_;
  bool woken_ = false;  // GUARDED_BY(wake_mu_)
  bool scan_ = false;   // GUARDED_BY(wake_mu_)

  std::mutex record_mu_;
  std::condition_variable record_cv_;
  std::vector<AttemptOutcome> to_record_;  // GUARDED_BY(record_mu_)
  bool recorder_done_ = false;             // GUARDED_BY(record_mu_)
};

}  // namespace webhooks

#endif  // WEBHOOKS_NOTIFIER_NOTIFIER_H_

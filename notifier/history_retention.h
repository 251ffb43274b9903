// Delivery history retention. Every delivery leaves records in the store: the delivery (with the
// event's envelope while it may still be retried), one attempt per try, the producer's event id
// when it chose one, and its webhook's last_error. Without a limit they grow with every event,
// and so does the LMDB file. This keeps them `keep` after they end, then removes them in small
// steps (DeliveryStore::PurgeHistory); pending deliveries always stay.
#ifndef WEBHOOKS_NOTIFIER_HISTORY_RETENTION_H_
#define WEBHOOKS_NOTIFIER_HISTORY_RETENTION_H_

#include <chrono>
#include <optional>

#include "absl/status/statusor.h"
#include "common/time_format.h"
#include "store/delivery_store.h"

namespace webhooks {

class HistoryRetention {
 public:
  // When passes run: kept by whoever outlives the HistoryRetention objects (the notifier's main
  // keeps one across reloads, so a reload neither postpones nor repeats a pass).
  struct Schedule {
    std::optional<TimePoint> next_pass;  // set by the first Step
    uint64_t passes = 0;                 // started so far
  };

  // `keep`: how long finished history stays (nullopt: forever; Step then does nothing). A pass
  // over the store starts `every` after the previous one started, at the earliest; the first one
  // a minute (or `every`, if shorter) after the first Step. The first pass and every 24th after
  // it read every delivery (HistorySweep::whole); the others stop at the deliveries queued after
  // their cutoff.
  // `schedule`: where the schedule is kept (nullptr: in this object); must outlive it, and be
  // used by one object at a time.
  HistoryRetention(DeliveryStore& deliveries, Clock clock,
                   std::optional<std::chrono::milliseconds> keep, std::chrono::milliseconds every,
                   Schedule* schedule = nullptr)
      : deliveries_(deliveries),
        clock_(std::move(clock)),
        keep_(keep),
        every_(every),
        schedule_(schedule != nullptr ? *schedule : own_schedule_) {}

  HistoryRetention(const HistoryRetention&) = delete;
  HistoryRetention& operator=(const HistoryRetention&) = delete;

  // The pass interval for `keep`: a tenth of it, between one second (the history thread's idle
  // wait) and one hour.
  static std::chrono::milliseconds DefaultEvery(std::chrono::milliseconds keep);

  // Makes one step of the current pass, starting a pass when one is due. True when the pass has
  // more to do (call again soon), false when there is nothing to do before the next pass. Adds
  // what the step removed to `*removed` when given. A pass that removed something is logged when
  // it ends. Not thread-safe.
  absl::StatusOr<bool> Step(HistoryRemoved* removed = nullptr);

  // What the passes of this object removed so far.
  const HistoryRemoved& removed() const { return removed_; }

 private:
  DeliveryStore& deliveries_;
  Clock clock_;
  std::optional<std::chrono::milliseconds> keep_;
  std::chrono::milliseconds every_;
  std::optional<HistorySweep> sweep_;  // the pass in progress
  HistoryRemoved pass_removed_;        // by the pass in progress
  HistoryRemoved removed_;
  Schedule own_schedule_;
  Schedule& schedule_;
};

}  // namespace webhooks

#endif  // WEBHOOKS_NOTIFIER_HISTORY_RETENTION_H_

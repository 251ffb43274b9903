// Event log retention. Once the notifier's cursor has passed a segment, every event in it is
// durably queued as deliveries, which carry their own copy of the envelope: the log is no longer
// needed for delivery. The segment is kept `keep` after its last write (for inspection), then
// removed, so the log's disk use follows the event rate times `keep` rather than growing forever.
#ifndef WEBHOOKS_NOTIFIER_LOG_RETENTION_H_
#define WEBHOOKS_NOTIFIER_LOG_RETENTION_H_

#include <chrono>
#include <utility>

#include "absl/status/status.h"
#include "common/time_format.h"
#include "eventlog/event_log.h"
#include "store/delivery_store.h"

namespace webhooks {

class LogRetention {
 public:
  LogRetention(EventSource& log, DeliveryStore& deliveries, Clock clock,
               std::chrono::milliseconds keep,
               std::chrono::milliseconds every = std::chrono::seconds(10))
      : log_(log), deliveries_(deliveries), clock_(std::move(clock)), keep_(keep), every_(every) {}

  // Removes the segments that may go (before the durable cursor, last written more than `keep`
  // ago). Does nothing when called again less than `every` after the previous run, so it may be
  // called on every turn of a loop. Not thread-safe.
  absl::Status MaybeDiscard();

 private:
  EventSource& log_;
  DeliveryStore& deliveries_;
  Clock clock_;
  std::chrono::milliseconds keep_;
  std::chrono::milliseconds every_;
  TimePoint next_run_{};
};

}  // namespace webhooks

#endif  // WEBHOOKS_NOTIFIER_LOG_RETENTION_H_

// Fan-out: tails the event log from the cursor kept in LMDB, matches each event to the active
// webhooks of its organization that subscribe to its type, and durably queues one delivery per
// (event, webhook, channel, target), moving the cursor in the same transaction. A crash at any
// point either keeps the old cursor (the batch is read again; the same delivery ids make the
// second queueing a no-op) or has everything queued.
#ifndef WEBHOOKS_NOTIFIER_FANOUT_H_
#define WEBHOOKS_NOTIFIER_FANOUT_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "common/time_format.h"
#include "eventlog/event_log.h"
#include "model/event.h"
#include "notifier/retry_schedule.h"
#include "store/delivery_store.h"
#include "store/store.h"

namespace webhooks {

// The deliveries `event` produces for `webhook` (skipping `disabled` channel indexes), due at
// `due_ms`.
std::vector<Delivery> DeliveriesFor(const Event& event, const Webhook& webhook,
                                    const std::vector<uint32_t>& disabled, int64_t due_ms,
                                    const std::string& created_at);

class Fanout {
 public:
  Fanout(WebhookStore& webhooks, DeliveryStore& deliveries, EventSource& log,
         const RetrySchedule& schedule, Clock clock, size_t batch = 256)
      : webhooks_(webhooks),
        deliveries_(deliveries),
        log_(log),
        schedule_(schedule),
        clock_(std::move(clock)),
        batch_(batch) {}

  // Reads and queues one batch. Returns the number of log records consumed (0 at the end of
  // the log). DataLoss when the log is damaged at the cursor.
  absl::StatusOr<size_t> Step();

 private:
  absl::Status Collect(const Event& event, int64_t now_ms, std::vector<Delivery>& out);

  WebhookStore& webhooks_;
  DeliveryStore& deliveries_;
  EventSource& log_;
  const RetrySchedule& schedule_;
  Clock clock_;
  size_t batch_;
};

}  // namespace webhooks

#endif  // WEBHOOKS_NOTIFIER_FANOUT_H_

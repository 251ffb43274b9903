// Fan-out: tails the event log from the cursor kept in LMDB, matches each event to the active
// webhooks of its organization that subscribe to its type and whose filters it passes
// (model/event_filter.h), and durably queues one delivery per
// (event, webhook, channel, target), moving the cursor in the same transaction. A crash at any
// point either keeps the old cursor (the batch is read again; the same delivery ids make the
// second queueing a no-op) or has everything queued.
#ifndef WEBHOOKS_NOTIFIER_FANOUT_H_
#define WEBHOOKS_NOTIFIER_FANOUT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "common/time_format.h"
#include "eventlog/event_log.h"
#include "model/event.h"
#include "model/retry_schedule.h"
#include "store/delivery_store.h"
#include "store/store.h"

namespace webhooks {

// The deliveries `event` (at log position `position`) produces for `webhook` (skipping
// `disabled` channel indexes), due at `now_ms` plus the first delay of the schedule each
// channel follows (ScheduleFor: its own, or `schedule`).
std::vector<Delivery> DeliveriesFor(const EventRoute& event, uint64_t position,
                                    const Webhook& webhook, const std::vector<uint32_t>& disabled,
                                    int64_t now_ms, const RetrySchedule& schedule,
                                    const std::string& created_at);

class Fanout {
 public:
  // `max_cached_webhooks`: matching webhooks kept decoded between batches while the store's
  // ConfigVersion stays the same (an organization with more is read for every event).
  Fanout(WebhookStore& webhooks, DeliveryStore& deliveries, EventSource& log,
         const RetrySchedule& schedule, Clock clock, size_t batch = 256,
         size_t max_cached_webhooks = 10000)
      : webhooks_(webhooks),
        deliveries_(deliveries),
        log_(log),
        schedule_(schedule),
        clock_(std::move(clock)),
        batch_(batch),
        max_cached_(max_cached_webhooks) {}

  // Reads and queues one batch. Returns the number of log records consumed (0 at the end of
  // the log). DataLoss when the log is damaged at the cursor.
  absl::StatusOr<size_t> Step();

 private:
  // The active webhooks of an organization that receive one event type, with the channel
  // indexes a 410 disabled.
  using Matching = std::vector<std::pair<Webhook, std::vector<uint32_t>>>;
  absl::StatusOr<Matching> LoadMatching(const std::string& internal_id,
                                        std::optional<int> type_index);
  // The cached (or freshly loaded) Matching for the event's organization and type.
  absl::StatusOr<std::shared_ptr<const Matching>> Find(const EventRoute& event);
  // Decodes `records` (nullopt, logged, for one that is not an event) and appends the
  // (internal_id, event_id) of each producer-chosen id to `asked`, in order.
  static std::vector<std::optional<EventRoute>> DecodeAll(
      const std::vector<LogRecord>& records,
      std::vector<std::pair<std::string, std::string>>& asked);
  // Appends the event's deliveries to `out` (created at `created_at`, due from `now_ms`).
  absl::Status Collect(const EventRoute& event, uint64_t position, int64_t now_ms,
                       const std::string& created_at, std::vector<Delivery>& out);

  WebhookStore& webhooks_;
  DeliveryStore& deliveries_;
  EventSource& log_;
  const RetrySchedule& schedule_;
  Clock clock_;
  size_t batch_;
  size_t max_cached_;
  // "<internal_id>/<type index>" -> Matching, valid for cache_version_; read after each batch
  // of records, so every change made before an event was appended is seen.
  absl::flat_hash_map<std::string, std::shared_ptr<const Matching>> cache_;
  size_t cached_webhooks_ = 0;
  std::string cache_version_;
};

}  // namespace webhooks

#endif  // WEBHOOKS_NOTIFIER_FANOUT_H_

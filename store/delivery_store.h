// The durable delivery queue, the attempt log and per-webhook delivery state (last_error,
// disabled channels), next to the webhooks in the same LMDB environment.
//
// A delivery is one (event, webhook, channel, target) to send. Its id is derived from those
// four, so queueing the same event twice yields the same id, and the receiver sees the same
// `webhook-id` on every retry and after any crash.
#ifndef WEBHOOKS_STORE_DELIVERY_STORE_H_
#define WEBHOOKS_STORE_DELIVERY_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace webhooks {

enum class DeliveryState { kPending, kSucceeded, kFailed, kCancelled };
std::string_view DeliveryStateName(DeliveryState s);

struct Delivery {
  std::string delivery_id;  // "msg_" + 24 hex; see DeliveryId
  std::string internal_id;
  std::string webhook_id;
  uint32_t channel_index = 0;
  uint32_t target_index = 0;  // which phone number, for SMS
  std::string event_id;
  std::string event_type;
  std::string envelope_json;  // what the channel renders / posts; "" once succeeded or cancelled
  DeliveryState state = DeliveryState::kPending;
  uint32_t attempts = 0;  // attempts made so far
  // Unix ms: while pending, when the next attempt is due; once finished, when it ended (set by
  // RecordOutcomes; deliveries finished before that keep the due time of their last attempt).
  int64_t next_attempt_ms = 0;
  std::string created_at;
  bool operator==(const Delivery&) const = default;
};

// The stable id of a delivery: "msg_" + 12 hex digits of `order` (its low 48 bits) + 12 hex
// digits of a hash of the other five. `order` grows with the event's place in the stream (the
// fan-out passes the event's log position, which a replay after a crash repeats), so the
// deliveries of successive events sit next to each other in the store: queueing appends at the
// end of the table, and the dispatcher and recorder touch few pages instead of one random page
// per delivery.
std::string DeliveryId(uint64_t order, std::string_view internal_id, std::string_view event_id,
                       std::string_view webhook_id, uint32_t channel_index, uint32_t target_index);
// "msg_" + the 12 hex digits of `order`: every DeliveryId of that order starts with it, and
// sorts before those of a larger order.
std::string DeliveryIdPrefix(uint64_t order);
// The API's test deliveries and the disable notices take kFirstTimeOrder + the time (unix ms) as
// their order; the fan-out's deliveries take log positions, below it (up to 128 TiB of events
// appended). Within each of the two ranges, ids sort in the order the deliveries were queued.
inline constexpr uint64_t kFirstTimeOrder = uint64_t{1} << 47;

// A pending delivery of the event `event_id` (`event_type`) of organization `internal_id` to
// (webhook_id, channel_index, target_index), outside the log's order: order kFirstTimeOrder +
// now_ms (unix ms), due and created then. For the API's test deliveries and disable notices.
Delivery TimeOrderedDelivery(std::string_view internal_id, std::string_view event_id,
                             std::string_view event_type, std::string_view webhook_id,
                             uint32_t channel_index, uint32_t target_index,
                             std::string envelope_json, int64_t now_ms);

// The due index of pending deliveries: key DueKey (8-byte big-endian next_attempt_ms, then the
// delivery id), value DueGroup. Entries written before DueGroup existed have an empty value.
std::string DueKey(int64_t ms, std::string_view delivery_id);
// The webhook channel a delivery goes to, "<webhook_id>/<channel_index>": lets a scan of the
// due index pass over deliveries of a saturated endpoint without reading them.
std::string DueGroup(const Delivery& d);

// A failed delivery made pending again with a fresh retry budget: attempts 0 (the next one is
// attempt 1 of the schedule), due at `now_ms`. REQUIRES: d.state == kFailed.
void RequeueForRetry(Delivery& d, int64_t now_ms);

struct Attempt {
  uint64_t seq = 0;  // assigned by the store; orders attempts
  std::string delivery_id;
  std::string internal_id;
  std::string webhook_id;
  std::string event_id;
  std::string event_type;
  std::string channel;  // "webhook", "slack", ...
  uint32_t channel_index = 0;
  uint32_t attempt = 0;  // 1-based
  std::string status;    // "succeeded" or "failed"
  int status_code = 0;   // HTTP / SMTP code, 0 when none
  int64_t duration_ms = 0;
  std::string error;             // "" on success
  std::string response_excerpt;  // at most 4 KiB
  std::string attempted_at;
  std::optional<std::string> next_attempt_at;  // when a retry is scheduled
  bool operator==(const Attempt&) const = default;
};

struct LastError {
  std::string channel;
  uint32_t channel_index = 0;
  std::string message;
  int status_code = 0;
  std::string occurred_at;
};

// Since when every attempt on one channel has failed (store/failure_streak.h).
struct FailureStreak {
  uint32_t channel_index = 0;
  int64_t since_ms = 0;  // the first failed attempt after the channel's last success (unix ms)
  int64_t last_ms = 0;   // the latest failed attempt
  bool operator==(const FailureStreak&) const = default;
};

struct WebhookDeliveryState {
  std::optional<LastError> last_error;
  std::vector<std::pair<uint32_t, std::string>> disabled_channels;  // (index, why)
  std::vector<FailureStreak> failing;  // channels whose attempts failed since their last success
};

struct AttemptQuery {
  size_t limit = 20;
  std::optional<uint64_t> before_seq;  // from a cursor: attempts older than this
  std::optional<std::string> status;   // "succeeded" / "failed"
  std::optional<std::string> event_id;
  // Attempts that do not match the filters read by one call at most: past it the page ends
  // early, possibly short or empty, with next_before_seq set, so that a filter matching little
  // of a long log costs each call a bounded read.
  size_t max_skipped = 10000;
};

struct AttemptPage {
  std::vector<Attempt> items;  // newest first
  // Set when the page is full and another match follows, or when it stopped after max_skipped
  // (matches may or may not remain): the query with this as before_seq continues.
  std::optional<uint64_t> next_before_seq;
};

// Everything that changes when one attempt finishes; applied atomically.
struct AttemptOutcome {
  Attempt attempt;    // attempt.attempt == 0: no attempt was made (the delivery was cancelled)
  Delivery delivery;  // its next state (attempts, state, next_attempt_ms)
  // The delivery's next_attempt_ms when the dispatcher took it from the due index (it was
  // pending then). When set, the store removes that due entry without reading the stored
  // delivery; only the notifier's dispatcher changes a pending delivery, so it is current.
  std::optional<int64_t> taken_due_ms;
  // Attempts only: how long after it was due the attempt started (>= 0). The backlog of the
  // dispatcher (concurrency caps, the breaker, rate limits) shows here; the fan-out's own lag
  // does not (a delivery is due from when it is queued at the earliest).
  int64_t start_delay_ms = 0;
  std::optional<LastError> set_last_error;  // the webhook's new last_error, if it changes
  bool clear_last_error = false;            // a success clears it, if it came from the same channel
  // The notifier disables the channel (a 410 Gone): (index, why).
  std::optional<std::pair<uint32_t, std::string>> disable_channel;
  // When > 0, RecordOutcomes keeps the channel's failure streak (store/failure_streak.h), and
  // disables the channel once a delivery of it fails for good (retries exhausted, or an answer
  // that is not retried) when every attempt on it has failed for at least this long (Svix
  // disables an endpoint after 5 days of failures). 0: never.
  int64_t disable_failing_after_ms = 0;
  // Set by RecordOutcomes on every run of its transaction (the fields above stay as they are, so
  // a batch can be recorded again after an error): the channel this outcome disabled, if it was
  // not disabled already.
  struct Disabled {
    uint32_t channel_index = 0;
    std::string reason;
    bool failing = false;  // disable_failing_after_ms, not disable_channel
    size_t notices = 0;    // deliveries queued to tell the webhook's people (disable_notice.h)
  };
  std::optional<Disabled> disabled;
};

// Which failed deliveries of a webhook RetryFailedSince puts back in the queue, and how much
// one call does at most.
struct RecoverQuery {
  int64_t since_ms = 0;             // a failed attempt at or after this (unix ms) ...
  std::optional<int64_t> until_ms;  // ... and before this, when set
  // Continues a call that a limit stopped: only attempts older than this are read (its
  // RecoverResult::next_before_seq).
  std::optional<uint64_t> before_seq;
  size_t max_retried = 10000;    // deliveries re-queued by one call at most
  size_t max_examined = 100000;  // attempts read by one call at most
};
struct RecoverResult {
  uint64_t retried = 0;
  // Set when a limit stopped the call before the end of the window: the same query with this
  // as before_seq continues where it stopped.
  std::optional<uint64_t> next_before_seq;
};

// One pass of delivery history retention over the store, made in bounded steps
// (DeliveryStore::PurgeHistory); the caller keeps it between steps.
struct HistorySweep {
  int64_t before_ms = 0;  // history that ended before this (unix ms) goes
  // false: the deliveries are read in each id range (kFirstTimeOrder) only up to the first one
  // queued after before_ms (none after it can have ended before); true: all of them, for ids
  // out of that order (a store restored onto a new event log).
  bool whole = false;
  size_t max_examined = 20000;  // entries one step reads at most
  size_t max_removed = 1000;    // records one step changes at most (one write transaction)
  // Progress, kept by PurgeHistory: the table the pass is in, the key it continues from, and
  // whether it went through every table.
  int table = 0;
  std::string resume;
  std::string within;  // a position inside a group of records the table is read by
  bool done = false;
};
struct HistoryRemoved {
  uint64_t deliveries = 0;
  uint64_t attempts = 0;
  uint64_t seen_events = 0;
  uint64_t webhook_states = 0;
  // Deliveries and attempts read but left in place because they could not be decoded (not
  // counted in total()).
  uint64_t unreadable = 0;
  HistoryRemoved& operator+=(const HistoryRemoved& o);
  uint64_t total() const { return deliveries + attempts + seen_events + webhook_states; }
};

class DeliveryStore {
 public:
  virtual ~DeliveryStore() = default;

  // Queues `deliveries`, records every (internal_id, event_id) in `seen` (ids the producer
  // chose, for de-duplication; with the time, for PurgeHistory), and sets the notifier cursor to
  // `next_position` when given, all in one durable transaction. Deliveries whose id is already
  // queued are left alone.
  virtual absl::Status Enqueue(const std::vector<Delivery>& deliveries,
                               const std::vector<std::pair<std::string, std::string>>& seen,
                               std::optional<uint64_t> next_position) = 0;
  // For each (internal_id, event_id) of `ids`, in order: whether an earlier Enqueue recorded it
  // as seen. One read of the store for all of them.
  virtual absl::StatusOr<std::vector<bool>> SeenEvents(
      const std::vector<std::pair<std::string, std::string>>& ids) = 0;
  // SeenEvents for one id.
  absl::StatusOr<bool> SeenEvent(std::string_view internal_id, std::string_view event_id) {
    absl::StatusOr<std::vector<bool>> seen =
        SeenEvents({{std::string(internal_id), std::string(event_id)}});
    if (!seen.ok()) return seen.status();
    if (seen->size() != 1) return absl::InternalError("SeenEvents: wrong count");
    return static_cast<bool>(seen->front());
  }
  // The notifier's read position in the event log (0 at first).
  virtual absl::StatusOr<uint64_t> Cursor() = 0;

  // Where a Due call starts and how far it may look, for scans that must stay cheap however long
  // the queue: `resume` is the due-index position to continue after ("" = from the earliest),
  // `max_scan` how many due entries one call examines at most (taken or skipped). Due sets
  // `resume` to the last entry it examined, or to "" once it reached the end of what is due.
  struct DueScan {
    std::string resume;
    size_t max_scan = SIZE_MAX;
  };
  // Decides from a due entry alone (delivery id, DueGroup or "") that a scan passes it over.
  using DueSkip = std::function<bool(std::string_view id, std::string_view group)>;
  // Pending deliveries with next_attempt_ms <= now_ms, earliest first, at most `max`, skipping
  // entries for which `skip` is true (e.g. already in flight). `scan` may be null: the whole due
  // range from the earliest.
  virtual absl::StatusOr<std::vector<Delivery>> Due(int64_t now_ms, size_t max, const DueSkip& skip,
                                                    DueScan* scan) = 0;
  virtual absl::StatusOr<Delivery> GetDelivery(std::string_view delivery_id) = 0;

  // Applies every outcome in one durable transaction, and sets each one's `disabled`. A channel
  // disabled there has its notices (ChannelDisabledNotices) queued in the same transaction.
  virtual absl::Status RecordOutcomes(std::vector<AttemptOutcome>& outcomes) = 0;

  virtual absl::StatusOr<AttemptPage> ListAttempts(std::string_view internal_id,
                                                   std::string_view webhook_id,
                                                   const AttemptQuery& query) = 0;
  virtual absl::StatusOr<WebhookDeliveryState> GetWebhookState(std::string_view internal_id,
                                                               std::string_view webhook_id) = 0;
  // Re-enables every channel of the webhook that was disabled (by a 410 Gone, or after failing
  // too long), and forgets its failure streaks: a PUT of the webhook is the owner's fix, and its
  // channels start afresh. Durable; true when a channel was disabled before.
  virtual absl::StatusOr<bool> EnableChannels(std::string_view internal_id,
                                              std::string_view webhook_id) = 0;
  // Number of pending deliveries.
  virtual absl::StatusOr<uint64_t> PendingCount() = 0;
  // Puts one failed delivery of webhook `webhook_id` of `internal_id` back in the queue
  // (RequeueForRetry, due at `now_ms`), durably, and returns it as stored. NotFound when the
  // webhook or such a delivery of it does not exist; Aborted when it would not be sent (the
  // webhook is inactive, its channel was removed or is disabled) or is not failed (pending:
  // queued already; succeeded or cancelled: its payload is gone). All of it is checked in the
  // write transaction, so a change of the webhook committed first counts. Nothing changes on an
  // error.
  virtual absl::StatusOr<Delivery> RetryDelivery(std::string_view internal_id,
                                                 std::string_view webhook_id,
                                                 std::string_view delivery_id, int64_t now_ms) = 0;
  // Puts back in the queue (RequeueForRetry, due at `now_ms`) every delivery of the webhook that
  // is failed, had a failed attempt in the query's window, would be sent (its channel is still
  // there and not disabled) and is not a disable notice; in one durable transaction. NotFound when
  // the webhook does not exist, Aborted when it is inactive (both checked in the write
  // transaction). The window is read newest first from the attempt log, outside the write lock.
  // Attempt times have whole seconds: `since_ms` counts from the start of its second.
  virtual absl::StatusOr<RecoverResult> RetryFailedSince(std::string_view internal_id,
                                                         std::string_view webhook_id,
                                                         const RecoverQuery& query,
                                                         int64_t now_ms) = 0;
  // One step of a history sweep: removes what the delivery history keeps past its use.
  //  - finished deliveries (succeeded, failed, cancelled) that ended before sweep.before_ms
  //    (their next_attempt_ms); pending ones are never removed;
  //  - attempts made before it;
  //  - producers' event ids recorded as seen (Enqueue) before it;
  //  - the delivery state (last_error, disabled channels) of webhooks that no longer exist.
  // Candidates are read in a read transaction (at most max_examined entries) and removed in one
  // durable write transaction that checks each again (at most max_removed), so a step holds the
  // write lock briefly. Advances `sweep`; a pass is over when sweep.done.
  virtual absl::StatusOr<HistoryRemoved> PurgeHistory(HistorySweep& sweep) = 0;
};

}  // namespace webhooks

#endif  // WEBHOOKS_STORE_DELIVERY_STORE_H_

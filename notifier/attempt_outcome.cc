#include "notifier/attempt_outcome.h"

#include <algorithm>

#include "model/channel_codec.h"

namespace webhooks {
namespace {

constexpr int64_t kMaxRetryAfterMs = int64_t{24} * 3600 * 1000;

LastError ErrorOf(const Attempt& a, const TimePoint now) {
  return LastError{a.channel, a.channel_index, a.error, a.status_code, FormatTimestamp(now)};
}

}  // namespace

AttemptOutcome DecideOutcome(Delivery delivery, const Channel& channel,
                             const TransportResult& result, const Verdict& verdict,
                             const RetrySchedule& schedule, TimePoint now, double unit_random) {
  AttemptOutcome o;
  o.taken_due_ms = delivery.next_attempt_ms;
  o.delivery = std::move(delivery);
  o.delivery.attempts = o.delivery.attempts + 1;
  const Delivery& d = o.delivery;
  Attempt& a = o.attempt;
  a.delivery_id = d.delivery_id;
  a.internal_id = d.internal_id;
  a.webhook_id = d.webhook_id;
  a.event_id = d.event_id;
  a.event_type = d.event_type;
  a.channel = std::string(ChannelName(channel));
  a.channel_index = d.channel_index;
  a.attempt = o.delivery.attempts;
  a.status_code = result.status_code;
  a.duration_ms = result.duration_ms;
  a.error = verdict.error;
  a.response_excerpt = result.body.substr(0, kMaxResponseExcerpt);
  a.attempted_at = FormatTimestamp(now);
  o.start_delay_ms = std::max<int64_t>(0, UnixMillis(now) - result.duration_ms - *o.taken_due_ms);
  if (verdict.outcome == Verdict::Outcome::kSuccess) {
    a.status = "succeeded";
    o.delivery.state = DeliveryState::kSucceeded;
    o.clear_last_error = true;
    return o;
  }
  a.status = "failed";
  o.delivery.state = DeliveryState::kFailed;
  if (verdict.outcome == Verdict::Outcome::kDisable) {
    o.disable_channel = std::make_pair(d.channel_index, verdict.error);
  } else if (verdict.outcome == Verdict::Outcome::kRetry) {
    std::optional<RetrySchedule> own;
    std::optional<int64_t> delay =
        ScheduleFor(channel, schedule, own).DelayMs(o.delivery.attempts, unit_random);
    if (!delay) {
      a.error += " (gave up after " + std::to_string(o.delivery.attempts) + " attempts)";
    } else {
      if (verdict.retry_after_ms)
        delay = std::clamp<int64_t>(*verdict.retry_after_ms, 0, kMaxRetryAfterMs);
      o.delivery.state = DeliveryState::kPending;
      o.delivery.next_attempt_ms = UnixMillis(now) + *delay;
      a.next_attempt_at = FormatTimestamp(now + std::chrono::milliseconds(*delay));
    }
  }
  o.set_last_error = ErrorOf(a, now);
  return o;
}

}  // namespace webhooks

// The retry schedule: delays before each attempt, with jitter (the notifier's --retry-schedule
// and a webhook channel's `retry_schedule`), and the Retry-After header that bends it. Pure.
#ifndef WEBHOOKS_MODEL_RETRY_SCHEDULE_H_
#define WEBHOOKS_MODEL_RETRY_SCHEDULE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/time_format.h"  // ParseDurationMs
#include "model/webhook.h"

namespace webhooks {

inline constexpr std::string_view kDefaultRetrySchedule = "0,5s,5m,30m,2h,5h,10h,10h";

class RetrySchedule {
 public:
  // Parses a comma list of delays (ParseDurationMs), e.g.
  // "0,5s,5m,30m,2h,5h,10h,10h". Entry i is the delay before attempt i+1 (the first entry
  // is the delay of the first attempt after the event is queued). InvalidArgument otherwise.
  static absl::StatusOr<RetrySchedule> Parse(std::string_view text);

  // Number of attempts in all.
  size_t attempts() const { return delays_ms_.size(); }

  // The delay before attempt `attempt` (0-based), with +-`jitter` (0.2 = 20%) applied using
  // `unit_random` in [0, 1). nullopt when the schedule has no such attempt.
  std::optional<int64_t> DelayMs(size_t attempt, double unit_random, double jitter = 0.2) const;

  const std::vector<int64_t>& delays_ms() const { return delays_ms_; }

 private:
  std::vector<int64_t> delays_ms_;
};

// What a webhook channel's own `retry_schedule` may hold: 1 to 30 attempts whose delays add up
// to at most 7 days (before jitter), so that a failing channel gives up, and --disable-after
// sees it, within about a week. (The notifier's flag allows up to 100 attempts of any length.)
inline constexpr size_t kMaxChannelRetryAttempts = 30;
inline constexpr int64_t kMaxChannelRetrySpanMs = int64_t{7} * 24 * 3600 * 1000;
// OK, or InvalidArgument saying what is wrong, for a channel's `retry_schedule`.
absl::Status CheckChannelRetrySchedule(std::string_view text);

// The schedule a delivery on `channel` follows: the channel's own `retry_schedule` (webhook
// channels), parsed into `own`, or else `fallback` (the notifier's --retry-schedule).
const RetrySchedule& ScheduleFor(const Channel& channel, const RetrySchedule& fallback,
                                 std::optional<RetrySchedule>& own);

// The first delay of the channel's own `retry_schedule` (webhook channels), read without
// parsing the rest (the fan-out asks per event); nullopt when it has none.
std::optional<int64_t> OwnFirstDelayMs(const Channel& channel);

// Parses a Retry-After value: delta-seconds or an HTTP-date, relative to `now_s`.
// nullopt when absent or unparseable; negative results clamp to 0.
std::optional<int64_t> ParseRetryAfterMs(std::string_view value, int64_t now_s);

}  // namespace webhooks

#endif  // WEBHOOKS_MODEL_RETRY_SCHEDULE_H_

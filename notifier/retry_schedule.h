// The retry schedule: delays before each attempt, with jitter, and how Retry-After bends it.
#ifndef WEBHOOKS_NOTIFIER_RETRY_SCHEDULE_H_
#define WEBHOOKS_NOTIFIER_RETRY_SCHEDULE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/time_format.h"  // ParseDurationMs

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

// Parses a Retry-After value: delta-seconds or an HTTP-date, relative to `now_s`.
// nullopt when absent or unparseable; negative results clamp to 0.
std::optional<int64_t> ParseRetryAfterMs(std::string_view value, int64_t now_s);

}  // namespace webhooks

#endif  // WEBHOOKS_NOTIFIER_RETRY_SCHEDULE_H_

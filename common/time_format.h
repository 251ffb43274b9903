// UTC timestamps in the API's RFC 3339 form, the clock that produces them, and durations as
// flags write them ("24h").
#ifndef WEBHOOKS_COMMON_TIME_FORMAT_H_
#define WEBHOOKS_COMMON_TIME_FORMAT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace webhooks {

using TimePoint = std::chrono::system_clock::time_point;

// A source of the current time; tests pass a fixed or stepping one.
using Clock = std::function<TimePoint()>;
Clock SystemClock();

// Milliseconds since the Unix epoch (negative before it), as the stores keep times.
inline int64_t UnixMillis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// "2025-01-01T00:00:00Z" (whole seconds, UTC), the seed's format.
std::string FormatTimestamp(TimePoint t);
// FormatTimestamp of a time kept as UnixMillis.
inline std::string FormatUnixMillis(int64_t ms) {
  return FormatTimestamp(TimePoint(std::chrono::milliseconds(ms)));
}

// Parses RFC 3339 ("2025-01-01T00:00:00Z", optional fraction, "Z" or "+hh:mm" offset).
// Returns nullopt when `text` is not such a timestamp.
std::optional<TimePoint> ParseTimestamp(std::string_view text);

// Durations longer than this (100 years) are refused: added to or taken from a time point they
// would overflow its nanoseconds.
inline constexpr int64_t kMaxDurationMs = int64_t{36'500} * 86'400'000;

// One duration: digits and a unit, ms, s, m, h or d ("0" alone is allowed), e.g. "24h", at
// most kMaxDurationMs. nullopt otherwise.
std::optional<int64_t> ParseDurationMs(std::string_view text);

// The inverse for display: "5d", "36h", "90s", "1500ms", in the largest unit that divides `ms`.
std::string FormatDurationMs(int64_t ms);

}  // namespace webhooks

#endif  // WEBHOOKS_COMMON_TIME_FORMAT_H_

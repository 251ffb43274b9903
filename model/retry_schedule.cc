#include "model/retry_schedule.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <string>
#include <utility>

namespace webhooks {

absl::StatusOr<RetrySchedule> RetrySchedule::Parse(std::string_view text) {
  RetrySchedule s;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string_view::npos) comma = text.size();
    std::optional<int64_t> ms = ParseDurationMs(text.substr(pos, comma - pos));
    if (!ms) {
      return absl::InvalidArgumentError("bad retry schedule entry '" +
                                        std::string(text.substr(pos, comma - pos)) +
                                        "': use a number with ms, s, m, h or d (e.g. 0,5s,5m,2h)");
    }
    s.delays_ms_.push_back(*ms);
    pos = comma + 1;
  }
  if (s.delays_ms_.size() > 100) return absl::InvalidArgumentError("at most 100 attempts");
  return s;
}

std::optional<int64_t> RetrySchedule::DelayMs(size_t attempt, double unit_random,
                                              double jitter) const {
  if (attempt >= delays_ms_.size()) return std::nullopt;
  double base = static_cast<double>(delays_ms_[attempt]);
  return static_cast<int64_t>(std::llround(base * (1.0 + jitter * (2.0 * unit_random - 1.0))));
}

absl::Status CheckChannelRetrySchedule(std::string_view text) {
  // Counted before parsing, so that a long list hears about this limit, not the flag's.
  if (std::count(text.begin(), text.end(), ',') >= static_cast<int64_t>(kMaxChannelRetryAttempts)) {
    return absl::InvalidArgumentError("at most " + std::to_string(kMaxChannelRetryAttempts) +
                                      " attempts");
  }
  absl::StatusOr<RetrySchedule> s = RetrySchedule::Parse(text);
  if (!s.ok()) return s.status();
  int64_t total_ms = 0;
  for (int64_t ms : s->delays_ms()) total_ms += ms;  // each at most 100 years: no overflow
  if (total_ms > kMaxChannelRetrySpanMs) {
    return absl::InvalidArgumentError(
        "the delays add up to at most 7 days (168h), so that a failing channel gives up and "
        "--disable-after can see it");
  }
  return absl::OkStatus();
}

const RetrySchedule& ScheduleFor(const Channel& channel, const RetrySchedule& fallback,
                                 std::optional<RetrySchedule>& own) {
  const auto* http = std::get_if<HttpChannel>(&channel);
  if (http == nullptr || !http->retry_schedule) return fallback;
  absl::StatusOr<RetrySchedule> parsed = RetrySchedule::Parse(*http->retry_schedule);
  if (!parsed.ok()) return fallback;  // not reached: stored records are checked when read
  own = *std::move(parsed);
  return *own;
}

std::optional<int64_t> OwnFirstDelayMs(const Channel& channel) {
  const auto* http = std::get_if<HttpChannel>(&channel);
  if (http == nullptr || !http->retry_schedule) return std::nullopt;
  const std::string_view text = *http->retry_schedule;
  return ParseDurationMs(text.substr(0, text.find(',')));
}

std::optional<int64_t> ParseRetryAfterMs(std::string_view value, int64_t now_s) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\r')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  int64_t secs = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), secs);
  if (ec == std::errc() && end == value.data() + value.size())
    return std::max<int64_t>(0, secs) * 1000;
  std::tm tm{};
  std::string text(value);
  if (strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm) == nullptr) return std::nullopt;
  return std::max<int64_t>(0, static_cast<int64_t>(timegm(&tm)) - now_s) * 1000;
}

}  // namespace webhooks

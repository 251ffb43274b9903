#include "store/failure_streak.h"

#include <algorithm>
#include <chrono>

#include "common/time_format.h"

namespace webhooks {
namespace {

std::vector<FailureStreak>::iterator Find(WebhookDeliveryState& state, uint32_t index) {
  return std::find_if(state.failing.begin(), state.failing.end(),
                      [index](const FailureStreak& s) { return s.channel_index == index; });
}

}  // namespace

bool FoldAttempt(WebhookDeliveryState& state, uint32_t index, bool succeeded, bool first_attempt,
                 int64_t at_ms, int64_t window_ms) {
  auto it = Find(state, index);
  if (succeeded) {
    if (it == state.failing.end()) return false;
    state.failing.erase(it);
    return true;
  }
  if (it == state.failing.end()) {
    state.failing.push_back(FailureStreak{index, at_ms, at_ms});
  } else if (first_attempt && at_ms - it->last_ms > window_ms) {
    *it = FailureStreak{index, at_ms, at_ms};
  } else {
    it->last_ms = std::max(it->last_ms, at_ms);
  }
  return true;
}

std::optional<std::string> FailingTooLong(const WebhookDeliveryState& state, uint32_t index,
                                          int64_t at_ms, int64_t window_ms) {
  for (const auto& [disabled, why] : state.disabled_channels) {
    if (disabled == index) return std::nullopt;
  }
  for (const FailureStreak& s : state.failing) {
    if (s.channel_index != index || at_ms - s.since_ms < window_ms) continue;
    const TimePoint since{std::chrono::milliseconds(s.since_ms)};
    return "every attempt failed since " + FormatTimestamp(since) + ", for " +
           FormatDurationMs(window_ms) + " or more";
  }
  return std::nullopt;
}

}  // namespace webhooks

#include "notifier/endpoint_pacer.h"

#include <cstdint>

namespace webhooks {

// A next start more than one interval ahead can only come from a clock that went back: it is
// ignored rather than holding the endpoint until the clock catches up.
bool EndpointPacer::Slot::Holds(int64_t now_us) const {
  return next_us > now_us && next_us - now_us <= interval_us;
}

namespace {

// Rounded up, so that rate_limit + 1 starts never fit in one second.
int64_t IntervalUs(uint32_t per_second) {
  return (1000000 + static_cast<int64_t>(per_second) - 1) / static_cast<int64_t>(per_second);
}

}  // namespace

bool EndpointPacer::TryStart(std::string_view endpoint, uint32_t per_second, int64_t now_us) {
  if (per_second == 0) return true;
  const Slot slot{now_us + IntervalUs(per_second), IntervalUs(per_second)};
  const absl::string_view key(endpoint.data(), endpoint.size());
  if (auto it = slots_.find(key); it != slots_.end()) {
    if (it->second.Holds(now_us)) return false;
    it->second = slot;
    return true;
  }
  if (slots_.size() >= max_tracked_) {
    absl::erase_if(slots_, [now_us](const auto& entry) { return !entry.second.Holds(now_us); });
    if (slots_.size() >= max_tracked_) slots_.clear();  // every one of them paced: a burst, once
  }
  slots_.emplace(key, slot);
  return true;
}

void EndpointPacer::Restamp(std::string_view endpoint, uint32_t per_second, int64_t now_us) {
  if (per_second == 0) return;
  // Kept even when the slot was forgotten meanwhile (more than max_tracked_ endpoints).
  slots_.insert_or_assign(absl::string_view(endpoint.data(), endpoint.size()),
                          Slot{now_us + IntervalUs(per_second), IntervalUs(per_second)});
}

int64_t EndpointPacer::NextStartUs(std::string_view endpoint, int64_t now_us) const {
  auto it = slots_.find(absl::string_view(endpoint.data(), endpoint.size()));
  return it == slots_.end() || !it->second.Holds(now_us) ? now_us : it->second.next_us;
}

}  // namespace webhooks

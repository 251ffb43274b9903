#include "notifier/history_retention.h"

#include <algorithm>
#include <cstdio>

namespace webhooks {
namespace {

// Every this many passes (the first one included), one reads every delivery (HistorySweep::whole).
constexpr uint64_t kWholeEvery = 24;
// The first pass waits this long (or `every`, if shorter) after the first Step: a notifier that
// just started has a backlog to send first.
constexpr std::chrono::minutes kFirstDelay(1);

}  // namespace

std::chrono::milliseconds HistoryRetention::DefaultEvery(std::chrono::milliseconds keep) {
  return std::clamp<std::chrono::milliseconds>(keep / 10, std::chrono::seconds(1),
                                               std::chrono::hours(1));
}

absl::StatusOr<bool> HistoryRetention::Step(HistoryRemoved* step_removed) {
  if (!keep_) return false;
  const TimePoint now = clock_();
  if (!sweep_) {
    std::optional<TimePoint>& next_pass = schedule_.next_pass;
    if (!next_pass) next_pass = now + std::min<std::chrono::milliseconds>(every_, kFirstDelay);
    if (now < *next_pass) return false;
    next_pass = now + every_;
    sweep_.emplace();
    sweep_->before_ms = UnixMillis(now) - keep_->count();
    sweep_->whole = schedule_.passes++ % kWholeEvery == 0;
    pass_removed_ = HistoryRemoved{};
  }
  absl::StatusOr<HistoryRemoved> removed = deliveries_.PurgeHistory(*sweep_);
  if (!removed.ok()) return removed.status();
  pass_removed_ += *removed;
  removed_ += *removed;
  if (step_removed != nullptr) *step_removed += *removed;
  if (!sweep_->done) return true;
  if (pass_removed_.total() > 0) {
    const std::string before = FormatUnixMillis(sweep_->before_ms);
    std::fprintf(stderr,
                 "level=info msg=\"delivery history removed\" before=\"%s\" deliveries=%llu "
                 "attempts=%llu seen_event_ids=%llu webhook_states=%llu\n",
                 before.c_str(), static_cast<unsigned long long>(pass_removed_.deliveries),
                 static_cast<unsigned long long>(pass_removed_.attempts),
                 static_cast<unsigned long long>(pass_removed_.seen_events),
                 static_cast<unsigned long long>(pass_removed_.webhook_states));
  }
  if (pass_removed_.unreadable > 0) {
    std::fprintf(stderr,
                 "level=warn msg=\"delivery history records that cannot be read were left in "
                 "place\" count=%llu\n",
                 static_cast<unsigned long long>(pass_removed_.unreadable));
  }
  sweep_.reset();
  return false;
}

}  // namespace webhooks

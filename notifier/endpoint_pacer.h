// EndpointPacer: spaces the attempts of rate-limited channels (a webhook channel's
// `rate_limit`). An endpoint limited to r attempts per second starts one attempt every 1/r s
// at most, with no bursts: the rate a receiver sees is at most r in any one-second window. A
// start that comes late does not bank the time it missed, and a clock that goes back does not
// hold an endpoint for longer than one interval.
#ifndef WEBHOOKS_NOTIFIER_ENDPOINT_PACER_H_
#define WEBHOOKS_NOTIFIER_ENDPOINT_PACER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"

namespace webhooks {

// Not thread-safe: the dispatcher calls it with its slot lock held.
class EndpointPacer {
 public:
  // `max_tracked`: endpoints remembered at most; beyond it the ones free to start are
  // forgotten (which changes nothing: an endpoint not remembered may start now).
  explicit EndpointPacer(size_t max_tracked = 100000) : max_tracked_(max_tracked) {}

  // Whether `endpoint`, limited to `per_second` attempts (0: no limit), may start one at
  // `now_us` (a steady count of microseconds); when it may, the start is counted.
  bool TryStart(std::string_view endpoint, uint32_t per_second, int64_t now_us);
  // When `endpoint` may start its next attempt; <= now_us when it may start now.
  int64_t NextStartUs(std::string_view endpoint, int64_t now_us) const;
  // The attempt started last actually went out at `now_us` (later than it started, e.g. after
  // a slow DNS lookup): the next one waits a whole interval from then.
  void Restamp(std::string_view endpoint, uint32_t per_second, int64_t now_us);

 private:
  struct Slot {
    int64_t next_us;      // the earliest next start
    int64_t interval_us;  // 1 s / rate_limit, rounded up
    bool Holds(int64_t now_us) const;
  };
  const size_t max_tracked_;
  absl::flat_hash_map<std::string, Slot> slots_;  // by endpoint
};

}  // namespace webhooks

#endif  // WEBHOOKS_NOTIFIER_ENDPOINT_PACER_H_

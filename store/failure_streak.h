// Failure streaks: since when every attempt on a channel has failed, and when that has lasted
// long enough to disable the channel (Svix's rule: an endpoint whose attempts all fail for 5
// days is disabled). Pure functions over WebhookDeliveryState; the store applies them in the
// transaction that records the attempt, so concurrent recorders cannot lose a streak.
#ifndef WEBHOOKS_STORE_FAILURE_STREAK_H_
#define WEBHOOKS_STORE_FAILURE_STREAK_H_

#include <cstdint>
#include <optional>
#include <string>

#include "store/delivery_store.h"

namespace webhooks {

// Folds one attempt on channel `index`, made at `at_ms`, into `state`'s streaks. A success ends
// the channel's streak. A failure starts one, or extends it. A delivery's first attempt
// (`first_attempt`) failing more than `window_ms` after the streak's last failure starts it
// again: failures that far apart, with no traffic in between, are not one outage. A retry never
// does, however long its delay. True when `state` changed.
bool FoldAttempt(WebhookDeliveryState& state, uint32_t index, bool succeeded, bool first_attempt,
                 int64_t at_ms, int64_t window_ms);

// The reason to disable channel `index` at `at_ms` when its streak began at least `window_ms`
// before; nullopt when it did not, or the channel is disabled already. REQUIRES: window_ms > 0.
std::optional<std::string> FailingTooLong(const WebhookDeliveryState& state, uint32_t index,
                                          int64_t at_ms, int64_t window_ms);

}  // namespace webhooks

#endif  // WEBHOOKS_STORE_FAILURE_STREAK_H_

// What an attempt's answer does to its delivery: succeeded, retried (when, per the schedule or
// Retry-After), failed for good, or its channel disabled; and the attempt's record.
#ifndef WEBHOOKS_NOTIFIER_ATTEMPT_OUTCOME_H_
#define WEBHOOKS_NOTIFIER_ATTEMPT_OUTCOME_H_

#include "common/time_format.h"
#include "model/retry_schedule.h"
#include "model/webhook.h"
#include "notifier/outbound.h"
#include "store/delivery_store.h"

namespace webhooks {

// Pure; `unit_random` in [0, 1) drives jitter. `verdict` is Interpret(channel, result).
AttemptOutcome DecideOutcome(Delivery delivery, const Channel& channel,
                             const TransportResult& result, const Verdict& verdict,
                             const RetrySchedule& schedule, TimePoint now, double unit_random);

}  // namespace webhooks

#endif  // WEBHOOKS_NOTIFIER_ATTEMPT_OUTCOME_H_

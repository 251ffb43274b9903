// Disable notices: when the notifier disables a channel (a 410 Gone, or every attempt failing
// for --disable-after), the people behind the webhook's other channels are told, as Standard
// Webhooks recommends ("notify via another channel") and Stripe does by e-mail. The store queues
// the notices in the transaction that disables the channel, so a crash loses neither.
#ifndef WEBHOOKS_STORE_DISABLE_NOTICE_H_
#define WEBHOOKS_STORE_DISABLE_NOTICE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/event_types.h"
#include "model/webhook.h"
#include "store/delivery_store.h"

namespace webhooks {

// The notices owed when channel `index` of `webhook` was disabled at `now_ms` for `reason`: one
// pending delivery, due at once, per recipient of every other channel that reaches people
// (email; Slack; SMS, one per number) and is not in `disabled` (the webhook's disabled channels,
// `index` among them). HTTP channels get none: their receivers expect events. None when the
// webhook is paused. The envelope is an event envelope of type kChannelDisabledEventType with
// subject {type: "webhook", id} and metadata {webhook_name, channel_index, channel, reason,
// message}; `channel` names the disabled channel without its credentials (a URL's host only)
// and without its Bcc audience.
std::vector<Delivery> ChannelDisabledNotices(const Webhook& webhook,
                                             const std::vector<uint32_t>& disabled, uint32_t index,
                                             std::string_view reason, int64_t now_ms);

}  // namespace webhooks

#endif  // WEBHOOKS_STORE_DISABLE_NOTICE_H_

// Endpoint keys: what the dispatcher's concurrency slots, breaker, pace and waiting queues are
// kept by. Pure functions of a channel.
#ifndef WEBHOOKS_NOTIFIER_ENDPOINT_KEY_H_
#define WEBHOOKS_NOTIFIER_ENDPOINT_KEY_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "model/webhook.h"
#include "notifier/channel_format.h"

namespace webhooks {

// The endpoint a delivery on `channel` (channel `index` of webhook `webhook_id`) occupies a
// concurrency slot of: the origin (scheme://host:port) of a webhook URL or Slack incoming
// webhook, "slack:<channel_id>", "smtp:<url>" or "twilio:<url>". A rate-limited webhook
// channel is an endpoint of its own ("<origin>#<webhook_id>.<index>"): its pace holds no other
// channel.
std::string EndpointKey(const Channel& channel, const ChannelEndpoints& endpoints,
                        const std::string& webhook_id, size_t index);

// Whether `endpoint` is a rate-limited channel's own key: an http(s) origin never holds a '#'.
bool IsPacedEndpoint(std::string_view endpoint);

// The channel's rate_limit, 0 when it has none.
uint32_t RateLimit(const Channel& channel);

}  // namespace webhooks

#endif  // WEBHOOKS_NOTIFIER_ENDPOINT_KEY_H_

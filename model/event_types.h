// The 31 event types of the Mixpeek spec, the "*" wildcard, and subscription matching.
#ifndef WEBHOOKS_MODEL_EVENT_TYPES_H_
#define WEBHOOKS_MODEL_EVENT_TYPES_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace webhooks {

inline constexpr std::string_view kWildcardEventType = "*";

// The event type of the notice the notifier sends when it disables a channel
// (store/disable_notice.h). Not one of the spec's types: producers cannot send it and no webhook
// subscribes to it. Channels send it with fixed text (its envelope's metadata.message), not with
// their templates, which were written for events.
inline constexpr std::string_view kChannelDisabledEventType = "webhook.channel_disabled";

// The spec's event types, in spec order. Index i of this list is bit i of an EventMask.
std::span<const std::string_view> AllEventTypes();

// Position of `name` in AllEventTypes(), or nullopt for an unknown name (including "*").
std::optional<int> EventTypeIndex(std::string_view name);

// True when `name` may appear in a webhook's event_types: a spec name or "*".
bool IsSubscribableEventType(std::string_view name);

// A 32-bit summary of a subscription list: bit i for AllEventTypes()[i], bit 31 for "*".
// REQUIRES: every entry IsSubscribableEventType (unknown names are ignored).
uint32_t EventMask(const std::vector<std::string>& event_types);

// True when a webhook whose subscription summary is `mask` receives event type `index`.
inline bool MaskReceives(uint32_t mask, int index) {
  return (mask & ((1u << 31) | (1u << index))) != 0;
}

// True when a webhook subscribed to `event_types` receives `event_type` (exact name or "*").
bool Receives(const std::vector<std::string>& event_types, std::string_view event_type);

}  // namespace webhooks

#endif  // WEBHOOKS_MODEL_EVENT_TYPES_H_

#include "store/admission.h"

#include "model/event_types.h"

namespace webhooks {

ChannelShape ChannelShape::Of(const Channel& channel, bool disabled) {
  return {static_cast<uint32_t>(TargetCount(channel)), std::holds_alternative<HttpChannel>(channel),
          disabled};
}

std::vector<ChannelShape> ChannelShapes(
    const std::vector<Channel>& channels,
    const std::vector<std::pair<uint32_t, std::string>>& disabled) {
  std::vector<ChannelShape> shapes;
  shapes.reserve(channels.size());
  for (const Channel& c : channels) shapes.push_back(ChannelShape::Of(c, false));
  for (const auto& [index, why] : disabled) {
    if (index < shapes.size()) shapes[index].disabled = true;
  }
  return shapes;
}

Unsendable WhyUnsendable(const Delivery& d, bool active, std::span<const ChannelShape> channels) {
  if (!active) return Unsendable::kPaused;
  if (d.channel_index >= channels.size()) return Unsendable::kChannelRemoved;
  const ChannelShape& c = channels[d.channel_index];
  if (c.disabled) return Unsendable::kChannelDisabled;
  if (d.target_index >= c.recipients) return Unsendable::kRecipientRemoved;
  if (c.webhook && d.event_type == kChannelDisabledEventType) {
    return Unsendable::kNoticeOnWebhookChannel;
  }
  return Unsendable::kNo;
}

}  // namespace webhooks

// Whether a queued delivery can still be sent, given its webhook as it is now. One decision
// for the two places that ask: the notifier's dispatcher, which cancels what cannot be sent,
// and the API's retries (RetryDelivery, RetryFailedSince), which refuse it. Pure.
#ifndef WEBHOOKS_STORE_ADMISSION_H_
#define WEBHOOKS_STORE_ADMISSION_H_

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "model/webhook.h"
#include "store/delivery_store.h"

namespace webhooks {

enum class Unsendable {
  kNo,                      // it can be sent
  kPaused,                  // the webhook's is_active is false
  kChannelRemoved,          // a PUT left the webhook without the delivery's channel index
  kChannelDisabled,         // an answer (HTTP 410) or --disable-after disabled the channel
  kRecipientRemoved,        // a PUT removed the delivery's SMS number (target_index)
  kNoticeOnWebhookChannel,  // a disable notice whose channel a PUT made a webhook channel
};

// What the decision needs of one channel of the webhook.
struct ChannelShape {
  uint32_t recipients = 1;  // TargetCount: an SMS channel's numbers, otherwise 1
  bool webhook = false;     // an HTTP (webhook) channel: its receivers expect events only
  bool disabled = false;
  static ChannelShape Of(const Channel& channel, bool disabled);
};

// The shapes of `channels`, marking those whose index is in `disabled` (channel index, why).
std::vector<ChannelShape> ChannelShapes(
    const std::vector<Channel>& channels,
    const std::vector<std::pair<uint32_t, std::string>>& disabled);

// Why delivery `d` of a webhook that is `active` with `channels` cannot be sent (kNo when it
// can). Checked in the order of the enum.
Unsendable WhyUnsendable(const Delivery& d, bool active, std::span<const ChannelShape> channels);

}  // namespace webhooks

#endif  // WEBHOOKS_STORE_ADMISSION_H_

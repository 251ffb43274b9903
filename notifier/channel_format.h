// Per-channel request building and response interpretation: what an HTTP webhook, a Slack
// message, an e-mail and an SMS look like on the wire, and what their answers mean. Pure
// functions: no I/O.
#ifndef WEBHOOKS_NOTIFIER_CHANNEL_FORMAT_H_
#define WEBHOOKS_NOTIFIER_CHANNEL_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "model/webhook.h"
#include "notifier/outbound.h"

namespace webhooks {

// Where channels go; from the notifier's flags (design.md names).
struct ChannelEndpoints {
  std::string slack_api_url = "https://slack.com/api";
  std::string twilio_api_url = "https://api.twilio.com";
  std::string twilio_account_sid;
  std::string twilio_auth_token;
  std::string sms_from;
  std::string smtp_url;
  std::string smtp_from;
  std::string mail_domain = "webhooks.invalid";  // right-hand side of Message-IDs
};

// One attempt of one delivery.
struct DeliveryContext {
  std::string delivery_id;    // stable across retries: the webhook-id / Message-ID seed
  std::string envelope_json;  // the event envelope delivered (see model/event.h)
  int64_t timestamp_s = 0;    // now, unix seconds (webhook-timestamp)
  size_t target_index = 0;    // which recipient, for channels with one delivery per target
  // A disable notice (store/disable_notice.h): sent with fixed text, its envelope's
  // metadata.message, in place of the channel's templates (written for events).
  bool notice = false;
};

// The request for one attempt (for a notice, as NoticeChannel(channel) sends it). InvalidArgument
// when the channel cannot be sent with the configured endpoints (e.g. SMS without
// --twilio-account-sid, email without --smtp-url).
absl::StatusOr<Outbound> BuildRequest(const Channel& channel, const DeliveryContext& ctx,
                                      const ChannelEndpoints& endpoints);

// `channel` with its templates replaced by the notice's: plain text of metadata.message (the
// e-mail subject names the webhook; Slack gets the message as a section block next to its
// default text).
Channel NoticeChannel(const Channel& channel);

// What `result` means for a delivery on `channel`.
Verdict Interpret(const Channel& channel, const TransportResult& result);

}  // namespace webhooks

#endif  // WEBHOOKS_NOTIFIER_CHANNEL_FORMAT_H_

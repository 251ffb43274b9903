// The webhook record and its channel configurations. Plain values: no I/O, no JSON.
#ifndef WEBHOOKS_MODEL_WEBHOOK_H_
#define WEBHOOKS_MODEL_WEBHOOK_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace webhooks {

inline constexpr uint32_t kMinRateLimit = 1;
inline constexpr uint32_t kMaxRateLimit = 1000;

// `channel: "webhook"` (also accepted as "http"): an HTTP POST to `url`.
struct HttpChannel {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // in the order given
  std::optional<std::string> payload_template;  // a JSON object, kept as compact JSON text
  double timeout_seconds = 10.0;
  // Attempts per second at most (kMinRateLimit..kMaxRateLimit), spaced evenly: the notifier
  // starts one every 1/rate_limit s and this channel gets concurrency slots of its own. Unset:
  // no limit beyond the per-endpoint concurrency cap.
  std::optional<uint32_t> rate_limit;
  // This channel's retry schedule, as given (the syntax of the notifier's --retry-schedule,
  // CheckChannelRetrySchedule's limits); unset: the notifier's.
  std::optional<std::string> retry_schedule;
  // Standard Webhooks key, "whsec_" + base64 of 24-64 random bytes; the server generates one
  // when a client gives none.
  std::string signing_secret;
  // The secret that an update replaced. Deliveries carry a signature with it too, next to the
  // new one, until previous_secret_expires_ms (unix ms, whole seconds), so a receiver can move
  // to the new secret without rejecting a delivery. Set by the service when an update changes
  // signing_secret, never taken from a request; empty when there is none.
  std::string previous_signing_secret;
  int64_t previous_secret_expires_ms = 0;
  bool operator==(const HttpChannel&) const = default;
};

// `channel: "slack"`, in either of two forms: the seed's Web API form (bot_token + channel_id
// [+ workspace_id], sent with chat.postMessage) or the spec's incoming-webhook form (webhook_url
// [+ channel, username, icon_emoji, icon_url, blocks_template]). Unset fields are not echoed.
struct SlackChannel {
  std::optional<std::string> bot_token;
  std::optional<std::string> channel_id;
  std::optional<std::string> workspace_id;
  std::optional<std::string> webhook_url;
  std::optional<std::string> channel;
  std::optional<std::string> username;
  std::optional<std::string> icon_emoji;
  std::optional<std::string> icon_url;
  std::optional<std::string> blocks_template;
  bool operator==(const SlackChannel&) const = default;
};

enum class EmailContentType { kPlainText, kHtml, kMarkdown, kJson };

// `channel: "email"`.
struct EmailChannel {
  std::vector<std::string> to_addresses;  // never empty
  std::vector<std::string> cc_addresses;
  std::vector<std::string> bcc_addresses;
  std::optional<std::string> subject_template;
  std::optional<std::string> body_template;
  EmailContentType content_type = EmailContentType::kHtml;
  bool operator==(const EmailChannel&) const = default;
};

// `channel: "sms"`: one message per number.
struct SmsChannel {
  std::vector<std::string> phone_numbers;  // E.164, never empty
  std::optional<std::string> message_template;
  bool operator==(const SmsChannel&) const = default;
};

using Channel = std::variant<HttpChannel, SlackChannel, EmailChannel, SmsChannel>;

// Number of separate deliveries the channel needs per event: one per phone number for SMS,
// otherwise 1.
inline size_t TargetCount(const Channel& channel) {
  if (const auto* sms = std::get_if<SmsChannel>(&channel)) return sms->phone_numbers.size();
  return 1;
}

// One path of a webhook's `filters` (model/event_filter.h): the event passes when the envelope
// holds any of `any_of` at `path`.
// A number is kept as JSON gave it: a whole number as int64 (uint64 above INT64_MAX), any other
// as a double.
using FilterValue = std::variant<std::string, int64_t, uint64_t, double, bool>;
struct EventFilter {
  std::string path;
  std::vector<FilterValue> any_of;  // 1..kMaxFilterValues, in the order given
  bool listed = true;               // given as a list (else one value; echoed the same way)
  bool operator==(const EventFilter&) const = default;
};

// The fields a client controls: the body of create and of PUT (full replacement).
struct WebhookSpec {
  std::string webhook_name;
  std::optional<std::string> description;
  std::vector<std::string> event_types;  // spec names or "*", no duplicates, order kept
  std::vector<Channel> channels;         // at least one
  std::vector<EventFilter> filters;      // all must pass; empty: every event of event_types
  bool is_active = true;
  bool operator==(const WebhookSpec&) const = default;
};

// A stored webhook: the client's spec plus the fields the server owns.
struct Webhook {
  std::string webhook_id;   // "wh_..."
  std::string internal_id;  // owning organization, "int_..."; never in an API response
  WebhookSpec spec;
  std::string created_at;  // RFC 3339, immutable
  std::string updated_at;  // RFC 3339, set on every change
  uint64_t seq = 0;        // creation order within the store; assigned by the store
  bool operator==(const Webhook&) const = default;
};

}  // namespace webhooks

#endif  // WEBHOOKS_MODEL_WEBHOOK_H_

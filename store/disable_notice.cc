#include "store/disable_notice.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <type_traits>
#include <variant>

#include "model/event.h"
#include "model/json_input.h"

namespace webhooks {
namespace {

// "https://user:pw@host:8443/path?q" -> "host:8443": enough to recognise the endpoint, without
// what a URL may carry as a credential (user info, path and query tokens).
std::string UrlHost(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme != std::string_view::npos) url.remove_prefix(scheme + 3);
  url = url.substr(0, url.find_first_of("/?#"));
  const size_t at = url.rfind('@');
  if (at != std::string_view::npos) url.remove_prefix(at + 1);
  return std::string(url);
}

// The disabled channel, as the notice names it.
std::string Describe(const Channel& channel) {
  return std::visit(
      [](const auto& c) -> std::string {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, HttpChannel>) {
          return "webhook to " + UrlHost(c.url);
        } else if constexpr (std::is_same_v<T, SlackChannel>) {
          if (c.channel_id) return "Slack channel " + *c.channel_id;
          return "Slack incoming webhook";  // its URL is the credential
        } else if constexpr (std::is_same_v<T, EmailChannel>) {
          const size_t more = c.to_addresses.size() + c.cc_addresses.size() - 1;  // no Bcc
          return "email to " + c.to_addresses.front() +
                 (more > 0 ? " and " + std::to_string(more) + " more" : "");
        } else {
          return "SMS to " + std::to_string(c.phone_numbers.size()) + " number" +
                 (c.phone_numbers.size() == 1 ? "" : "s");
        }
      },
      channel);
}

// How many deliveries a notice takes on `channel`: 0 for HTTP, one per number for SMS.
uint32_t NoticeTargets(const Channel& channel) {
  if (std::holds_alternative<HttpChannel>(channel)) return 0;
  if (const auto* sms = std::get_if<SmsChannel>(&channel)) {
    return static_cast<uint32_t>(sms->phone_numbers.size());
  }
  return 1;
}

Event NoticeEvent(const Webhook& w, uint32_t index, std::string_view reason, int64_t now_ms) {
  const std::string channel = Describe(w.spec.channels[index]);
  const std::string message = "Channel " + std::to_string(index) + " (" + channel +
                              ") of webhook \"" + w.spec.webhook_name + "\" (" + w.webhook_id +
                              ") was disabled: " + std::string(reason) +
                              ". Events are no longer delivered to it; an update of the webhook "
                              "(PUT) enables it again.";
  rapidjson::StringBuffer buf;
  JsonWriter m(buf);
  m.StartObject();
  m.Key("webhook_name");
  m.String(w.spec.webhook_name);
  m.Key("channel_index");
  m.Uint(index);
  m.Key("channel");
  m.String(channel);
  m.Key("reason");
  m.String(reason.data(), static_cast<rapidjson::SizeType>(reason.size()));
  m.Key("message");
  m.String(message);
  m.EndObject();
  Event e;
  e.internal_id = w.internal_id;
  e.event_id =
      "evt_disabled_" + w.webhook_id + "_" + std::to_string(index) + "_" + std::to_string(now_ms);
  e.event_type = std::string(kChannelDisabledEventType);
  e.occurred_at = FormatUnixMillis(now_ms);
  e.subject = R"({"type":"webhook","id":")" + w.webhook_id + R"("})";
  e.metadata = std::string(buf.GetString(), buf.GetSize());
  return e;
}

}  // namespace

std::vector<Delivery> ChannelDisabledNotices(const Webhook& webhook,
                                             const std::vector<uint32_t>& disabled, uint32_t index,
                                             std::string_view reason, int64_t now_ms) {
  std::vector<Delivery> out;
  if (!webhook.spec.is_active || index >= webhook.spec.channels.size()) return out;
  const Event e = NoticeEvent(webhook, index, reason, now_ms);
  const std::string envelope = EnvelopeJson(e);
  for (uint32_t ch = 0; ch < webhook.spec.channels.size(); ++ch) {
    if (ch == index || std::find(disabled.begin(), disabled.end(), ch) != disabled.end()) continue;
    const uint32_t targets = NoticeTargets(webhook.spec.channels[ch]);
    for (uint32_t t = 0; t < targets; ++t) {
      out.push_back(TimeOrderedDelivery(e.internal_id, e.event_id, e.event_type, webhook.webhook_id,
                                        ch, t, envelope, now_ms));
    }
  }
  return out;
}

}  // namespace webhooks

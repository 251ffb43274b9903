#include "fcgi/handlers/handler_util.h"

#include <charconv>
#include <chrono>
#include <vector>

#include "common/ids.h"
#include "common/time_format.h"
#include "model/json_input.h"
#include "model/webhook_codec.h"
#include "store/delivery_codec.h"

namespace webhooks::handlers {

absl::Status ParseBody(const HttpRequest& req, rapidjson::Document* doc, bool* present) {
  *present = !req.body.empty();
  if (!*present) return absl::OkStatus();
  std::string media = MediaType(req.content_type);
  bool json = media.empty() || media == "application/json" ||
              (media.size() > 5 && media.substr(media.size() - 5) == "+json");
  if (!json) {
    return absl::FailedPreconditionError("Content-Type must be application/json, got '" +
                                         req.content_type + "'");
  }
  return ParseJson(req.body, doc);
}

absl::StatusOr<Webhook> Resolve(Services& s, const RequestContext& ctx) {
  const std::string& identifier = ctx.path_params.at(0);
  if (IsWebhookId(identifier)) {
    absl::StatusOr<Webhook> w = s.webhooks.GetWebhook(ctx.internal_id, identifier);
    if (!absl::IsNotFound(w.status())) return w;
  }
  absl::StatusOr<std::vector<Webhook>> named =
      s.webhooks.FindWebhooksByName(ctx.internal_id, identifier, 2);
  if (!named.ok()) return named.status();
  if (named->empty()) return absl::NotFoundError("Webhook '" + identifier + "' not found");
  if (named->size() > 1) {
    return absl::AbortedError("Several webhooks are named '" + identifier +
                              "'; use the webhook_id");
  }
  return std::move(named->front());
}

namespace {

// "failing_channels": channels whose attempts have all failed since some time (the notifier's
// --disable-after counts from it).
void WriteFailingChannels(const std::vector<FailureStreak>& failing, JsonWriter& out) {
  out.Key("failing_channels");
  out.StartArray();
  for (const FailureStreak& f : failing) {
    out.StartObject();
    out.Key("channel_index");
    out.Uint(f.channel_index);
    out.Key("failing_since");
    out.String(FormatUnixMillis(f.since_ms));
    out.Key("last_failure_at");
    out.String(FormatUnixMillis(f.last_ms));
    out.EndObject();
  }
  out.EndArray();
}

}  // namespace

void WriteApiWebhook(Services& s, const Webhook& webhook, JsonWriter& w) {
  WebhookDeliveryState state;
  if (s.deliveries != nullptr) {
    absl::StatusOr<WebhookDeliveryState> st =
        s.deliveries->GetWebhookState(webhook.internal_id, webhook.webhook_id);
    if (st.ok()) state = *std::move(st);
  }
  WriteWebhook(webhook, Audience::kApi, w, [&](JsonWriter& out) {
    out.Key("last_error");
    WriteLastError(state.last_error, out);
    if (!state.disabled_channels.empty()) {
      out.Key("disabled_channels");
      out.StartArray();
      for (const auto& [index, why] : state.disabled_channels) {
        out.StartObject();
        out.Key("channel_index");
        out.Uint(index);
        out.Key("reason");
        out.String(why);
        out.EndObject();
      }
      out.EndArray();
    }
    if (!state.failing.empty()) WriteFailingChannels(state.failing, out);
  });
}

void WriteDeliveryIdentity(const Delivery& d, JsonWriter& out) {
  out.Key("delivery_id");
  out.String(d.delivery_id);
  out.Key("webhook_id");
  out.String(d.webhook_id);
  out.Key("event_id");
  out.String(d.event_id);
  out.Key("event_type");
  out.String(d.event_type);
  out.Key("channel_index");
  out.Uint(d.channel_index);
  out.Key("status");
  out.String(std::string(DeliveryStateName(d.state)));
}

std::string ApiWebhookJson(Services& s, const Webhook& webhook) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  WriteApiWebhook(s, webhook, w);
  return std::string(buf.GetString(), buf.GetSize());
}

absl::StatusOr<Event> ParseEventRequest(Services& s, const RequestContext& ctx) {
  rapidjson::Document body;
  bool present = false;
  if (absl::Status st = ParseBody(ctx.request, &body, &present); !st.ok()) return st;
  if (!present) return FieldFailure("missing", {"body"}, "Request body required");
  return ParseEventBody(body, ctx.internal_id, s.clock());
}

absl::StatusOr<bool> EventIdSeen(Services& s, const Event& event) {
  if (!event.client_event_id || s.deliveries == nullptr) return false;
  return s.deliveries->SeenEvent(event.internal_id, event.event_id);
}

bool ParseSize(const std::string& text, size_t* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

}  // namespace webhooks::handlers

// POST /v1/organizations/webhooks/{identifier}/match: whether the notifier would deliver an
// event to a webhook, and why not. Reads only: nothing is appended or queued. The decision
// mirrors the fan-out's (notifier/fanout.cc: active webhooks subscribed to the type, their
// filters, channels not disabled, producer ids seen once); the filters integration test checks
// the two agree.
#include <algorithm>

#include "fcgi/handlers/handler_util.h"
#include "fcgi/routes.h"
#include "model/event.h"
#include "model/event_filter.h"
#include "model/event_types.h"

namespace webhooks::handlers {
namespace {

// The webhook's channels that are not disabled (all of them without a delivery store).
absl::StatusOr<size_t> EnabledChannels(Services& s, const Webhook& w) {
  const size_t channels = w.spec.channels.size();
  if (s.deliveries == nullptr) return channels;
  absl::StatusOr<WebhookDeliveryState> state =
      s.deliveries->GetWebhookState(w.internal_id, w.webhook_id);
  if (!state.ok()) return state.status();
  const size_t disabled =
      std::count_if(state->disabled_channels.begin(), state->disabled_channels.end(),
                    [&](const std::pair<uint32_t, std::string>& d) { return d.first < channels; });
  return channels - disabled;
}

// Writes each filter with whether `envelope` passes it; returns whether it passes them all.
bool WriteFilters(const std::vector<EventFilter>& filters, const rapidjson::Value& envelope,
                  JsonWriter& out) {
  bool all = true;
  out.StartArray();
  for (const EventFilter& f : filters) {
    const bool passes = PassesFilter(f, envelope);
    all = all && passes;
    out.StartObject();
    out.Key("path");
    out.String(f.path.data(), static_cast<rapidjson::SizeType>(f.path.size()));
    out.Key("passes");
    out.Bool(passes);
    out.EndObject();
  }
  out.EndArray();
  return all;
}

}  // namespace

absl::StatusOr<HttpResponse> MatchWebhook(Services& s, const RequestContext& ctx) {
  absl::StatusOr<Event> event = ParseEventRequest(s, ctx);
  if (!event.ok()) return event.status();
  absl::StatusOr<Webhook> w = Resolve(s, ctx);
  if (!w.ok()) return w.status();
  absl::StatusOr<bool> seen = EventIdSeen(s, *event);
  if (!seen.ok()) return seen.status();
  absl::StatusOr<size_t> enabled = EnabledChannels(s, *w);
  if (!enabled.ok()) return enabled.status();
  const std::string envelope_json = EnvelopeJson(*event);
  rapidjson::Document envelope;
  if (absl::Status st = ParseJson(envelope_json, &envelope); !st.ok()) return st;

  const bool subscribed = Receives(w->spec.event_types, event->event_type);
  rapidjson::StringBuffer buf;
  JsonWriter out(buf);
  out.StartObject();
  out.Key("filters");
  const bool filters_pass = WriteFilters(w->spec.filters, envelope, out);
  out.Key("is_active");
  out.Bool(w->spec.is_active);
  out.Key("event_type_subscribed");
  out.Bool(subscribed);
  out.Key("event_id_seen");
  out.Bool(*seen);
  out.Key("enabled_channels");
  out.Uint64(*enabled);
  out.Key("would_deliver");
  out.Bool(w->spec.is_active && subscribed && filters_pass && !*seen && *enabled > 0);
  out.Key("envelope");
  out.RawValue(envelope_json.data(), envelope_json.size(), rapidjson::kObjectType);
  out.EndObject();
  return JsonResponse(200, BufferText(buf));
}

}  // namespace webhooks::handlers

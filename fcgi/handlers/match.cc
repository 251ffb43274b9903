// POST /v1/organizations/webhooks/{identifier}/match: whether the notifier would deliver an
// event to a webhook, and why not. Reads only: nothing is appended or queued.
#include "fcgi/handlers/handler_util.h"
#include "fcgi/routes.h"
#include "model/event.h"
#include "model/event_filter.h"
#include "model/event_types.h"

namespace webhooks::handlers {

absl::StatusOr<HttpResponse> MatchWebhook(Services& s, const RequestContext& ctx) {
  rapidjson::Document body;
  bool present = false;
  if (absl::Status st = ParseBody(ctx.request, &body, &present); !st.ok()) return st;
  if (!present) return FieldFailure("missing", {"body"}, "Request body required");
  absl::StatusOr<Event> event = ParseEventBody(body, ctx.internal_id, s.clock());
  if (!event.ok()) return event.status();
  absl::StatusOr<Webhook> w = Resolve(s, ctx);
  if (!w.ok()) return w.status();
  const std::string envelope_json = EnvelopeJson(*event);
  rapidjson::Document envelope;
  if (absl::Status st = ParseJson(envelope_json, &envelope); !st.ok()) return st;

  const bool subscribed = Receives(w->spec.event_types, event->event_type);
  bool filters_pass = true;
  rapidjson::StringBuffer buf;
  JsonWriter out(buf);
  out.StartObject();
  out.Key("filters");
  out.StartArray();
  for (const EventFilter& f : w->spec.filters) {
    const bool passes = PassesFilter(f, envelope);
    filters_pass = filters_pass && passes;
    out.StartObject();
    out.Key("path");
    out.String(f.path.data(), static_cast<rapidjson::SizeType>(f.path.size()));
    out.Key("passes");
    out.Bool(passes);
    out.EndObject();
  }
  out.EndArray();
  out.Key("is_active");
  out.Bool(w->spec.is_active);
  out.Key("event_type_subscribed");
  out.Bool(subscribed);
  out.Key("would_deliver");
  out.Bool(w->spec.is_active && subscribed && filters_pass);
  out.Key("envelope");
  out.RawValue(envelope_json.data(), envelope_json.size(), rapidjson::kObjectType);
  out.EndObject();
  return JsonResponse(200, BufferText(buf));
}

}  // namespace webhooks::handlers

// POST /v1/events: a producer appends one event for its organization.
#include "fcgi/handlers/handler_util.h"
#include "fcgi/routes.h"
#include "model/event.h"

namespace webhooks::handlers {

absl::StatusOr<HttpResponse> CreateEvent(Services& s, const RequestContext& ctx) {
  if (s.events == nullptr) return absl::UnavailableError("Event log not available");
  rapidjson::Document body;
  bool present = false;
  if (absl::Status st = ParseBody(ctx.request, &body, &present); !st.ok()) return st;
  if (!present) return FieldFailure("missing", {"body"}, "Request body required");
  absl::StatusOr<Event> event = ParseEventBody(body, ctx.internal_id, s.clock());
  if (!event.ok()) return event.status();
  const std::string accepted = R"({"event_id":")" + event->event_id + R"("})";
  if (event->client_event_id && s.deliveries != nullptr) {
    // Already queued for delivery once: acknowledge again without a second delivery. (A
    // duplicate racing past this check is dropped by the notifier, which records seen ids.)
    absl::StatusOr<bool> seen = s.deliveries->SeenEvent(ctx.internal_id, event->event_id);
    if (!seen.ok()) return seen.status();
    if (*seen) return JsonResponse(202, accepted);
  }
  absl::StatusOr<uint64_t> position = s.events->Append(EncodeEventRecord(*event));
  if (!position.ok()) return position.status();
  return JsonResponse(202, accepted);
}

}  // namespace webhooks::handlers

// POST /v1/events and /v1/events/batch: a producer appends events for its organization.
#include <set>

#include "fcgi/handlers/handler_util.h"
#include "fcgi/routes.h"
#include "model/event.h"

namespace webhooks::handlers {
namespace {

// For each event of `events`, whether it need not be appended (as EventIdSeen), with one read
// of the store for the whole batch.
absl::StatusOr<std::vector<bool>> AlreadySeenAll(Services& s, const std::vector<Event>& events) {
  std::vector<std::pair<std::string, std::string>> asked;
  for (const Event& e : events) {
    if (e.client_event_id) asked.emplace_back(e.internal_id, e.event_id);
  }
  std::vector<bool> seen(events.size(), false);
  if (asked.empty() || s.deliveries == nullptr) return seen;
  absl::StatusOr<std::vector<bool>> found = s.deliveries->SeenEvents(asked);
  if (!found.ok()) return found.status();
  if (found->size() != asked.size()) return absl::InternalError("SeenEvents: wrong count");
  for (size_t i = 0, next = 0; i < events.size(); ++i) {
    if (events[i].client_event_id) seen[i] = (*found)[next++];
  }
  return seen;
}

}  // namespace

absl::StatusOr<HttpResponse> CreateEvent(Services& s, const RequestContext& ctx) {
  if (s.events == nullptr) return absl::UnavailableError("Event log not available");
  absl::StatusOr<Event> event = ParseEventRequest(s, ctx);
  if (!event.ok()) return event.status();
  const std::string accepted = R"({"event_id":")" + event->event_id + R"("})";
  // A duplicate racing past this check is dropped by the notifier, which records seen ids.
  absl::StatusOr<bool> seen = EventIdSeen(s, *event);
  if (!seen.ok()) return seen.status();
  if (*seen) return JsonResponse(202, accepted);  // acknowledged again, delivered once
  absl::StatusOr<uint64_t> position = s.events->Append(EncodeEventRecord(*event));
  if (!position.ok()) return position.status();
  return JsonResponse(202, accepted);
}

absl::StatusOr<HttpResponse> CreateEvents(Services& s, const RequestContext& ctx) {
  if (s.events == nullptr) return absl::UnavailableError("Event log not available");
  rapidjson::Document body;
  bool present = false;
  if (absl::Status st = ParseBody(ctx.request, &body, &present); !st.ok()) return st;
  if (!present) return FieldFailure("missing", {"body"}, "Request body required");
  absl::StatusOr<std::vector<Event>> events = ParseEventBatch(body, ctx.internal_id, s.clock());
  if (!events.ok()) return events.status();
  absl::StatusOr<std::vector<bool>> seen = AlreadySeenAll(s, *events);
  if (!seen.ok()) return seen.status();
  std::vector<std::string> records;
  std::set<std::string> client_ids;  // a producer's id given twice in one batch is one event
  rapidjson::StringBuffer buf;
  JsonWriter out(buf);
  out.StartObject();
  out.Key("event_ids");
  out.StartArray();
  for (size_t i = 0; i < events->size(); ++i) {
    const Event& e = (*events)[i];
    out.String(e.event_id);
    if ((*seen)[i] || (e.client_event_id && !client_ids.insert(e.event_id).second)) continue;
    records.push_back(EncodeEventRecord(e));
  }
  out.EndArray();
  out.EndObject();
  if (!records.empty()) {
    if (absl::Status st = s.events->AppendAll(records); !st.ok()) return st;
  }
  return JsonResponse(202, std::string(buf.GetString(), buf.GetSize()));
}

}  // namespace webhooks::handlers

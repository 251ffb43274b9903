// /v1/organizations/webhooks/{identifier}/deliveries[/{delivery_id}] and /test: the attempt
// log, one delivery's state, and a test event sent to one webhook only.
#include <chrono>

#include "common/crypto.h"
#include "common/ids.h"
#include "common/time_format.h"
#include "fcgi/handlers/handler_util.h"
#include "fcgi/routes.h"
#include "model/cursor.h"
#include "model/event.h"
#include "model/event_types.h"
#include "store/delivery_codec.h"

namespace webhooks::handlers {
namespace {

absl::StatusOr<AttemptQuery> ParseAttemptQuery(const HttpRequest& req) {
  auto query = ParseQuery(req.query);
  if (!query) return absl::InvalidArgumentError("Malformed query string");
  AttemptQuery q;
  ValidationErrors errors;
  for (const auto& [name, value] : *query) {
    size_t n = 0;
    if (name == "limit") {
      if (!ParseSize(value, &n) || n < 1 || n > 1000) {
        errors.Add("value_error", {"query", "limit"}, "limit must be an integer from 1 to 1000");
      }
      q.limit = n;
    } else if (name == "cursor" && !value.empty()) {
      q.before_seq = DecodeCursor(value);
      if (!q.before_seq) errors.Add("value_error", {"query", "cursor"}, "not a valid cursor");
    } else if (name == "status" && !value.empty()) {
      if (value != "succeeded" && value != "failed") {
        errors.Add("enum", {"query", "status"}, "status must be 'succeeded' or 'failed'");
      }
      q.status = value;
    } else if (name == "event_id" && !value.empty()) {
      if (value.size() > kMaxEventIdLength) {
        errors.Add("string_too_long", {"query", "event_id"},
                   "event_id has at most " + std::to_string(kMaxEventIdLength) + " characters");
      }
      q.event_id = value;
    }
  }
  if (!errors.empty()) return errors.ToStatus();
  return q;
}

// The event a test sends: the webhook's first subscribed type ("object.created" for "*").
Event TestEvent(const Webhook& w, TimePoint now) {
  Event e;
  e.internal_id = w.internal_id;
  e.event_id = "evt_test_" + RandomAlphanumeric(20);
  e.event_type = "object.created";
  for (const std::string& t : w.spec.event_types) {
    if (t != kWildcardEventType) {
      e.event_type = t;
      break;
    }
  }
  e.occurred_at = FormatTimestamp(now);
  e.subject = R"({"type":"webhook","id":")" + w.webhook_id + R"("})";
  e.metadata = R"({"test":true})";
  return e;
}

}  // namespace

absl::StatusOr<HttpResponse> GetDelivery(Services& s, const RequestContext& ctx) {
  if (s.deliveries == nullptr) return absl::UnavailableError("Delivery store not available");
  absl::StatusOr<Webhook> w = Resolve(s, ctx);
  if (!w.ok()) return w.status();
  const std::string& id = ctx.path_params[1];
  absl::StatusOr<Delivery> d =
      IsDeliveryId(id) ? s.deliveries->GetDelivery(id) : absl::NotFoundError("not an id");
  if (absl::IsNotFound(d.status()) ||
      (d.ok() && (d->internal_id != ctx.internal_id || d->webhook_id != w->webhook_id))) {
    return absl::NotFoundError("Webhook " + w->webhook_id + " has no delivery " + id);
  }
  if (!d.ok()) return d.status();
  rapidjson::StringBuffer buf;
  JsonWriter out(buf);
  out.StartObject();
  WriteDeliveryIdentity(*d, out);
  out.Key("attempts");
  out.Uint(d->attempts);
  out.Key("next_attempt_at");
  if (d->state == DeliveryState::kPending) {
    out.String(FormatUnixMillis(d->next_attempt_ms));
  } else {
    out.Null();
  }
  out.Key("created_at");
  out.String(d->created_at);
  out.EndObject();
  return JsonResponse(200, std::string(buf.GetString(), buf.GetSize()));
}

absl::StatusOr<HttpResponse> ListDeliveries(Services& s, const RequestContext& ctx) {
  if (s.deliveries == nullptr) return absl::UnavailableError("Delivery store not available");
  absl::StatusOr<AttemptQuery> q = ParseAttemptQuery(ctx.request);
  if (!q.ok()) return q.status();
  absl::StatusOr<Webhook> w = Resolve(s, ctx);
  if (!w.ok()) return w.status();
  absl::StatusOr<AttemptPage> page = s.deliveries->ListAttempts(ctx.internal_id, w->webhook_id, *q);
  if (!page.ok()) return page.status();
  rapidjson::StringBuffer buf;
  JsonWriter out(buf);
  out.StartObject();
  out.Key("results");
  out.StartArray();
  for (const Attempt& a : page->items) WriteAttempt(a, out);
  out.EndArray();
  out.Key("pagination");
  out.StartObject();
  out.Key("page_size");
  out.Uint64(q->limit);
  out.Key("next_cursor");
  page->next_before_seq ? out.String(EncodeCursor(*page->next_before_seq)) : out.Null();
  out.EndObject();
  out.EndObject();
  return JsonResponse(200, std::string(buf.GetString(), buf.GetSize()));
}

absl::StatusOr<HttpResponse> TestWebhook(Services& s, const RequestContext& ctx) {
  if (s.deliveries == nullptr) return absl::UnavailableError("Delivery store not available");
  absl::StatusOr<Webhook> w = Resolve(s, ctx);
  if (!w.ok()) return w.status();
  TimePoint now = s.clock();
  Event e = TestEvent(*w, now);
  std::vector<Delivery> deliveries;
  const std::string envelope = EnvelopeJson(e);
  const int64_t now_ms = UnixMillis(now);
  for (uint32_t ch = 0; ch < w->spec.channels.size(); ++ch) {
    // One delivery per channel (for SMS, to its first number): a test, not a broadcast.
    deliveries.push_back(TimeOrderedDelivery(e.internal_id, e.event_id, e.event_type, w->webhook_id,
                                             ch, 0, envelope, now_ms));
  }
  if (absl::Status st = s.deliveries->Enqueue(deliveries, {}, std::nullopt); !st.ok()) return st;
  return JsonResponse(202, R"({"event_id":")" + e.event_id + R"(","deliveries":)" +
                               std::to_string(deliveries.size()) + "}");
}

}  // namespace webhooks::handlers

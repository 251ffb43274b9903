// Failed deliveries sent again on the owner's request:
//   POST /v1/organizations/webhooks/{identifier}/deliveries/{delivery_id}/retry  (one)
//   POST /v1/organizations/webhooks/{identifier}/deliveries/retry                (a time window)
#include "common/ids.h"
#include "common/time_format.h"
#include "fcgi/handlers/handler_util.h"
#include "fcgi/routes.h"
#include "model/cursor.h"
#include "model/json_fields.h"

namespace webhooks::handlers {
namespace {

// An RFC 3339 time field as unix ms; records a field error when it is missing (and required)
// or malformed.
std::optional<int64_t> TimeField(FieldReader& r, const char* key, bool required) {
  std::optional<std::string> text = r.String(key, required, 64);
  if (!text) return std::nullopt;
  std::optional<TimePoint> t = ParseTimestamp(*text);
  if (!t) {
    r.Error(key, "datetime_parsing", std::string(key) + " must be an RFC 3339 time");
    return std::nullopt;
  }
  return UnixMillis(*t);
}

// {"since": RFC 3339, "until"?: RFC 3339 after since, "cursor"?: a previous answer's
// next_cursor}.
absl::StatusOr<RecoverQuery> ParseRecoverBody(const HttpRequest& req) {
  rapidjson::Document body;
  bool present = false;
  if (absl::Status st = ParseBody(req, &body, &present); !st.ok()) return st;
  if (!present) return FieldFailure("missing", {"body"}, "Request body required");
  ValidationErrors errors;
  if (!body.IsObject()) {
    errors.Add("dict_type", {"body"}, "Input should be a valid dictionary (a JSON object)");
    return errors.ToStatus();
  }
  FieldReader r(body, {"body"}, errors);
  RecoverQuery q;
  std::optional<int64_t> since = TimeField(r, "since", true);
  q.until_ms = TimeField(r, "until", false);
  if (since) q.since_ms = *since;
  if (since && q.until_ms && *q.until_ms <= *since) {
    r.Error("until", "value_error", "until must be after since");
  }
  if (std::optional<std::string> cursor = r.String("cursor", false, 64)) {
    q.before_seq = DecodeCursor(*cursor);
    if (!q.before_seq) r.Error("cursor", "value_error", "not a valid cursor");
  }
  if (!errors.empty()) return errors.ToStatus();
  return q;
}

}  // namespace

absl::StatusOr<HttpResponse> RetryDelivery(Services& s, const RequestContext& ctx) {
  if (s.deliveries == nullptr) return absl::UnavailableError("Delivery store not available");
  absl::StatusOr<Webhook> w = Resolve(s, ctx);
  if (!w.ok()) return w.status();
  if (!IsDeliveryId(ctx.path_params[1])) {
    return absl::NotFoundError("Webhook " + w->webhook_id + " has no delivery " +
                               ctx.path_params[1]);
  }
  // Whether it would be sent (webhook active, channel there and enabled) is the store's to
  // check, in the retry's own transaction.
  const TimePoint now = s.clock();
  absl::StatusOr<Delivery> d = s.deliveries->RetryDelivery(ctx.internal_id, w->webhook_id,
                                                           ctx.path_params[1], UnixMillis(now));
  if (!d.ok()) return d.status();
  rapidjson::StringBuffer buf;
  JsonWriter out(buf);
  out.StartObject();
  WriteDeliveryIdentity(*d, out);
  out.Key("next_attempt_at");
  out.String(FormatTimestamp(now));
  out.EndObject();
  return JsonResponse(202, std::string(buf.GetString(), buf.GetSize()));
}

absl::StatusOr<HttpResponse> RecoverDeliveries(Services& s, const RequestContext& ctx) {
  if (s.deliveries == nullptr) return absl::UnavailableError("Delivery store not available");
  absl::StatusOr<RecoverQuery> q = ParseRecoverBody(ctx.request);
  if (!q.ok()) return q.status();
  absl::StatusOr<Webhook> w = Resolve(s, ctx);
  if (!w.ok()) return w.status();
  // The store refuses an inactive webhook and leaves deliveries of removed or disabled channels
  // failed, checking in the retry's own transaction.
  absl::StatusOr<RecoverResult> r =
      s.deliveries->RetryFailedSince(ctx.internal_id, w->webhook_id, *q, UnixMillis(s.clock()));
  if (!r.ok()) return r.status();
  const std::string next =
      r->next_before_seq ? "\"" + EncodeCursor(*r->next_before_seq) + "\"" : "null";
  return JsonResponse(202, R"({"retried":)" + std::to_string(r->retried) + R"(,"complete":)" +
                               (r->next_before_seq ? "false" : "true") + R"(,"next_cursor":)" +
                               next + "}");
}

}  // namespace webhooks::handlers

// Pieces every handler file uses.
#ifndef WEBHOOKS_FCGI_HANDLERS_HANDLER_UTIL_H_
#define WEBHOOKS_FCGI_HANDLERS_HANDLER_UTIL_H_

#include <rapidjson/document.h>

#include <string>

#include "absl/status/statusor.h"
#include "fcgi/router.h"
#include "model/event.h"
#include "model/json_input.h"
#include "model/validation.h"

namespace webhooks::handlers {

// Parses the body as JSON into *doc; *present is false for an empty body. A body whose
// Content-Type is not JSON is refused (FailedPrecondition -> 415).
absl::Status ParseBody(const HttpRequest& req, rapidjson::Document* doc, bool* present);

// The webhook that ctx.path_params[0] names: a webhook_id, else a webhook_name naming exactly
// one webhook of ctx's organization. NotFound, or Aborted (409) when the name is ambiguous.
absl::StatusOr<Webhook> Resolve(Services& s, const RequestContext& ctx);

// Writes the webhook as clients see it, with its delivery state: last_error (null or
// {channel, channel_index, message, status_code, occurred_at}) and, when any, disabled_channels.
void WriteApiWebhook(Services& s, const Webhook& webhook, JsonWriter& w);
std::string ApiWebhookJson(Services& s, const Webhook& webhook);

// The members naming a delivery: delivery_id, webhook_id, event_id, event_type, channel_index,
// status (inside an object the caller started).
void WriteDeliveryIdentity(const Delivery& d, JsonWriter& out);

// The event in the body of POST /v1/events (ParseEventBody), for ctx's organization: a missing
// body is a 422 at ["body"].
absl::StatusOr<Event> ParseEventRequest(Services& s, const RequestContext& ctx);

// Whether `event` need not be appended: its producer-chosen id was already queued for delivery
// once (the notifier records seen ids). False for a generated id, or without a delivery store.
absl::StatusOr<bool> EventIdSeen(Services& s, const Event& event);

// A whole non-negative decimal number.
bool ParseSize(const std::string& text, size_t* out);

}  // namespace webhooks::handlers

#endif  // WEBHOOKS_FCGI_HANDLERS_HANDLER_UTIL_H_

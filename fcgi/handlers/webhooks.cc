// /v1/organizations/webhooks: create, list, get, update (PUT), delete.
#include <algorithm>
#include <charconv>
#include <chrono>

#include "common/crypto.h"
#include "common/ids.h"
#include "common/time_format.h"
#include "fcgi/handlers/handler_util.h"
#include "fcgi/routes.h"
#include "model/channel_codec.h"
#include "model/cursor.h"
#include "model/event_types.h"
#include "model/json_fields.h"
#include "model/validation.h"
#include "model/webhook_codec.h"

namespace webhooks::handlers {
namespace {

constexpr size_t kMaxLimit = 1000;
constexpr size_t kMaxOffset = 10000;

absl::StatusOr<WebhookSpec> ParseSpecBody(const HttpRequest& req) {
  rapidjson::Document doc;
  bool present = false;
  if (absl::Status st = ParseBody(req, &doc, &present); !st.ok()) return st;
  if (!present) return FieldFailure("missing", {"body"}, "Request body required");
  return ParseWebhookSpec(doc);
}

// How long a replaced signing secret keeps signing next to the new one (Svix's overlap).
constexpr auto kSecretOverlap = std::chrono::hours(24);

// Gives every HTTP channel without a signing_secret one: the secret of the previous version's
// HTTP channel at the same index when there is one (a PUT must not silently rotate the key
// receivers verify with), else a new random one. A new secret given for such a channel keeps
// the old one signing for kSecretOverlap from `now` (previous_signing_secret); an unchanged one
// keeps the rotation in progress, if any, until it expires.
void AssignSigningSecrets(WebhookSpec& spec, const WebhookSpec* previous, TimePoint now) {
  const int64_t now_ms = UnixMillis(now);
  for (size_t i = 0; i < spec.channels.size(); ++i) {
    auto* http = std::get_if<HttpChannel>(&spec.channels[i]);
    if (http == nullptr) continue;
    http->previous_signing_secret.clear();  // read-only: never from the request
    http->previous_secret_expires_ms = 0;
    const HttpChannel* old = previous != nullptr && i < previous->channels.size()
                                 ? std::get_if<HttpChannel>(&previous->channels[i])
                                 : nullptr;
    if (old == nullptr) {
      if (http->signing_secret.empty()) http->signing_secret = NewSigningSecret();
      continue;
    }
    if (http->signing_secret.empty() && old->signing_secret.empty()) {
      http->signing_secret = NewSigningSecret();
    } else if (http->signing_secret.empty() || http->signing_secret == old->signing_secret) {
      http->signing_secret = old->signing_secret;
      if (old->previous_secret_expires_ms > now_ms) {
        http->previous_signing_secret = old->previous_signing_secret;
        http->previous_secret_expires_ms = old->previous_secret_expires_ms;
      }
    } else if (!old->signing_secret.empty()) {
      http->previous_signing_secret = old->signing_secret;
      http->previous_secret_expires_ms =
          UnixMillis(std::chrono::time_point_cast<std::chrono::seconds>(now + kSecretOverlap));
    }
  }
}

struct ListParams {
  ListQuery query;
  bool include_total = false;
  bool cursor_given = false;
};

void ParseQueryParam(const std::string& name, const std::string& value, ListParams& p,
                     ValidationErrors& errors) {
  Path at = {"query", name};
  size_t n = 0;
  if (name == "limit") {
    if (!ParseSize(value, &n) || n < 1 || n > kMaxLimit) {
      errors.Add("value_error", at, "limit must be an integer from 1 to 1000");
    }
    p.query.limit = n;
  } else if (name == "offset") {
    if (!ParseSize(value, &n) || n > kMaxOffset) {
      errors.Add("value_error", at, "offset must be an integer from 0 to 10000");
    }
    p.query.offset = n;
  } else if (name == "cursor") {
    p.cursor_given = !value.empty();
    if (!value.empty()) {
      p.query.after_seq = DecodeCursor(value);
      if (!p.query.after_seq) errors.Add("value_error", at, "cursor is not a valid cursor");
    }
  } else if (name == "include_total") {
    if (value != "true" && value != "false" && value != "1" && value != "0") {
      errors.Add("bool_parsing", at, "include_total must be true or false");
    }
    p.include_total = value == "true" || value == "1";
  }
}

// Reads limit/offset/cursor/include_total and the optional {event_type, is_active} filter.
absl::StatusOr<ListParams> ParseListParams(const HttpRequest& req, size_t default_limit,
                                           const rapidjson::Value* filter) {
  ListParams p;
  p.query.limit = default_limit;
  auto query = ParseQuery(req.query);
  if (!query) return absl::InvalidArgumentError("Malformed query string");
  ValidationErrors errors;
  for (const auto& [name, value] : *query) ParseQueryParam(name, value, p, errors);
  if (filter != nullptr && !filter->IsObject()) {
    errors.Add("dict_type", {"body"}, "Input should be a valid dictionary or empty");
  } else if (filter != nullptr) {
    FieldReader r(*filter, {"body"}, errors);
    if (auto type = r.String("event_type", false, 64)) {
      p.query.event_type_index = EventTypeIndex(*type);
      if (!p.query.event_type_index) {
        r.Error("event_type", "enum", "Unknown event type '" + *type + "'");
      }
    }
    p.query.is_active = r.Bool("is_active");
  }
  if (!errors.empty()) return errors.ToStatus();
  return p;
}

void WriteResults(Services& s, const WebhookPage& page, JsonWriter& w) {
  w.StartArray();
  for (const Webhook& item : page.items) WriteApiWebhook(s, item, w);
  w.EndArray();
}

void WritePagination(const ListParams& p, const WebhookPage& page, JsonWriter& w) {
  const uint64_t limit = p.query.limit;
  w.StartObject();
  w.Key("total");
  p.include_total ? w.Uint64(page.total) : w.Null();
  w.Key("page");
  p.cursor_given ? w.Null() : w.Uint64(p.query.offset / limit + 1);
  w.Key("page_size");
  w.Uint64(limit);
  w.Key("total_pages");
  p.include_total ? w.Uint64((page.total + limit - 1) / limit) : w.Null();
  w.Key("next_page");
  w.Null();
  w.Key("previous_page");
  w.Null();
  w.Key("next_cursor");
  page.next_after_seq ? w.String(EncodeCursor(*page.next_after_seq)) : w.Null();
  w.EndObject();
}

// The Idempotency-Key of a create: 1 to 255 printable ASCII characters. The fingerprint is set
// once the body is parsed (RequestFingerprint).
absl::StatusOr<IdempotentCreate> ReadIdempotencyKey(const HttpRequest& req, TimePoint now) {
  const std::string& key = *req.idempotency_key;
  if (key.empty() || key.size() > 255 ||
      !std::all_of(key.begin(), key.end(), [](char c) { return c >= 0x20 && c <= 0x7e; })) {
    return absl::InvalidArgumentError(
        "Idempotency-Key must be 1 to 255 printable ASCII characters");
  }
  return IdempotentCreate{key, "", UnixMillis(now)};
}

// What makes two creates the same request: the SHA-256 of the parsed spec in its stored form,
// without the read-only fields AssignSigningSecrets clears and before it generates secrets.
// Whitespace, member order (except within `headers`, `payload_template` and `filters`, kept as
// given), the server-owned fields a client may send back (webhook_id, created_at, updated_at,
// previous_signing_secret), unknown members and defaults given explicitly do not change it: a
// client that re-serialises its retry is still repeating it.
std::string RequestFingerprint(const WebhookSpec& spec) {
  Webhook bare;
  bare.spec = spec;
  for (Channel& c : bare.spec.channels) {
    if (auto* http = std::get_if<HttpChannel>(&c)) {
      http->previous_signing_secret.clear();
      http->previous_secret_expires_ms = 0;
    }
  }
  return Sha256(EncodeWebhook(bare, Audience::kStorage));
}

// The answer to a repeated Idempotency-Key: the webhook the first request created, as it is now
// (not as it was: a PUT since may have removed a leaked credential).
absl::StatusOr<HttpResponse> Replay(Services& s, const RequestContext& ctx,
                                    const std::string& webhook_id) {
  absl::StatusOr<Webhook> w = s.webhooks.GetWebhook(ctx.internal_id, webhook_id);
  if (absl::IsNotFound(w.status())) {
    return absl::AbortedError("Idempotency-Key created webhook " + webhook_id +
                              ", which was deleted since; use a new key");
  }
  if (!w.ok()) return w.status();
  HttpResponse again = JsonResponse(201, ApiWebhookJson(s, *w));
  again.headers.emplace_back("Idempotent-Replayed", "true");
  return again;
}

}  // namespace

// With an Idempotency-Key, a repeat within kIdempotencyWindowMs asking for the same webhook
// (RequestFingerprint) creates nothing and answers 201 with the webhook the first request
// created.
absl::StatusOr<HttpResponse> CreateWebhook(Services& s, const RequestContext& ctx) {
  std::optional<IdempotentCreate> once;
  if (ctx.request.idempotency_key) {
    absl::StatusOr<IdempotentCreate> key = ReadIdempotencyKey(ctx.request, s.clock());
    if (!key.ok()) return key.status();
    once = *std::move(key);
  }
  absl::StatusOr<WebhookSpec> spec = ParseSpecBody(ctx.request);
  if (!spec.ok()) return spec.status();
  if (once) once->fingerprint = RequestFingerprint(*spec);
  Webhook w;
  w.internal_id = ctx.internal_id;
  w.spec = *std::move(spec);
  const TimePoint now = s.clock();
  AssignSigningSecrets(w.spec, nullptr, now);
  w.created_at = w.updated_at = FormatTimestamp(now);
  absl::StatusOr<std::optional<std::string>> earlier;  // the webhook_id a repeated key made
  for (int attempt = 0; attempt < 3; ++attempt) {      // a 62^10 id collision is retried
    w.webhook_id = NewWebhookId();
    if (once) {
      earlier = s.webhooks.CreateWebhookOnce(&w, *once);
    } else if (absl::Status st = s.webhooks.CreateWebhook(&w); st.ok()) {
      earlier = std::optional<std::string>();
    } else {
      earlier = st;
    }
    if (!absl::IsAlreadyExists(earlier.status())) break;
  }
  if (!earlier.ok()) return earlier.status();
  if (earlier->has_value()) return Replay(s, ctx, **earlier);
  return JsonResponse(201, ApiWebhookJson(s, w));
}

absl::StatusOr<HttpResponse> ListWebhooks(Services& s, const RequestContext& ctx) {
  rapidjson::Document body;
  bool present = false;
  if (absl::Status st = ParseBody(ctx.request, &body, &present); !st.ok()) return st;
  absl::StatusOr<ListParams> p = ParseListParams(ctx.request, 20, present ? &body : nullptr);
  if (!p.ok()) return p.status();
  absl::StatusOr<WebhookPage> page = s.webhooks.ListWebhooks(ctx.internal_id, p->query);
  if (!page.ok()) return page.status();
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("results");
  WriteResults(s, *page, w);
  w.Key("pagination");
  WritePagination(*p, *page, w);
  w.Key("total");
  w.Uint64(page->total);
  w.EndObject();
  return JsonResponse(200, std::string(buf.GetString(), buf.GetSize()));
}

absl::StatusOr<HttpResponse> ListWebhooksLegacy(Services& s, const RequestContext& ctx) {
  absl::StatusOr<ListParams> p = ParseListParams(ctx.request, kMaxLimit, nullptr);
  if (!p.ok()) return p.status();
  absl::StatusOr<WebhookPage> page = s.webhooks.ListWebhooks(ctx.internal_id, p->query);
  if (!page.ok()) return page.status();
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  WriteResults(s, *page, w);
  return JsonResponse(200, std::string(buf.GetString(), buf.GetSize()));
}

absl::StatusOr<HttpResponse> GetWebhook(Services& s, const RequestContext& ctx) {
  absl::StatusOr<Webhook> w = Resolve(s, ctx);
  if (!w.ok()) return w.status();
  return JsonResponse(200, ApiWebhookJson(s, *w));
}

absl::StatusOr<HttpResponse> UpdateWebhook(Services& s, const RequestContext& ctx) {
  absl::StatusOr<WebhookSpec> spec = ParseSpecBody(ctx.request);
  if (!spec.ok()) return spec.status();
  absl::StatusOr<Webhook> w = Resolve(s, ctx);
  if (!w.ok()) return w.status();
  const TimePoint now = s.clock();
  // Secrets are assigned against the webhook as stored in the same write, so a concurrent PUT
  // can neither lose this one's rotation nor have its own lost.
  absl::StatusOr<Webhook> stored =
      s.webhooks.UpdateWebhook(ctx.internal_id, w->webhook_id, [&](Webhook& current) {
        WebhookSpec next = *spec;  // from the request on every run (it may run again)
        AssignSigningSecrets(next, &current.spec, now);
        current.spec = std::move(next);
        current.updated_at = FormatTimestamp(now);
        return absl::OkStatus();
      });
  if (!stored.ok()) return stored.status();
  // The new configuration is the owner's fix for a disabled channel: enabled again, with fresh
  // failure counts.
  if (s.deliveries != nullptr) {
    absl::StatusOr<bool> enabled =
        s.deliveries->EnableChannels(ctx.internal_id, stored->webhook_id);
    if (!enabled.ok()) return enabled.status();
  }
  return JsonResponse(200, ApiWebhookJson(s, *stored));
}

absl::StatusOr<HttpResponse> DeleteWebhook(Services& s, const RequestContext& ctx) {
  absl::StatusOr<Webhook> w = Resolve(s, ctx);
  if (absl::IsNotFound(w.status())) return JsonResponse(204, "");  // idempotent
  if (!w.ok()) return w.status();
  absl::Status st = s.webhooks.DeleteWebhook(ctx.internal_id, w->webhook_id);
  if (!st.ok() && !absl::IsNotFound(st)) return st;
  return JsonResponse(204, "");
}

}  // namespace webhooks::handlers

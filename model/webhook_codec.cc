#include "model/webhook_codec.h"

#include <algorithm>

#include "common/ids.h"
#include "common/time_format.h"
#include "model/channel_codec.h"
#include "model/event_filter.h"
#include "model/event_types.h"
#include "model/json_fields.h"

namespace webhooks {
namespace {

std::vector<std::string> ParseEventTypes(FieldReader& r) {
  std::optional<std::vector<std::string>> list = r.StringList("event_types", true, true, 64, 64);
  if (!list) return {};
  std::vector<std::string> unique;
  std::string unknown;
  for (const std::string& t : *list) {
    if (!IsSubscribableEventType(t)) {
      unknown += (unknown.empty() ? "'" : ", '") + t + "'";
    } else if (std::find(unique.begin(), unique.end(), t) == unique.end()) {
      unique.push_back(t);
    }
  }
  if (!unknown.empty()) {
    r.Error("event_types", "enum",
            "Unknown event types: " + unknown + ". Allowed: '*' or one of the " +
                std::to_string(AllEventTypes().size()) + " documented event types");
  }
  return unique;
}

std::vector<Channel> ParseChannels(FieldReader& r, ValidationErrors& errors) {
  const rapidjson::Value* v = r.Find("channels");
  if (v == nullptr) {
    r.Error("channels", "missing", "Field required");
    return {};
  }
  if (!v->IsArray()) {
    r.Error("channels", "list_type", "Input should be a valid list");
    return {};
  }
  if (v->Empty() || v->Size() > kMaxChannels) {
    r.Error("channels", v->Empty() ? "too_short" : "too_long",
            "List should have 1 to " + std::to_string(kMaxChannels) + " channels");
    return {};
  }
  std::vector<Channel> out;
  for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
    if (auto ch = ParseChannel((*v)[i], Child(r.At("channels"), i), errors)) {
      out.push_back(std::move(*ch));
    }
  }
  return out;
}

void WriteSpecFields(const WebhookSpec& s, JsonWriter& w) {
  w.Key("webhook_name");
  w.String(s.webhook_name);
  if (s.description) {
    w.Key("description");
    w.String(*s.description);
  }
  w.Key("event_types");
  w.StartArray();
  for (const std::string& t : s.event_types) w.String(t);
  w.EndArray();
  w.Key("channels");
  w.StartArray();
  for (const Channel& c : s.channels) WriteChannel(c, w);
  w.EndArray();
  if (!s.filters.empty()) {  // absent from the answers of webhooks without filters
    w.Key("filters");
    WriteEventFilters(s.filters, w);
  }
  w.Key("is_active");
  w.Bool(s.is_active);
}

}  // namespace

absl::StatusOr<WebhookSpec> ParseWebhookSpec(const rapidjson::Value& body) {
  ValidationErrors errors;
  if (!body.IsObject()) {
    errors.Add("dict_type", {"body"}, "Input should be a valid dictionary (a JSON object)");
    return errors.ToStatus();
  }
  FieldReader r(body, {"body"}, errors);
  WebhookSpec spec;
  if (auto name = r.String("webhook_name", true, kMaxWebhookName)) spec.webhook_name = *name;
  spec.description = r.String("description", false, kMaxDescription);
  spec.event_types = ParseEventTypes(r);
  spec.channels = ParseChannels(r, errors);
  spec.filters = ParseEventFilters(r.Find("filters"), r.At("filters"), errors);
  if (auto active = r.Bool("is_active")) spec.is_active = *active;
  if (!errors.empty()) return errors.ToStatus();
  return spec;
}

void WriteWebhook(const Webhook& webhook, Audience audience, JsonWriter& w,
                  const std::function<void(JsonWriter&)>& extra) {
  w.StartObject();
  w.Key("webhook_id");
  w.String(webhook.webhook_id);
  if (audience == Audience::kStorage) {
    w.Key("internal_id");
    w.String(webhook.internal_id);
    w.Key("seq");
    w.Uint64(webhook.seq);
  }
  WriteSpecFields(webhook.spec, w);
  w.Key("created_at");
  w.String(webhook.created_at);
  w.Key("updated_at");
  w.String(webhook.updated_at);
  if (extra) extra(w);
  w.EndObject();
}

std::string EncodeWebhook(const Webhook& webhook, Audience audience) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  WriteWebhook(webhook, audience, w);
  return std::string(buf.GetString(), buf.GetSize());
}

absl::StatusOr<Webhook> DecodeStoredWebhook(std::string_view json) {
  rapidjson::Document doc;
  if (absl::Status st = ParseJson(json, &doc); !st.ok()) return absl::DataLossError(st.message());
  return DecodeStoredWebhook(doc);
}

absl::StatusOr<Webhook> DecodeStoredWebhook(const rapidjson::Value& doc) {
  if (!doc.IsObject()) return absl::DataLossError("stored webhook is not a JSON object");
  absl::StatusOr<WebhookSpec> spec = ParseWebhookSpec(doc);
  if (!spec.ok())
    return absl::DataLossError("stored webhook invalid: " + std::string(spec.status().message()));
  Webhook w;
  w.spec = *std::move(spec);
  auto str = [&](const char* key) -> std::string {
    auto it = doc.FindMember(key);
    return it != doc.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
  };
  w.webhook_id = str("webhook_id");
  w.internal_id = str("internal_id");
  w.created_at = str("created_at");
  w.updated_at = str("updated_at");
  auto seq = doc.FindMember("seq");
  if (seq != doc.MemberEnd() && seq->value.IsUint64()) w.seq = seq->value.GetUint64();
  if (!IsWebhookId(w.webhook_id) || !IsOrganizationId(w.internal_id) ||
      !ParseTimestamp(w.created_at) || !ParseTimestamp(w.updated_at)) {
    return absl::DataLossError("stored webhook has malformed server fields");
  }
  return w;
}

}  // namespace webhooks

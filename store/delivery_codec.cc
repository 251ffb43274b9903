#include "store/delivery_codec.h"

#include <array>

namespace webhooks {
namespace {

uint64_t U64(const rapidjson::Value& o, const char* key) {
  auto it = o.FindMember(key);
  return it != o.MemberEnd() && it->value.IsUint64() ? it->value.GetUint64() : 0;
}

int64_t I64(const rapidjson::Value& o, const char* key) {
  auto it = o.FindMember(key);
  return it != o.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : 0;
}

absl::Status ParseObject(std::string_view json, rapidjson::Document* doc, const char* what) {
  if (!ParseJson(json, doc).ok() || !doc->IsObject()) {
    return absl::DataLossError(std::string("malformed ") + what + " record");
  }
  return absl::OkStatus();
}

void Field(JsonWriter& w, const char* key, const std::string& v) {
  w.Key(key);
  w.String(v);
}

}  // namespace

std::string_view DeliveryStateName(DeliveryState s) {
  static constexpr std::array<std::string_view, 4> kNames = {"pending", "succeeded", "failed",
                                                             "cancelled"};
  return kNames[static_cast<size_t>(s)];
}

std::string EncodeDelivery(const Delivery& d) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  Field(w, "delivery_id", d.delivery_id);
  Field(w, "internal_id", d.internal_id);
  Field(w, "webhook_id", d.webhook_id);
  w.Key("channel_index");
  w.Uint(d.channel_index);
  w.Key("target_index");
  w.Uint(d.target_index);
  Field(w, "event_id", d.event_id);
  Field(w, "event_type", d.event_type);
  w.Key("envelope");
  w.RawValue(d.envelope_json.data(), d.envelope_json.size(), rapidjson::kObjectType);
  w.Key("state");
  w.Uint(static_cast<unsigned>(d.state));
  w.Key("attempts");
  w.Uint(d.attempts);
  w.Key("next_attempt_ms");
  w.Int64(d.next_attempt_ms);
  Field(w, "created_at", d.created_at);
  w.EndObject();
  return BufferText(buf);
}

absl::StatusOr<Delivery> DecodeDelivery(std::string_view json) {
  rapidjson::Document doc;
  if (absl::Status st = ParseObject(json, &doc, "delivery"); !st.ok()) return st;
  Delivery d;
  d.delivery_id = StringMember(doc, "delivery_id");
  d.internal_id = StringMember(doc, "internal_id");
  d.webhook_id = StringMember(doc, "webhook_id");
  d.channel_index = static_cast<uint32_t>(U64(doc, "channel_index"));
  d.target_index = static_cast<uint32_t>(U64(doc, "target_index"));
  d.event_id = StringMember(doc, "event_id");
  d.event_type = StringMember(doc, "event_type");
  auto env = doc.FindMember("envelope");
  if (env == doc.MemberEnd() || !env->value.IsObject())
    return absl::DataLossError("delivery without envelope");
  d.envelope_json = ToJson(env->value);
  uint64_t state = U64(doc, "state");
  if (state > 3) return absl::DataLossError("delivery with unknown state");
  d.state = static_cast<DeliveryState>(state);
  d.attempts = static_cast<uint32_t>(U64(doc, "attempts"));
  d.next_attempt_ms = I64(doc, "next_attempt_ms");
  d.created_at = StringMember(doc, "created_at");
  return d;
}

void WriteAttempt(const Attempt& a, JsonWriter& w) {
  w.StartObject();
  w.Key("attempt_id");
  w.Uint64(a.seq);
  Field(w, "delivery_id", a.delivery_id);
  Field(w, "webhook_id", a.webhook_id);
  Field(w, "event_id", a.event_id);
  Field(w, "event_type", a.event_type);
  Field(w, "channel", a.channel);
  w.Key("channel_index");
  w.Uint(a.channel_index);
  w.Key("attempt");
  w.Uint(a.attempt);
  Field(w, "status", a.status);
  w.Key("status_code");
  a.status_code != 0 ? w.Int(a.status_code) : w.Null();
  w.Key("duration_ms");
  w.Int64(a.duration_ms);
  w.Key("error");
  a.error.empty() ? w.Null() : w.String(a.error);
  Field(w, "response_excerpt", a.response_excerpt);
  Field(w, "attempted_at", a.attempted_at);
  w.Key("next_attempt_at");
  a.next_attempt_at ? w.String(*a.next_attempt_at) : w.Null();
  w.EndObject();
}

std::string EncodeAttempt(const Attempt& a) {
  rapidjson::StringBuffer buf(nullptr, 1024);  // most records fit: no regrowth
  JsonWriter w(buf);
  WriteAttempt(a, w);
  return BufferText(buf);
}

absl::StatusOr<Attempt> DecodeAttempt(std::string_view json) {
  rapidjson::Document doc;
  if (absl::Status st = ParseObject(json, &doc, "attempt"); !st.ok()) return st;
  Attempt a;
  a.seq = U64(doc, "attempt_id");
  a.delivery_id = StringMember(doc, "delivery_id");
  a.webhook_id = StringMember(doc, "webhook_id");
  a.event_id = StringMember(doc, "event_id");
  a.event_type = StringMember(doc, "event_type");
  a.channel = StringMember(doc, "channel");
  a.channel_index = static_cast<uint32_t>(U64(doc, "channel_index"));
  a.attempt = static_cast<uint32_t>(U64(doc, "attempt"));
  a.status = StringMember(doc, "status");
  a.status_code = static_cast<int>(I64(doc, "status_code"));
  a.duration_ms = I64(doc, "duration_ms");
  a.error = StringMember(doc, "error");
  a.response_excerpt = StringMember(doc, "response_excerpt");
  a.attempted_at = StringMember(doc, "attempted_at");
  auto next = doc.FindMember("next_attempt_at");
  if (next != doc.MemberEnd() && next->value.IsString())
    a.next_attempt_at = next->value.GetString();
  return a;
}

void WriteLastError(const std::optional<LastError>& e, JsonWriter& w) {
  if (!e) {
    w.Null();
    return;
  }
  w.StartObject();
  Field(w, "channel", e->channel);
  w.Key("channel_index");
  w.Uint(e->channel_index);
  Field(w, "message", e->message);
  w.Key("status_code");
  e->status_code != 0 ? w.Int(e->status_code) : w.Null();
  Field(w, "occurred_at", e->occurred_at);
  w.EndObject();
}

std::string EncodeWebhookState(const WebhookDeliveryState& s) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("last_error");
  WriteLastError(s.last_error, w);
  w.Key("disabled_channels");
  w.StartArray();
  for (const auto& [index, why] : s.disabled_channels) {
    w.StartObject();
    w.Key("channel_index");
    w.Uint(index);
    Field(w, "reason", why);
    w.EndObject();
  }
  w.EndArray();
  if (!s.failing.empty()) {  // absent in records written before streaks were kept
    w.Key("failing");
    w.StartArray();
    for (const FailureStreak& f : s.failing) {
      w.StartObject();
      w.Key("channel_index");
      w.Uint(f.channel_index);
      w.Key("since_ms");
      w.Int64(f.since_ms);
      w.Key("last_ms");
      w.Int64(f.last_ms);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  return BufferText(buf);
}

absl::StatusOr<WebhookDeliveryState> DecodeWebhookState(std::string_view json) {
  rapidjson::Document doc;
  if (absl::Status st = ParseObject(json, &doc, "webhook state"); !st.ok()) return st;
  WebhookDeliveryState s;
  auto le = doc.FindMember("last_error");
  if (le != doc.MemberEnd() && le->value.IsObject()) {
    const rapidjson::Value& v = le->value;
    s.last_error =
        LastError{StringMember(v, "channel"), static_cast<uint32_t>(U64(v, "channel_index")),
                  StringMember(v, "message"), static_cast<int>(I64(v, "status_code")),
                  StringMember(v, "occurred_at")};
  }
  auto dc = doc.FindMember("disabled_channels");
  if (dc != doc.MemberEnd() && dc->value.IsArray()) {
    for (const auto& item : dc->value.GetArray()) {
      if (!item.IsObject()) continue;
      s.disabled_channels.emplace_back(static_cast<uint32_t>(U64(item, "channel_index")),
                                       StringMember(item, "reason"));
    }
  }
  auto fs = doc.FindMember("failing");
  if (fs != doc.MemberEnd() && fs->value.IsArray()) {
    for (const auto& item : fs->value.GetArray()) {
      if (!item.IsObject()) continue;
      s.failing.push_back(FailureStreak{static_cast<uint32_t>(U64(item, "channel_index")),
                                        I64(item, "since_ms"), I64(item, "last_ms")});
    }
  }
  return s;
}

}  // namespace webhooks

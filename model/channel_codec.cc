#include "model/channel_codec.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cmath>
#include <string>

#include "common/time_format.h"
#include "model/json_fields.h"
#include "model/retry_schedule.h"

namespace webhooks {
namespace {

constexpr size_t kMaxShort = 256;
constexpr size_t kMaxTemplate = 100000;
constexpr size_t kMaxHeaders = 50;
constexpr size_t kMaxAddresses = 100;

// Headers the notifier sets itself; a channel may not override them.
constexpr std::array<std::string_view, 8> kReservedHeaders = {
    "content-length",    "host",        "transfer-encoding",
    "connection",        "webhook-id",  "webhook-timestamp",
    "webhook-signature", "content-type"};

bool IsHeaderName(std::string_view name) {
  static constexpr std::string_view kTchar = "!#$%&'*+-.^_`|~";
  return !name.empty() && name.size() <= kMaxShort &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || kTchar.find(c) != kTchar.npos;
         });
}

bool IsHeaderValue(std::string_view value) {
  return value.size() <= 8192 && std::none_of(value.begin(), value.end(), [](char c) {
           return c == '\r' || c == '\n' || c == '\0';
         });
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void CheckUrl(FieldReader& r, const char* key, const std::optional<std::string>& url) {
  if (url && !IsHttpUrl(*url)) {
    r.Error(key, "url_parsing", "Input should be an absolute http or https URL");
  }
}

void ParseHeaders(FieldReader& r, HttpChannel& http) {
  const rapidjson::Value* headers = r.Object("headers", false);
  if (headers == nullptr) return;
  if (headers->MemberCount() > kMaxHeaders) {
    r.Error("headers", "too_long", "At most " + std::to_string(kMaxHeaders) + " headers");
    return;
  }
  std::vector<std::string> seen;
  for (auto it = headers->MemberBegin(); it != headers->MemberEnd(); ++it) {
    std::string name(it->name.GetString(), it->name.GetStringLength());
    if (std::find(seen.begin(), seen.end(), Lower(name)) != seen.end()) {
      r.Error("headers", "value_error", "Header '" + name + "' is given twice");
      continue;
    }
    seen.push_back(Lower(name));
    if (!IsHeaderName(name)) {
      r.Error("headers", "value_error", "Invalid header name: '" + name + "'");
    } else if (std::find(kReservedHeaders.begin(), kReservedHeaders.end(), Lower(name)) !=
               kReservedHeaders.end()) {
      r.Error("headers", "value_error", "Header '" + name + "' is set by the service");
    } else if (!it->value.IsString()) {
      r.Error("headers", "string_type", "Header '" + name + "' should be a string");
    } else if (!IsHeaderValue(
                   std::string_view(it->value.GetString(), it->value.GetStringLength()))) {
      r.Error("headers", "value_error", "Header '" + name + "' contains CR, LF or NUL");
    } else {
      http.headers.emplace_back(name, it->value.GetString());
    }
  }
}

// The service writes the previous secret and its expiry (ParseHttp reads stored channels too); a
// request's values for them are ignored, valid or not, as read-only fields.
void ParsePreviousSecret(FieldReader& r, HttpChannel& http) {
  const rapidjson::Value* secret = r.Find("previous_signing_secret");
  const rapidjson::Value* expires = r.Find("previous_signing_secret_expires_at");
  if (secret == nullptr || expires == nullptr || !secret->IsString() || !expires->IsString()) {
    return;
  }
  std::string_view text(secret->GetString(), secret->GetStringLength());
  std::optional<TimePoint> at =
      ParseTimestamp(std::string_view(expires->GetString(), expires->GetStringLength()));
  if (!IsSigningSecret(text) || !at) return;
  http.previous_signing_secret = std::string(text);
  http.previous_secret_expires_ms = UnixMillis(*at);
}

void ParseRateLimit(FieldReader& r, HttpChannel& http) {
  const rapidjson::Value* v = r.Find("rate_limit");
  if (v != nullptr && !v->IsNumber()) {
    r.Error("rate_limit", "int_type", "Input should be a valid integer");
    return;
  }
  std::optional<double> rate = r.Number("rate_limit");
  if (!rate) return;
  if (*rate != std::floor(*rate)) {
    r.Error("rate_limit", "int_type", "Input should be a valid integer");
  } else if (*rate < kMinRateLimit || *rate > kMaxRateLimit) {
    r.Error("rate_limit", "value_error",
            "rate_limit should be from " + std::to_string(kMinRateLimit) + " to " +
                std::to_string(kMaxRateLimit) + " attempts per second");
  } else {
    http.rate_limit = static_cast<uint32_t>(*rate);
  }
}

HttpChannel ParseHttp(FieldReader& r) {
  HttpChannel http;
  if (auto url = r.String("url", true, kMaxChannelUrl)) {
    CheckUrl(r, "url", url);
    http.url = *url;
  }
  ParseHeaders(r, http);
  const rapidjson::Value* tmpl = r.Find("payload_template");
  if (tmpl != nullptr && !tmpl->IsObject()) {
    r.Error("payload_template", "dict_type", "Input should be a valid dictionary or null");
  } else if (tmpl != nullptr) {
    http.payload_template = ToJson(*tmpl);
  }
  if (auto secret = r.String("signing_secret", false, 200)) {
    if (!IsSigningSecret(*secret)) {
      r.Error("signing_secret", "value_error",
              "signing_secret must be 'whsec_' + base64 of 24 to 64 bytes");
    }
    http.signing_secret = *secret;
  }
  ParsePreviousSecret(r, http);
  if (auto timeout = r.Number("timeout")) {
    if (*timeout <= 0 || *timeout > 300) {
      r.Error("timeout", "value_error", "timeout should be greater than 0 and at most 300 seconds");
    }
    http.timeout_seconds = *timeout;
  }
  ParseRateLimit(r, http);
  if (auto schedule = r.String("retry_schedule", false, 1000)) {
    if (absl::Status st = CheckChannelRetrySchedule(*schedule); !st.ok()) {
      r.Error("retry_schedule", "value_error", std::string(st.message()));
    }
    http.retry_schedule = *schedule;
  }
  return http;
}

SlackChannel ParseSlack(FieldReader& r) {
  SlackChannel s;
  s.bot_token = r.String("bot_token", false, kMaxShort);
  s.channel_id = r.String("channel_id", false, kMaxShort);
  s.workspace_id = r.String("workspace_id", false, kMaxShort);
  s.webhook_url = r.String("webhook_url", false, kMaxChannelUrl);
  s.channel = r.String("channel", false, kMaxShort);
  s.username = r.String("username", false, kMaxShort);
  s.icon_emoji = r.String("icon_emoji", false, kMaxShort);
  s.icon_url = r.String("icon_url", false, kMaxChannelUrl);
  s.blocks_template = r.String("blocks_template", false, kMaxTemplate);
  CheckUrl(r, "webhook_url", s.webhook_url);
  CheckUrl(r, "icon_url", s.icon_url);
  bool web_api = r.Find("bot_token") != nullptr || r.Find("channel_id") != nullptr;
  if (web_api) {
    if (r.Find("bot_token") == nullptr)
      r.Error("bot_token", "missing", "Field required with channel_id");
    if (r.Find("channel_id") == nullptr)
      r.Error("channel_id", "missing", "Field required with bot_token");
  } else if (r.Find("webhook_url") == nullptr) {
    r.Error("webhook_url", "missing",
            "Field required: slack configs need webhook_url, or bot_token and channel_id");
  }
  return s;
}

std::vector<std::string> Addresses(FieldReader& r, const char* key, bool required) {
  auto list = r.StringList(key, required, required, kMaxAddresses, 320);
  if (!list) return {};
  for (size_t i = 0; i < list->size(); ++i) {
    if (!IsEmailAddress((*list)[i])) {
      r.Error(key, "value_error",
              "Invalid email address at index " + std::to_string(i) + ": '" + (*list)[i] + "'");
    }
  }
  return *list;
}

EmailChannel ParseEmail(FieldReader& r) {
  EmailChannel e;
  e.to_addresses = Addresses(r, "to_addresses", true);
  e.cc_addresses = Addresses(r, "cc_addresses", false);
  e.bcc_addresses = Addresses(r, "bcc_addresses", false);
  e.subject_template = r.String("subject_template", false, 998);
  e.body_template = r.String("body_template", false, kMaxTemplate);
  if (auto ct = r.String("content_type", false, kMaxShort)) {
    static constexpr std::array<std::pair<std::string_view, EmailContentType>, 4> kTypes = {{
        {"plain_text", EmailContentType::kPlainText},
        {"html", EmailContentType::kHtml},
        {"markdown", EmailContentType::kMarkdown},
        {"json", EmailContentType::kJson},
    }};
    auto it = std::find_if(kTypes.begin(), kTypes.end(), [&](auto& p) { return p.first == *ct; });
    if (it == kTypes.end()) {
      r.Error("content_type", "enum", "Input should be 'plain_text', 'html', 'markdown' or 'json'");
    } else {
      e.content_type = it->second;
    }
  }
  return e;
}

SmsChannel ParseSms(FieldReader& r) {
  SmsChannel s;
  if (auto numbers = r.StringList("phone_numbers", true, true, kMaxAddresses, 16)) {
    for (size_t i = 0; i < numbers->size(); ++i) {
      if (!IsE164((*numbers)[i])) {
        r.Error("phone_numbers", "value_error",
                "Phone number at index " + std::to_string(i) + " is not E.164 (+ and 2-15 digits)");
      }
    }
    s.phone_numbers = *numbers;
  }
  s.message_template = r.String("message_template", false, 1600);
  return s;
}

}  // namespace

std::optional<Channel> ParseChannel(const rapidjson::Value& value, const Path& path,
                                    ValidationErrors& errors) {
  if (!value.IsObject()) {
    errors.Add("dict_type", path, "Input should be a valid dictionary");
    return std::nullopt;
  }
  size_t before = errors.errors().size();
  FieldReader outer(value, path, errors);
  std::optional<std::string> kind = outer.String("channel", true, kMaxShort);
  const rapidjson::Value* configs = outer.Object("configs", true);
  if (!kind || configs == nullptr) return std::nullopt;
  FieldReader r(*configs, Child(path, "configs"), errors);
  std::optional<Channel> channel;
  if (*kind == "webhook" || *kind == "http") {
    channel = ParseHttp(r);
  } else if (*kind == "slack") {
    channel = ParseSlack(r);
  } else if (*kind == "email") {
    channel = ParseEmail(r);
  } else if (*kind == "sms") {
    channel = ParseSms(r);
  } else {
    outer.Error("channel", "enum", "Input should be 'webhook', 'http', 'slack', 'email' or 'sms'");
  }
  if (channel && !std::holds_alternative<HttpChannel>(*channel)) {
    // This service's own webhook-channel options: refused elsewhere rather than ignored, so
    // that a client does not believe them applied.
    for (const char* key : {"rate_limit", "retry_schedule"}) {
      if (r.Find(key) != nullptr) {
        r.Error(key, "extra_forbidden", std::string(key) + " applies to webhook channels only");
      }
    }
  }
  if (errors.errors().size() != before) return std::nullopt;
  return channel;
}

namespace {

void OptString(JsonWriter& w, const char* key, const std::optional<std::string>& v) {
  if (!v) return;
  w.Key(key);
  w.String(*v);
}

void StringList(JsonWriter& w, const char* key, const std::vector<std::string>& list) {
  w.Key(key);
  w.StartArray();
  for (const std::string& s : list) w.String(s);
  w.EndArray();
}

std::string_view ContentTypeName(EmailContentType t) {
  switch (t) {
    case EmailContentType::kPlainText:
      return "plain_text";
    case EmailContentType::kMarkdown:
      return "markdown";
    case EmailContentType::kJson:
      return "json";
    case EmailContentType::kHtml:
      break;
  }
  return "html";
}

struct ConfigWriter {
  JsonWriter& w;

  void operator()(const HttpChannel& c) const {
    w.Key("url");
    w.String(c.url);
    w.Key("headers");
    w.StartObject();
    for (const auto& [name, value] : c.headers) {
      w.Key(name.c_str(), static_cast<rapidjson::SizeType>(name.size()));
      w.String(value);
    }
    w.EndObject();
    if (c.payload_template) {
      w.Key("payload_template");
      w.RawValue(c.payload_template->data(), c.payload_template->size(), rapidjson::kObjectType);
    }
    w.Key("timeout");
    w.Double(c.timeout_seconds);
    if (c.rate_limit) {
      w.Key("rate_limit");
      w.Uint(*c.rate_limit);
    }
    OptString(w, "retry_schedule", c.retry_schedule);
    if (!c.signing_secret.empty()) {
      w.Key("signing_secret");
      w.String(c.signing_secret);
    }
    if (!c.previous_signing_secret.empty()) {
      w.Key("previous_signing_secret");
      w.String(c.previous_signing_secret);
      w.Key("previous_signing_secret_expires_at");
      w.String(FormatUnixMillis(c.previous_secret_expires_ms));
    }
  }
  void operator()(const SlackChannel& c) const {
    OptString(w, "bot_token", c.bot_token);
    OptString(w, "channel_id", c.channel_id);
    OptString(w, "workspace_id", c.workspace_id);
    OptString(w, "webhook_url", c.webhook_url);
    OptString(w, "channel", c.channel);
    OptString(w, "username", c.username);
    OptString(w, "icon_emoji", c.icon_emoji);
    OptString(w, "icon_url", c.icon_url);
    OptString(w, "blocks_template", c.blocks_template);
  }
  void operator()(const EmailChannel& c) const {
    StringList(w, "to_addresses", c.to_addresses);
    StringList(w, "cc_addresses", c.cc_addresses);
    StringList(w, "bcc_addresses", c.bcc_addresses);
    OptString(w, "subject_template", c.subject_template);
    OptString(w, "body_template", c.body_template);
    w.Key("content_type");
    w.String(ContentTypeName(c.content_type).data(),
             static_cast<rapidjson::SizeType>(ContentTypeName(c.content_type).size()));
  }
  void operator()(const SmsChannel& c) const {
    StringList(w, "phone_numbers", c.phone_numbers);
    OptString(w, "message_template", c.message_template);
  }
};

}  // namespace

std::string_view ChannelName(const Channel& channel) {
  static constexpr std::array<std::string_view, 4> kNames = {"webhook", "slack", "email", "sms"};
  return kNames[channel.index()];
}

void WriteChannel(const Channel& channel, JsonWriter& w) {
  w.StartObject();
  w.Key("channel");
  w.String(ChannelName(channel).data(),
           static_cast<rapidjson::SizeType>(ChannelName(channel).size()));
  w.Key("configs");
  w.StartObject();
  std::visit(ConfigWriter{w}, channel);
  w.EndObject();
  w.EndObject();
}

}  // namespace webhooks

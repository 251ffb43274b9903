// Validation of create/PUT bodies (ParseJson + ParseWebhookSpec) and the webhook codec
// (EncodeWebhook / DecodeStoredWebhook).
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "common/time_format.h"
#include "model/channel_codec.h"
#include "model/json_input.h"
#include "model/validation.h"
#include "model/webhook.h"
#include "model/webhook_codec.h"
#include "tests/test_util.h"

namespace webhooks {
namespace {

// The request body of the seed's PUT /v1/organizations/webhooks/{identifier}, verbatim.
constexpr char kSeedPutBody[] = R"json({
  "channels": [
    {
      "channel": "slack",
      "configs": {
        "bot_token": "xoxb-...",
        "channel_id": "C0123456789",
        "workspace_id": "T0123456789"
      }
    }
  ],
  "created_at": "2025-01-01T00:00:00Z",
  "description": "Slack notifications for object lifecycle",
  "event_types": [
    "object.created",
    "object.updated",
    "object.deleted"
  ],
  "is_active": true,
  "updated_at": "2025-01-01T00:00:00Z",
  "webhook_id": "wh_abc123def4",
  "webhook_name": "Engineering Slack Alerts"
})json";

// Valid top-level members, for building bodies that differ in one place.
constexpr char kName[] = R"("webhook_name": "Hook")";
constexpr char kEvents[] = R"("event_types": ["object.created"])";
constexpr char kSmsChannel[] =
    R"({"channel": "sms", "configs": {"phone_numbers": ["+15551234567"]}})";
constexpr char kChannels[] =
    R"("channels": [{"channel": "sms", "configs": {"phone_numbers": ["+15551234567"]}}])";

// "{m1, m2, ...}".
std::string Obj(std::initializer_list<std::string_view> members) {
  std::string out = "{";
  for (std::string_view m : members) {
    if (out.size() > 1) out += ", ";
    out += m;
  }
  return out + "}";
}

// A valid body whose only channel (index 0) is `channel`.
std::string WithChannel(std::string_view channel) {
  return Obj({kName, kEvents, "\"channels\": [" + std::string(channel) + "]"});
}

// A valid body with a valid SMS channel at index 0 and `channel` at index 1.
std::string WithSecondChannel(std::string_view channel) {
  return Obj({kName, kEvents,
              "\"channels\": [" + std::string(kSmsChannel) + ", " + std::string(channel) + "]"});
}

// `s` repeated `n` times.
std::string Repeat(std::string_view s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

absl::StatusOr<WebhookSpec> ParseBody(std::string_view body) {
  rapidjson::Document doc;
  if (absl::Status st = ParseJson(body, &doc); !st.ok()) return st;
  return ParseWebhookSpec(doc);
}

// The validation errors carried by `status`, parsed; fails the test when there are none.
void ParseFieldErrors(const absl::Status& status, rapidjson::Document* errors) {
  std::optional<std::string> json = FieldErrorsJson(status);
  ASSERT_TRUE(json.has_value()) << "no field errors in " << status;
  errors->Parse(json->data(), json->size());
  ASSERT_FALSE(errors->HasParseError()) << *json;
  ASSERT_TRUE(errors->IsArray()) << *json;
}

// True when `actual` and `expected` are arrays of the same strings and unsigned integers, in order.
bool SameLocation(const rapidjson::Value& actual, const rapidjson::Value& expected) {
  if (!actual.IsArray() || !expected.IsArray() || actual.Size() != expected.Size()) return false;
  for (rapidjson::SizeType i = 0; i < expected.Size(); ++i) {
    const rapidjson::Value& a = actual[i];
    const rapidjson::Value& e = expected[i];
    if (e.IsString()) {
      if (!a.IsString() || std::string_view(a.GetString(), a.GetStringLength()) !=
                               std::string_view(e.GetString(), e.GetStringLength())) {
        return false;
      }
    } else if (e.IsUint64()) {
      if (!a.IsUint64() || a.GetUint64() != e.GetUint64()) return false;
    } else {
      return false;
    }
  }
  return true;
}

// True when `errors` (a FieldErrorsJson array) has an entry of `type` at `location_json`.
bool HasError(const rapidjson::Value& errors, std::string_view type,
              std::string_view location_json) {
  rapidjson::Document location;
  location.Parse(location_json.data(), location_json.size());
  EXPECT_FALSE(location.HasParseError()) << location_json;
  for (const rapidjson::Value& e : errors.GetArray()) {
    if (!e.IsObject() || !e.HasMember("type") || !e.HasMember("location") ||
        !e.HasMember("message")) {
      ADD_FAILURE() << "malformed field error entry";
      continue;
    }
    const rapidjson::Value& t = e["type"];
    if (t.IsString() && std::string_view(t.GetString(), t.GetStringLength()) == type &&
        SameLocation(e["location"], location)) {
      return true;
    }
  }
  return false;
}

TEST(FieldErrorMatcherTest, ComparesTypeAndLocationExactly) {
  absl::Status st = FieldFailure("missing", {"body", "channels", size_t{0}, "configs"}, "m");
  rapidjson::Document errors;
  ASSERT_NO_FATAL_FAILURE(ParseFieldErrors(st, &errors));
  EXPECT_TRUE(HasError(errors, "missing", R"(["body","channels",0,"configs"])"));
  EXPECT_FALSE(HasError(errors, "dict_type", R"(["body","channels",0,"configs"])"));
  EXPECT_FALSE(HasError(errors, "missing", R"(["body","channels",0])"));
  EXPECT_FALSE(HasError(errors, "missing", R"(["body","channels",0,"configs","url"])"));
  EXPECT_FALSE(HasError(errors, "missing", R"(["body","channels","0","configs"])"));
  EXPECT_FALSE(HasError(errors, "missing", R"(["body","channels",1,"configs"])"));
  EXPECT_FALSE(HasError(errors, "missing", R"(["body","channels",0.0,"configs"])"));
}

// ---------------------------------------------------------------------------------------------
// Valid bodies.

TEST(WebhookSpecTest, SeedPutBodyValidates) {
  absl::StatusOr<WebhookSpec> spec = ParseBody(kSeedPutBody);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->webhook_name, "Engineering Slack Alerts");
  EXPECT_EQ(spec->description, "Slack notifications for object lifecycle");
  EXPECT_EQ(spec->event_types,
            (std::vector<std::string>{"object.created", "object.updated", "object.deleted"}));
  EXPECT_TRUE(spec->is_active);
  ASSERT_EQ(spec->channels.size(), 1u);
  const auto* slack = std::get_if<SlackChannel>(&spec->channels[0]);
  ASSERT_NE(slack, nullptr);
  EXPECT_EQ(ChannelName(spec->channels[0]), "slack");
  EXPECT_EQ(slack->bot_token, "xoxb-...");
  EXPECT_EQ(slack->channel_id, "C0123456789");
  EXPECT_EQ(slack->workspace_id, "T0123456789");
  EXPECT_FALSE(slack->webhook_url.has_value());
  EXPECT_FALSE(slack->channel.has_value());
  EXPECT_FALSE(slack->username.has_value());
  EXPECT_FALSE(slack->icon_emoji.has_value());
  EXPECT_FALSE(slack->icon_url.has_value());
  EXPECT_FALSE(slack->blocks_template.has_value());
}

TEST(WebhookSpecTest, SeedSlackChannelEchoesOnlyTheGivenFields) {
  absl::StatusOr<WebhookSpec> spec = ParseBody(kSeedPutBody);
  ASSERT_TRUE(spec.ok()) << spec.status();
  Webhook w;
  w.webhook_id = "wh_abc123def4";
  w.internal_id = NewOrganizationId();
  w.spec = *spec;
  w.created_at = "2025-01-01T00:00:00Z";
  w.updated_at = "2025-01-01T00:00:00Z";
  EXPECT_EQ(EncodeWebhook(w, Audience::kApi),
            R"({"webhook_id":"wh_abc123def4","webhook_name":"Engineering Slack Alerts",)"
            R"("description":"Slack notifications for object lifecycle",)"
            R"("event_types":["object.created","object.updated","object.deleted"],)"
            R"("channels":[{"channel":"slack","configs":{"bot_token":"xoxb-...",)"
            R"("channel_id":"C0123456789","workspace_id":"T0123456789"}}],"is_active":true,)"
            R"("created_at":"2025-01-01T00:00:00Z","updated_at":"2025-01-01T00:00:00Z"})");
}

TEST(WebhookSpecTest, WebhookChannelWithAllFields) {
  absl::StatusOr<WebhookSpec> spec = ParseBody(WithChannel(R"({
      "channel": "webhook",
      "configs": {
        "url": "https://hooks.example.com/in?x=1",
        "headers": {"X-Team": "core", "Authorization": "Bearer abc", "x_trace-id.1": "v"},
        "payload_template": {"text": "{{event_type}}", "nested": {"a": [1, 2, null]}},
        "timeout": 2.5
      }})"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  ASSERT_EQ(spec->channels.size(), 1u);
  const auto* http = std::get_if<HttpChannel>(&spec->channels[0]);
  ASSERT_NE(http, nullptr);
  EXPECT_EQ(http->url, "https://hooks.example.com/in?x=1");
  EXPECT_EQ(http->headers,
            (std::vector<std::pair<std::string, std::string>>{
                {"X-Team", "core"}, {"Authorization", "Bearer abc"}, {"x_trace-id.1", "v"}}));
  EXPECT_EQ(http->payload_template, R"({"text":"{{event_type}}","nested":{"a":[1,2,null]}})");
  EXPECT_DOUBLE_EQ(http->timeout_seconds, 2.5);
}

TEST(WebhookSpecTest, HttpAliasBecomesWebhookWithDefaults) {
  absl::StatusOr<WebhookSpec> spec = ParseBody(
      WithChannel(R"({"channel": "http", "configs": {"url": "http://10.0.0.1:8080/x"}})"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  ASSERT_EQ(spec->channels.size(), 1u);
  EXPECT_EQ(ChannelName(spec->channels[0]), "webhook");
  const auto* http = std::get_if<HttpChannel>(&spec->channels[0]);
  ASSERT_NE(http, nullptr);
  EXPECT_EQ(http->url, "http://10.0.0.1:8080/x");
  EXPECT_TRUE(http->headers.empty());
  EXPECT_FALSE(http->payload_template.has_value());
  EXPECT_DOUBLE_EQ(http->timeout_seconds, 10.0);

  // The API form names it "webhook" and fills in headers {} and timeout 10.
  Webhook w;
  w.webhook_id = NewWebhookId();
  w.internal_id = NewOrganizationId();
  w.spec = *spec;
  w.created_at = w.updated_at = "2025-01-01T00:00:00Z";
  rapidjson::Document out;
  std::string json = EncodeWebhook(w, Audience::kApi);
  out.Parse(json.c_str());
  ASSERT_FALSE(out.HasParseError()) << json;
  const rapidjson::Value& channel = out["channels"][0];
  EXPECT_STREQ(channel["channel"].GetString(), "webhook") << json;
  const rapidjson::Value& configs = channel["configs"];
  EXPECT_STREQ(configs["url"].GetString(), "http://10.0.0.1:8080/x");
  ASSERT_TRUE(configs["headers"].IsObject()) << json;
  EXPECT_EQ(configs["headers"].MemberCount(), 0u);
  ASSERT_TRUE(configs["timeout"].IsNumber()) << json;
  EXPECT_DOUBLE_EQ(configs["timeout"].GetDouble(), 10.0);
  EXPECT_FALSE(configs.HasMember("payload_template")) << json;
}

TEST(WebhookSpecTest, WebhookChannelTimeoutBoundariesAndNullTemplate) {
  for (std::string_view timeout : {"300", "0.001", "1", "299.5"}) {
    absl::StatusOr<WebhookSpec> spec = ParseBody(WithChannel(
        R"({"channel": "webhook", "configs": {"url": "https://a.example", "payload_template": null,
            "headers": null, "timeout": )" +
        std::string(timeout) + "}}"));
    ASSERT_TRUE(spec.ok()) << timeout << ": " << spec.status();
    const auto& http = std::get<HttpChannel>(spec->channels[0]);
    EXPECT_DOUBLE_EQ(http.timeout_seconds, std::stod(std::string(timeout)));
    EXPECT_FALSE(http.payload_template.has_value());
    EXPECT_TRUE(http.headers.empty());
  }
}

TEST(WebhookSpecTest, SlackIncomingWebhookForm) {
  absl::StatusOr<WebhookSpec> spec = ParseBody(WithChannel(R"({
      "channel": "slack",
      "configs": {
        "webhook_url": "https://hooks.slack.com/services/T000/B000/XXXX",
        "channel": "#alerts",
        "username": "mixpeek-bot",
        "icon_emoji": ":robot_face:",
        "icon_url": "https://example.com/icon.png",
        "blocks_template": "[{\"type\":\"section\"}]"
      }})"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  const auto* slack = std::get_if<SlackChannel>(&spec->channels[0]);
  ASSERT_NE(slack, nullptr);
  EXPECT_EQ(slack->webhook_url, "https://hooks.slack.com/services/T000/B000/XXXX");
  EXPECT_EQ(slack->channel, "#alerts");
  EXPECT_EQ(slack->username, "mixpeek-bot");
  EXPECT_EQ(slack->icon_emoji, ":robot_face:");
  EXPECT_EQ(slack->icon_url, "https://example.com/icon.png");
  EXPECT_EQ(slack->blocks_template, R"([{"type":"section"}])");
  EXPECT_FALSE(slack->bot_token.has_value());
  EXPECT_FALSE(slack->channel_id.has_value());
  EXPECT_FALSE(slack->workspace_id.has_value());
}

TEST(WebhookSpecTest, SlackWebApiFormWithoutWorkspace) {
  absl::StatusOr<WebhookSpec> spec = ParseBody(WithChannel(
      R"({"channel": "slack", "configs": {"bot_token": "xoxb-1", "channel_id": "C1"}})"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  const auto& slack = std::get<SlackChannel>(spec->channels[0]);
  EXPECT_EQ(slack.bot_token, "xoxb-1");
  EXPECT_EQ(slack.channel_id, "C1");
  EXPECT_FALSE(slack.workspace_id.has_value());
}

TEST(WebhookSpecTest, EmailChannelWithAllFields) {
  absl::StatusOr<WebhookSpec> spec = ParseBody(WithChannel(R"({
      "channel": "email",
      "configs": {
        "to_addresses": ["ops@example.com", "first.last+tag@sub.example.org"],
        "cc_addresses": ["cc@example.com"],
        "bcc_addresses": ["audit@example.com", "x@localhost"],
        "subject_template": "[{{event_type}}] {{webhook_name}}",
        "body_template": "<p>{{payload}}</p>",
        "content_type": "markdown"
      }})"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  const auto* email = std::get_if<EmailChannel>(&spec->channels[0]);
  ASSERT_NE(email, nullptr);
  EXPECT_EQ(ChannelName(spec->channels[0]), "email");
  EXPECT_EQ(email->to_addresses,
            (std::vector<std::string>{"ops@example.com", "first.last+tag@sub.example.org"}));
  EXPECT_EQ(email->cc_addresses, (std::vector<std::string>{"cc@example.com"}));
  EXPECT_EQ(email->bcc_addresses, (std::vector<std::string>{"audit@example.com", "x@localhost"}));
  EXPECT_EQ(email->subject_template, "[{{event_type}}] {{webhook_name}}");
  EXPECT_EQ(email->body_template, "<p>{{payload}}</p>");
  EXPECT_EQ(email->content_type, EmailContentType::kMarkdown);
}

TEST(WebhookSpecTest, EmailContentTypesAndDefaults) {
  const std::pair<std::string_view, EmailContentType> kCases[] = {
      {R"(, "content_type": "plain_text")", EmailContentType::kPlainText},
      {R"(, "content_type": "html")", EmailContentType::kHtml},
      {R"(, "content_type": "markdown")", EmailContentType::kMarkdown},
      {R"(, "content_type": "json")", EmailContentType::kJson},
      {"", EmailContentType::kHtml},
      {R"(, "content_type": null)", EmailContentType::kHtml},
  };
  for (const auto& [extra, expected] : kCases) {
    absl::StatusOr<WebhookSpec> spec = ParseBody(
        WithChannel(R"({"channel": "email", "configs": {"to_addresses": ["a@example.com"])" +
                    std::string(extra) + "}}"));
    ASSERT_TRUE(spec.ok()) << extra << ": " << spec.status();
    const auto& email = std::get<EmailChannel>(spec->channels[0]);
    EXPECT_EQ(email.content_type, expected) << extra;
    EXPECT_TRUE(email.cc_addresses.empty());
    EXPECT_TRUE(email.bcc_addresses.empty());
    EXPECT_FALSE(email.subject_template.has_value());
    EXPECT_FALSE(email.body_template.has_value());
  }
}

TEST(WebhookSpecTest, EmailDefaultsAreWrittenOut) {
  absl::StatusOr<WebhookSpec> spec = ParseBody(
      WithChannel(R"({"channel": "email", "configs": {"to_addresses": ["a@example.com"]}})"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  Webhook w;
  w.webhook_id = "wh_abc123def4";
  w.spec = *spec;
  w.created_at = w.updated_at = "2025-01-01T00:00:00Z";
  std::string json = EncodeWebhook(w, Audience::kApi);
  EXPECT_NE(json.find(R"("configs":{"to_addresses":["a@example.com"],"cc_addresses":[],)"
                      R"("bcc_addresses":[],"content_type":"html"})"),
            std::string::npos)
      << json;
}

TEST(WebhookSpecTest, SmsChannel) {
  absl::StatusOr<WebhookSpec> spec = ParseBody(WithChannel(R"({
      "channel": "sms",
      "configs": {"phone_numbers": ["+15551234567", "+447911123456", "+12"],
                  "message_template": "{{event_type}} happened"}})"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  const auto* sms = std::get_if<SmsChannel>(&spec->channels[0]);
  ASSERT_NE(sms, nullptr);
  EXPECT_EQ(ChannelName(spec->channels[0]), "sms");
  EXPECT_EQ(sms->phone_numbers, (std::vector<std::string>{"+15551234567", "+447911123456", "+12"}));
  EXPECT_EQ(sms->message_template, "{{event_type}} happened");
}

TEST(WebhookSpecTest, SmsMessageTemplateOf1600CharactersIsAccepted) {
  absl::StatusOr<WebhookSpec> spec = ParseBody(WithChannel(
      R"({"channel": "sms", "configs": {"phone_numbers": ["+15551234567"], "message_template": ")" +
      Repeat("\xc3\xa9", 1600) + "\"}}"));
  ASSERT_TRUE(spec.ok()) << spec.status();
}

TEST(WebhookSpecTest, WildcardEventType) {
  absl::StatusOr<WebhookSpec> spec = ParseBody(Obj({kName, R"("event_types": ["*"])", kChannels}));
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->event_types, (std::vector<std::string>{"*"}));

  spec = ParseBody(Obj({kName, R"("event_types": ["alert.triggered", "*"])", kChannels}));
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->event_types, (std::vector<std::string>{"alert.triggered", "*"}));
}

TEST(WebhookSpecTest, DuplicateEventTypesAreDroppedInOrder) {
  absl::StatusOr<WebhookSpec> spec = ParseBody(Obj(
      {kName,
       R"("event_types": ["trigger.fired", "object.created", "trigger.fired", "*", "object.created", "*"])",
       kChannels}));
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->event_types, (std::vector<std::string>{"trigger.fired", "object.created", "*"}));
}

TEST(WebhookSpecTest, AllChannelKindsTogether) {
  absl::StatusOr<WebhookSpec> spec = ParseBody(Obj({kName, kEvents, R"("channels": [
      {"channel": "webhook", "configs": {"url": "https://a.example/hook"}},
      {"channel": "slack", "configs": {"webhook_url": "https://hooks.slack.com/services/x"}},
      {"channel": "email", "configs": {"to_addresses": ["a@example.com"]}},
      {"channel": "sms", "configs": {"phone_numbers": ["+15551234567"]}}])"}));
  ASSERT_TRUE(spec.ok()) << spec.status();
  ASSERT_EQ(spec->channels.size(), 4u);
  EXPECT_TRUE(std::holds_alternative<HttpChannel>(spec->channels[0]));
  EXPECT_TRUE(std::holds_alternative<SlackChannel>(spec->channels[1]));
  EXPECT_TRUE(std::holds_alternative<EmailChannel>(spec->channels[2]));
  EXPECT_TRUE(std::holds_alternative<SmsChannel>(spec->channels[3]));
}

TEST(WebhookSpecTest, TwentyChannelsAreAccepted) {
  std::string channels = "\"channels\": [";
  for (int i = 0; i < 20; ++i) channels += std::string(i ? ", " : "") + kSmsChannel;
  absl::StatusOr<WebhookSpec> spec = ParseBody(Obj({kName, kEvents, channels + "]"}));
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->channels.size(), 20u);
}

TEST(WebhookSpecTest, IsActiveDefaultsToTrue) {
  absl::StatusOr<WebhookSpec> spec = ParseBody(Obj({kName, kEvents, kChannels}));
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_TRUE(spec->is_active);
  EXPECT_FALSE(spec->description.has_value());

  spec = ParseBody(Obj({kName, kEvents, kChannels, R"("is_active": null)"}));
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_TRUE(spec->is_active);

  spec = ParseBody(Obj({kName, kEvents, kChannels, R"("is_active": false)"}));
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_FALSE(spec->is_active);
}

TEST(WebhookSpecTest, NameLengthCountsCharactersNotBytes) {
  // 200 two-byte characters (400 bytes) and 200 four-byte characters (800 bytes) are 200 long.
  for (std::string_view ch : {"a", "\xc3\xa9", "\xf0\x9f\x98\x80"}) {
    std::string name = Repeat(ch, 200);
    absl::StatusOr<WebhookSpec> spec =
        ParseBody(Obj({"\"webhook_name\": \"" + name + "\"", kEvents, kChannels}));
    ASSERT_TRUE(spec.ok()) << spec.status();
    EXPECT_EQ(spec->webhook_name, name);
    EXPECT_EQ(spec->webhook_name.size(), 200 * ch.size());

    absl::StatusOr<WebhookSpec> too_long =
        ParseBody(Obj({"\"webhook_name\": \"" + Repeat(ch, 201) + "\"", kEvents, kChannels}));
    EXPECT_EQ(too_long.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(WebhookSpecTest, DescriptionOf2000CharactersIsAccepted) {
  absl::StatusOr<WebhookSpec> spec = ParseBody(
      Obj({kName, kEvents, kChannels, "\"description\": \"" + Repeat("\xc3\xa9", 2000) + "\""}));
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->description, Repeat("\xc3\xa9", 2000));
}

TEST(WebhookSpecTest, ServerOwnedAndUnknownFieldsAreIgnored) {
  absl::StatusOr<WebhookSpec> with_extras = ParseBody(
      Obj({kName, kEvents, kChannels, R"("webhook_id": "wh_zzzzzzzzzz")",
           R"("internal_id": "int_attackerattackerattacker")", R"("created_at": "not a time")",
           R"("updated_at": 17)", R"("seq": 99)", R"("unknown_field": {"deep": [1, 2]})"}));
  ASSERT_TRUE(with_extras.ok()) << with_extras.status();
  absl::StatusOr<WebhookSpec> plain = ParseBody(Obj({kName, kEvents, kChannels}));
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_TRUE(*with_extras == *plain);
}

// ---------------------------------------------------------------------------------------------
// Invalid bodies: one row per failure, with the error it must report.

struct InvalidCase {
  std::string name;      // test name suffix
  std::string body;      // request body (valid JSON)
  std::string type;      // expected error type
  std::string location;  // expected location, as a JSON array
};

std::vector<InvalidCase> InvalidCases() {
  const std::string kCfg0 = R"(["body","channels",0,"configs")";
  const std::string kCfg1 = R"(["body","channels",1,"configs")";
  auto webhook = [](std::string_view configs) {
    return WithChannel(R"({"channel": "webhook", "configs": )" + std::string(configs) + "}");
  };
  auto hook_headers = [&](std::string_view headers) {
    return webhook(R"({"url": "https://a.example", "headers": )" + std::string(headers) + "}");
  };
  auto hook_timeout = [&](std::string_view timeout) {
    return webhook(R"({"url": "https://a.example", "timeout": )" + std::string(timeout) + "}");
  };
  auto slack = [](std::string_view configs) {
    return WithChannel(R"({"channel": "slack", "configs": )" + std::string(configs) + "}");
  };
  auto email = [](std::string_view configs) {
    return WithSecondChannel(R"({"channel": "email", "configs": )" + std::string(configs) + "}");
  };
  auto sms = [](std::string_view configs) {
    return WithSecondChannel(R"({"channel": "sms", "configs": )" + std::string(configs) + "}");
  };
  return {
      // webhook_name
      {"NameMissing", Obj({kEvents, kChannels}), "missing", R"(["body","webhook_name"])"},
      {"NameNull", Obj({R"("webhook_name": null)", kEvents, kChannels}), "missing",
       R"(["body","webhook_name"])"},
      {"NameNumber", Obj({R"("webhook_name": 42)", kEvents, kChannels}), "string_type",
       R"(["body","webhook_name"])"},
      {"NameList", Obj({R"("webhook_name": ["a"])", kEvents, kChannels}), "string_type",
       R"(["body","webhook_name"])"},
      {"NameEmpty", Obj({R"("webhook_name": "")", kEvents, kChannels}), "string_too_short",
       R"(["body","webhook_name"])"},
      {"Name201Ascii", Obj({"\"webhook_name\": \"" + Repeat("a", 201) + "\"", kEvents, kChannels}),
       "string_too_long", R"(["body","webhook_name"])"},
      {"Name201Multibyte",
       Obj({"\"webhook_name\": \"" + Repeat("\xc3\xa9", 201) + "\"", kEvents, kChannels}),
       "string_too_long", R"(["body","webhook_name"])"},
      // description
      {"DescriptionNumber", Obj({kName, kEvents, kChannels, R"("description": 7)"}), "string_type",
       R"(["body","description"])"},
      {"DescriptionObject", Obj({kName, kEvents, kChannels, R"("description": {"a": "b"})"}),
       "string_type", R"(["body","description"])"},
      {"Description2001",
       Obj({kName, kEvents, kChannels, "\"description\": \"" + Repeat("d", 2001) + "\""}),
       "string_too_long", R"(["body","description"])"},
      // event_types
      {"EventTypesMissing", Obj({kName, kChannels}), "missing", R"(["body","event_types"])"},
      {"EventTypesString", Obj({kName, R"("event_types": "object.created")", kChannels}),
       "list_type", R"(["body","event_types"])"},
      {"EventTypesObject", Obj({kName, R"("event_types": {"0": "object.created"})", kChannels}),
       "list_type", R"(["body","event_types"])"},
      {"EventTypesEmpty", Obj({kName, R"("event_types": [])", kChannels}), "too_short",
       R"(["body","event_types"])"},
      {"EventTypesNonStringItem",
       Obj({kName, R"("event_types": ["object.created", 7])", kChannels}), "string_type",
       R"(["body","event_types",1])"},
      {"EventTypesEmptyStringItem", Obj({kName, R"("event_types": [""])", kChannels}),
       "string_too_short", R"(["body","event_types",0])"},
      {"EventTypesUnknownName",
       Obj({kName, R"("event_types": ["object.created", "object.exploded"])", kChannels}), "enum",
       R"(["body","event_types"])"},
      {"EventTypesWrongCase", Obj({kName, R"("event_types": ["Object.Created"])", kChannels}),
       "enum", R"(["body","event_types"])"},
      // channels
      {"ChannelsMissing", Obj({kName, kEvents}), "missing", R"(["body","channels"])"},
      {"ChannelsNotAList", Obj({kName, kEvents, R"("channels": {"channel": "sms"})"}), "list_type",
       R"(["body","channels"])"},
      {"ChannelsEmpty", Obj({kName, kEvents, R"("channels": [])"}), "too_short",
       R"(["body","channels"])"},
      {"Channels21",
       Obj({kName, kEvents,
            "\"channels\": [" + Repeat(std::string(kSmsChannel) + ", ", 20) + kSmsChannel + "]"}),
       "too_long", R"(["body","channels"])"},
      {"ChannelItemString", WithSecondChannel(R"("slack")"), "dict_type",
       R"(["body","channels",1])"},
      {"ChannelItemList", WithChannel("[]"), "dict_type", R"(["body","channels",0])"},
      {"ChannelMissing", WithChannel(R"({"configs": {"url": "https://a.example"}})"), "missing",
       R"(["body","channels",0,"channel"])"},
      {"ChannelNumber", WithChannel(R"({"channel": 3, "configs": {}})"), "string_type",
       R"(["body","channels",0,"channel"])"},
      {"ChannelUnknown", WithSecondChannel(R"({"channel": "pigeon", "configs": {}})"), "enum",
       R"(["body","channels",1,"channel"])"},
      {"ChannelWrongCase", WithChannel(R"({"channel": "Slack", "configs": {"channel_id": "C"}})"),
       "enum", R"(["body","channels",0,"channel"])"},
      {"ConfigsMissing", WithChannel(R"({"channel": "webhook"})"), "missing",
       R"(["body","channels",0,"configs"])"},
      {"ConfigsString", WithChannel(R"({"channel": "webhook", "configs": "https://a.example"})"),
       "dict_type", R"(["body","channels",0,"configs"])"},
      {"ConfigsList", WithSecondChannel(R"({"channel": "sms", "configs": ["+15551234567"]})"),
       "dict_type", R"(["body","channels",1,"configs"])"},
      // webhook channel
      {"WebhookUrlMissing", webhook(R"({"timeout": 5})"), "missing", kCfg0 + R"(,"url"])"},
      {"WebhookUrlNumber", webhook(R"({"url": 80})"), "string_type", kCfg0 + R"(,"url"])"},
      {"WebhookUrlFtp", webhook(R"({"url": "ftp://files.example.com/in"})"), "url_parsing",
       kCfg0 + R"(,"url"])"},
      {"WebhookUrlNotAUrl", webhook(R"({"url": "not a url"})"), "url_parsing",
       kCfg0 + R"(,"url"])"},
      {"WebhookUrlRelativePath", webhook(R"({"url": "/hooks/in"})"), "url_parsing",
       kCfg0 + R"(,"url"])"},
      {"WebhookUrlNoHost", webhook(R"({"url": "http://"})"), "url_parsing", kCfg0 + R"(,"url"])"},
      {"WebhookUrlJavascript", webhook(R"j({"url": "javascript:alert(1)"})j"), "url_parsing",
       kCfg0 + R"(,"url"])"},
      {"WebhookUrlWithNewline", webhook(R"({"url": "https://a.example/\nx"})"), "url_parsing",
       kCfg0 + R"(,"url"])"},
      {"HeadersNotAnObject", hook_headers(R"(["X-Team: core"])"), "dict_type",
       kCfg0 + R"(,"headers"])"},
      {"HeadersString", hook_headers(R"("X-Team: core")"), "dict_type", kCfg0 + R"(,"headers"])"},
      {"HeaderValueNumber", hook_headers(R"({"X-Team": 5})"), "string_type",
       kCfg0 + R"(,"headers"])"},
      {"HeaderValueObject", hook_headers(R"({"X-Ok": "1", "X-Team": {"a": "b"}})"), "string_type",
       kCfg0 + R"(,"headers"])"},
      {"HeaderReservedSignature", hook_headers(R"({"webhook-signature": "v1,forged"})"),
       "value_error", kCfg0 + R"(,"headers"])"},
      {"HeaderReservedMixedCase", hook_headers(R"({"Content-Type": "text/plain"})"), "value_error",
       kCfg0 + R"(,"headers"])"},
      {"HeaderReservedHost", hook_headers(R"({"HOST": "evil.example"})"), "value_error",
       kCfg0 + R"(,"headers"])"},
      {"HeaderValueCrLf", hook_headers(R"({"X-A": "a\r\nX-Injected: 1"})"), "value_error",
       kCfg0 + R"(,"headers"])"},
      {"HeaderValueLf", hook_headers(R"({"X-A": "a\nb"})"), "value_error",
       kCfg0 + R"(,"headers"])"},
      {"HeaderValueNul", hook_headers(R"({"X-A": "a\u0000b"})"), "value_error",
       kCfg0 + R"(,"headers"])"},
      {"HeaderNameWithSpace", hook_headers(R"({"Bad Header": "x"})"), "value_error",
       kCfg0 + R"(,"headers"])"},
      {"HeaderNameWithColon", hook_headers(R"({"X-A:": "x"})"), "value_error",
       kCfg0 + R"(,"headers"])"},
      {"HeaderNameEmpty", hook_headers(R"({"": "x"})"), "value_error", kCfg0 + R"(,"headers"])"},
      {"HeaderNameNonAscii", hook_headers(R"({"X-\u00e9": "x"})"), "value_error",
       kCfg0 + R"(,"headers"])"},
      {"PayloadTemplateString",
       webhook(R"({"url": "https://a.example", "payload_template": "{\"a\": 1}"})"), "dict_type",
       kCfg0 + R"(,"payload_template"])"},
      {"PayloadTemplateList", webhook(R"({"url": "https://a.example", "payload_template": [1]})"),
       "dict_type", kCfg0 + R"(,"payload_template"])"},
      {"TimeoutZero", hook_timeout("0"), "value_error", kCfg0 + R"(,"timeout"])"},
      {"TimeoutNegative", hook_timeout("-5"), "value_error", kCfg0 + R"(,"timeout"])"},
      {"Timeout301", hook_timeout("301"), "value_error", kCfg0 + R"(,"timeout"])"},
      {"TimeoutJustAbove300", hook_timeout("300.0001"), "value_error", kCfg0 + R"(,"timeout"])"},
      {"TimeoutString", hook_timeout(R"("10")"), "float_type", kCfg0 + R"(,"timeout"])"},
      {"TimeoutBool", hook_timeout("true"), "float_type", kCfg0 + R"(,"timeout"])"},
      // slack channel
      {"SlackNeitherForm", slack(R"({"username": "bot"})"), "missing",
       kCfg0 + R"(,"webhook_url"])"},
      {"SlackEmptyConfigs", slack("{}"), "missing", kCfg0 + R"(,"webhook_url"])"},
      {"SlackBotTokenWithoutChannelId", slack(R"({"bot_token": "xoxb-1"})"), "missing",
       kCfg0 + R"(,"channel_id"])"},
      {"SlackChannelIdWithoutBotToken",
       slack(R"({"channel_id": "C0123456789", "workspace_id": "T1"})"), "missing",
       kCfg0 + R"(,"bot_token"])"},
      {"SlackBotTokenNumber", slack(R"({"bot_token": 12, "channel_id": "C1"})"), "string_type",
       kCfg0 + R"(,"bot_token"])"},
      {"SlackWebhookUrlNotAUrl", slack(R"({"webhook_url": "hooks.slack.com/services/x"})"),
       "url_parsing", kCfg0 + R"(,"webhook_url"])"},
      {"SlackIconUrlNotAUrl",
       slack(R"({"webhook_url": "https://hooks.slack.com/x", "icon_url": "ftp://x/y.png"})"),
       "url_parsing", kCfg0 + R"(,"icon_url"])"},
      // email channel
      {"EmailToMissing", email(R"({"cc_addresses": ["a@example.com"]})"), "missing",
       kCfg1 + R"(,"to_addresses"])"},
      {"EmailToEmpty", email(R"({"to_addresses": []})"), "too_short",
       kCfg1 + R"(,"to_addresses"])"},
      {"EmailToString", email(R"({"to_addresses": "a@example.com"})"), "list_type",
       kCfg1 + R"(,"to_addresses"])"},
      {"EmailToNonStringItem", email(R"({"to_addresses": ["a@example.com", 5]})"), "string_type",
       kCfg1 + R"(,"to_addresses",1])"},
      {"EmailToBadAddress", email(R"({"to_addresses": ["not-an-address"]})"), "value_error",
       kCfg1 + R"(,"to_addresses"])"},
      {"EmailToNoLocalPart", email(R"({"to_addresses": ["@example.com"]})"), "value_error",
       kCfg1 + R"(,"to_addresses"])"},
      {"EmailToWithSpace", email(R"({"to_addresses": ["a b@example.com"]})"), "value_error",
       kCfg1 + R"(,"to_addresses"])"},
      {"EmailToWithNewline", email(R"({"to_addresses": ["a@example.com\nBcc: x@evil.example"]})"),
       "value_error", kCfg1 + R"(,"to_addresses"])"},
      {"EmailCcBadAddress",
       email(R"({"to_addresses": ["a@example.com"], "cc_addresses": ["cc@"]})"), "value_error",
       kCfg1 + R"(,"cc_addresses"])"},
      {"EmailBccBadAddress",
       email(R"({"to_addresses": ["a@example.com"], "bcc_addresses": ["b@exa..mple.com"]})"),
       "value_error", kCfg1 + R"(,"bcc_addresses"])"},
      {"EmailContentTypeUnknown",
       email(R"({"to_addresses": ["a@example.com"], "content_type": "rtf"})"), "enum",
       kCfg1 + R"(,"content_type"])"},
      {"EmailContentTypeWrongCase",
       email(R"({"to_addresses": ["a@example.com"], "content_type": "HTML"})"), "enum",
       kCfg1 + R"(,"content_type"])"},
      // sms channel
      {"SmsPhoneNumbersMissing", sms(R"({"message_template": "hi"})"), "missing",
       kCfg1 + R"(,"phone_numbers"])"},
      {"SmsPhoneNumbersEmpty", sms(R"({"phone_numbers": []})"), "too_short",
       kCfg1 + R"(,"phone_numbers"])"},
      {"SmsPhoneNumbersString", sms(R"({"phone_numbers": "+15551234567"})"), "list_type",
       kCfg1 + R"(,"phone_numbers"])"},
      {"SmsNotE164Local", sms(R"({"phone_numbers": ["555-1234"]})"), "value_error",
       kCfg1 + R"(,"phone_numbers"])"},
      {"SmsNotE164LeadingZero", sms(R"({"phone_numbers": ["+15551234567", "+0123"]})"),
       "value_error", kCfg1 + R"(,"phone_numbers"])"},
      {"SmsNotE164NoPlus", sms(R"({"phone_numbers": ["15551234567"]})"), "value_error",
       kCfg1 + R"(,"phone_numbers"])"},
      {"SmsNotE164TooShort", sms(R"({"phone_numbers": ["+1"]})"), "value_error",
       kCfg1 + R"(,"phone_numbers"])"},
      {"SmsNotE164Spaces", sms(R"({"phone_numbers": ["+1 555 123"]})"), "value_error",
       kCfg1 + R"(,"phone_numbers"])"},
      {"SmsTooManyDigits", sms(R"({"phone_numbers": ["+1234567890123456"]})"), "string_too_long",
       kCfg1 + R"(,"phone_numbers",0])"},
      {"SmsMessageTemplate1601",
       sms(R"({"phone_numbers": ["+15551234567"], "message_template": ")" + Repeat("m", 1601) +
           "\"}"),
       "string_too_long", kCfg1 + R"(,"message_template"])"},
      // is_active
      {"IsActiveString", Obj({kName, kEvents, kChannels, R"("is_active": "true")"}), "bool_type",
       R"(["body","is_active"])"},
      {"IsActiveNumber", Obj({kName, kEvents, kChannels, R"("is_active": 1)"}), "bool_type",
       R"(["body","is_active"])"},
      // the body itself
      {"BodyArray", "[" + Obj({kName, kEvents, kChannels}) + "]", "dict_type", R"(["body"])"},
      {"BodyString", R"("webhook_name")", "dict_type", R"(["body"])"},
      {"BodyNumber", "17", "dict_type", R"(["body"])"},
      {"BodyNull", "null", "dict_type", R"(["body"])"},
  };
}

class InvalidBodyTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidBodyTest, ReportsTheFieldError) {
  const InvalidCase& c = GetParam();
  SCOPED_TRACE("body: " + c.body);
  rapidjson::Document doc;
  ASSERT_OK(ParseJson(c.body, &doc));
  absl::StatusOr<WebhookSpec> spec = ParseWebhookSpec(doc);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument) << spec.status();
  rapidjson::Document errors;
  ASSERT_NO_FATAL_FAILURE(ParseFieldErrors(spec.status(), &errors));
  EXPECT_TRUE(HasError(errors, c.type, c.location))
      << "want type " << c.type << " at " << c.location
      << "; got: " << FieldErrorsJson(spec.status()).value_or("");
  // Every entry is well formed and starts at "body".
  for (const rapidjson::Value& e : errors.GetArray()) {
    ASSERT_TRUE(e.IsObject());
    ASSERT_TRUE(e.HasMember("location") && e["location"].IsArray() && !e["location"].Empty());
    EXPECT_STREQ(e["location"][0].GetString(), "body");
    ASSERT_TRUE(e.HasMember("message") && e["message"].IsString());
    EXPECT_GT(e["message"].GetStringLength(), 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Rows, InvalidBodyTest, ::testing::ValuesIn(InvalidCases()),
                         [](const ::testing::TestParamInfo<InvalidCase>& row) {
                           return row.param.name;
                         });

TEST(InvalidBodyTableTest, HasAtLeast35DistinctRows) {
  std::vector<InvalidCase> cases = InvalidCases();
  EXPECT_GE(cases.size(), 35u);
  for (size_t i = 0; i < cases.size(); ++i) {
    for (size_t j = i + 1; j < cases.size(); ++j) {
      EXPECT_NE(cases[i].body, cases[j].body) << cases[i].name << " vs " << cases[j].name;
    }
  }
}

TEST(WebhookSpecTest, ReportsEveryErrorInOneStatus) {
  absl::StatusOr<WebhookSpec> spec = ParseBody(R"({
      "webhook_name": "",
      "description": 5,
      "event_types": ["object.created", "no.such.event"],
      "channels": [
        {"channel": "webhook", "configs": {"url": "ftp://x.example", "timeout": 0}},
        {"channel": "sms", "configs": {"phone_numbers": ["555-1234"]}},
        {"channel": "email", "configs": {}}
      ],
      "is_active": "yes"})");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument);
  rapidjson::Document errors;
  ASSERT_NO_FATAL_FAILURE(ParseFieldErrors(spec.status(), &errors));
  std::string json = FieldErrorsJson(spec.status()).value_or("");
  EXPECT_GE(errors.Size(), 3u) << json;
  EXPECT_EQ(errors.Size(), 8u) << json;
  EXPECT_TRUE(HasError(errors, "string_too_short", R"(["body","webhook_name"])")) << json;
  EXPECT_TRUE(HasError(errors, "string_type", R"(["body","description"])")) << json;
  EXPECT_TRUE(HasError(errors, "enum", R"(["body","event_types"])")) << json;
  EXPECT_TRUE(HasError(errors, "url_parsing", R"(["body","channels",0,"configs","url"])")) << json;
  EXPECT_TRUE(HasError(errors, "value_error", R"(["body","channels",0,"configs","timeout"])"))
      << json;
  EXPECT_TRUE(HasError(errors, "value_error", R"(["body","channels",1,"configs","phone_numbers"])"))
      << json;
  EXPECT_TRUE(HasError(errors, "missing", R"(["body","channels",2,"configs","to_addresses"])"))
      << json;
  EXPECT_TRUE(HasError(errors, "bool_type", R"(["body","is_active"])")) << json;
  // The status message summarises the first error and counts the rest.
  EXPECT_NE(spec.status().message().find("body.webhook_name"), std::string_view::npos)
      << spec.status();
  EXPECT_NE(spec.status().message().find("(and 7 more)"), std::string_view::npos) << spec.status();
}

TEST(WebhookSpecTest, MissingEverythingReportsEachRequiredField) {
  absl::StatusOr<WebhookSpec> spec = ParseBody("{}");
  ASSERT_FALSE(spec.ok());
  rapidjson::Document errors;
  ASSERT_NO_FATAL_FAILURE(ParseFieldErrors(spec.status(), &errors));
  EXPECT_EQ(errors.Size(), 3u);
  EXPECT_TRUE(HasError(errors, "missing", R"(["body","webhook_name"])"));
  EXPECT_TRUE(HasError(errors, "missing", R"(["body","event_types"])"));
  EXPECT_TRUE(HasError(errors, "missing", R"(["body","channels"])"));
}

// ---------------------------------------------------------------------------------------------
// URL, address and number predicates used by the channel validators.

TEST(ChannelPredicatesTest, IsHttpUrl) {
  for (std::string_view ok :
       {"http://a.example", "https://a.example/path?q=1#f", "http://127.0.0.1:8080/x",
        "https://[::1]:8443/", "HTTPS://A.EXAMPLE", "http://user:pass@a.example/"}) {
    EXPECT_TRUE(IsHttpUrl(ok)) << ok;
  }
  for (std::string_view bad : {"", "ftp://a.example", "not a url", "/relative/path", "a.example",
                               "http://", "https:// a.example", "mailto:a@example.com",
                               "file:///etc/passwd", "http://a.example/\r\n", "//a.example/x"}) {
    EXPECT_FALSE(IsHttpUrl(bad)) << bad;
  }
  EXPECT_FALSE(IsHttpUrl("https://a.example/" + std::string(2048, 'x')));
}

TEST(ChannelPredicatesTest, IsEmailAddress) {
  for (std::string_view ok : {"a@example.com", "first.last+tag@sub.example.org", "x@localhost",
                              "o'brien@example.ie", "a_b-c@ex-ample.com"}) {
    EXPECT_TRUE(IsEmailAddress(ok)) << ok;
  }
  for (std::string_view bad :
       {"", "a", "@example.com", "a@", "a@@example.com", "a b@example.com", "\"a\"@example.com",
        ".a@example.com", "a.@example.com", "a@.example.com", "a@example.com.", "a@exa..mple.com",
        "a@example.com\n", "a@exa_mple.com", "a@example.com>"}) {
    EXPECT_FALSE(IsEmailAddress(bad)) << bad;
  }
  EXPECT_TRUE(IsEmailAddress(std::string(64, 'l') + "@example.com"));
  EXPECT_FALSE(IsEmailAddress(std::string(65, 'l') + "@example.com"));
}

TEST(ChannelPredicatesTest, IsE164) {
  for (std::string_view ok : {"+15551234567", "+447911123456", "+12", "+123456789012345"}) {
    EXPECT_TRUE(IsE164(ok)) << ok;
  }
  for (std::string_view bad : {"", "+", "+1", "555-1234", "+0123", "15551234567", "+1 555",
                               "+1234567890123456", "++15551234567", "+1555123456a"}) {
    EXPECT_FALSE(IsE164(bad)) << bad;
  }
}

TEST(ChannelPredicatesTest, IsSigningSecret) {
  for (int i = 0; i < 20; ++i) {
    std::string secret = NewSigningSecret();
    EXPECT_TRUE(IsSigningSecret(secret)) << secret;
  }
  EXPECT_TRUE(IsSigningSecret("whsec_" + Base64Encode(std::string(24, 'k'))));
  EXPECT_TRUE(IsSigningSecret("whsec_" + Base64Encode(std::string(64, 'k'))));
  for (const std::string& bad :
       {std::string(""), std::string("whsec_"), Base64Encode(std::string(32, 'k')),
        "whsk_" + Base64Encode(std::string(32, 'k')), "whsec_" + Base64Encode(std::string(23, 'k')),
        "whsec_" + Base64Encode(std::string(65, 'k')), "whsec_" + std::string(44, '!')}) {
    EXPECT_FALSE(IsSigningSecret(bad)) << bad;
  }
}

TEST(ChannelPredicatesTest, IsSigningSecretRejectsNonBase64Keys) {
  // Padding characters alone are not a key (they decode to zero bytes if accepted).
  for (const std::string& bad :
       {"whsec_" + std::string(36, '='), "whsec_" + Base64Encode(std::string(32, 'k')) + "    "}) {
    EXPECT_FALSE(IsSigningSecret(bad)) << bad;
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding and decoding.

Webhook MakeWebhook(std::string_view body, uint64_t seq) {
  absl::StatusOr<WebhookSpec> spec = ParseBody(body);
  EXPECT_TRUE(spec.ok()) << spec.status();
  Webhook w;
  w.webhook_id = NewWebhookId();
  w.internal_id = NewOrganizationId();
  if (spec.ok()) w.spec = *spec;
  w.created_at = FormatTimestamp(std::chrono::system_clock::from_time_t(1735689600));
  w.updated_at = FormatTimestamp(std::chrono::system_clock::now());
  w.seq = seq;
  return w;
}

struct RoundTripCase {
  std::string name;
  std::string body;
};

class RoundTripTest : public ::testing::TestWithParam<RoundTripCase> {};

TEST_P(RoundTripTest, StorageEncodingDecodesToAnEqualWebhook) {
  Webhook original = MakeWebhook(GetParam().body, 7);
  std::string stored = EncodeWebhook(original, Audience::kStorage);
  absl::StatusOr<Webhook> decoded = DecodeStoredWebhook(stored);
  ASSERT_TRUE(decoded.ok()) << decoded.status() << "\n" << stored;
  EXPECT_TRUE(*decoded == original)
      << "stored:  " << stored << "\ndecoded: " << EncodeWebhook(*decoded, Audience::kStorage);
  // Encoding is deterministic, so a second trip gives the same bytes.
  EXPECT_EQ(EncodeWebhook(*decoded, Audience::kStorage), stored);
}

INSTANTIATE_TEST_SUITE_P(
    ChannelKinds, RoundTripTest,
    ::testing::Values(
        RoundTripCase{"Seed", kSeedPutBody},
        RoundTripCase{"WebhookFull", WithChannel(R"({"channel": "webhook", "configs": {
            "url": "https://a.example/x?y=1", "headers": {"X-B": "2", "X-A": "1 \"q\" \u00e9"},
            "payload_template": {"t": "{{event_type}}", "n": [1, 2.5, -3e-7, true, null, {}],
                                 "u": "\u0001\u00e9\ud83d\ude00"},
            "timeout": 0.1}})")},
        RoundTripCase{
            "WebhookDefaults",
            WithChannel(R"({"channel": "http", "configs": {"url": "http://b.example"}})")},
        RoundTripCase{"SlackIncoming", WithChannel(R"({"channel": "slack", "configs": {
            "webhook_url": "https://hooks.slack.com/services/T/B/X", "channel": "#c",
            "username": "u", "icon_emoji": ":x:", "icon_url": "https://e.example/i.png",
            "blocks_template": "[]"}})")},
        RoundTripCase{"EmailFull", WithChannel(R"({"channel": "email", "configs": {
            "to_addresses": ["a@example.com", "b@example.com"], "cc_addresses": ["c@example.com"],
            "bcc_addresses": ["d@example.com"], "subject_template": "S {{x}}",
            "body_template": "B\nline 2", "content_type": "json"}})")},
        RoundTripCase{"EmailDefaults", WithChannel(R"({"channel": "email", "configs": {
            "to_addresses": ["a@example.com"]}})")},
        RoundTripCase{"Sms", WithChannel(R"({"channel": "sms", "configs": {
            "phone_numbers": ["+15551234567", "+447911123456"], "message_template": "m"}})")},
        RoundTripCase{
            "AllKindsInactiveWildcard",
            Obj({"\"webhook_name\": \"\xc3\xa9t\xc3\xa9 \\\"quoted\\\"\"",
                 R"("description": "multi\nline")", R"("event_types": ["*", "alert.triggered"])",
                 R"("is_active": false)", R"("channels": [
              {"channel": "webhook", "configs": {"url": "https://a.example"}},
              {"channel": "slack", "configs": {"bot_token": "xoxb-1", "channel_id": "C1"}},
              {"channel": "email", "configs": {"to_addresses": ["a@example.com"]}},
              {"channel": "sms", "configs": {"phone_numbers": ["+15551234567"]}}])"})}),
    [](const ::testing::TestParamInfo<RoundTripCase>& row) { return row.param.name; });

TEST(WebhookCodecTest, RoundTripKeepsLargeSeqAndHexWebhookId) {
  Webhook w = MakeWebhook(kSeedPutBody, 0);
  w.webhook_id = "wh_0123456789abcdef";  // the public spec's 16-hex form, accepted on restore
  for (uint64_t seq : {uint64_t{0}, uint64_t{1}, uint64_t{1} << 53, ~uint64_t{0}}) {
    w.seq = seq;
    absl::StatusOr<Webhook> decoded = DecodeStoredWebhook(EncodeWebhook(w, Audience::kStorage));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(decoded->seq, seq);
    EXPECT_TRUE(*decoded == w);
  }
}

TEST(WebhookCodecTest, ApiAudienceHidesInternalIdAndSeq) {
  Webhook w = MakeWebhook(kSeedPutBody, 12345);
  std::string api = EncodeWebhook(w, Audience::kApi);
  rapidjson::Document doc;
  doc.Parse(api.c_str());
  ASSERT_FALSE(doc.HasParseError()) << api;
  ASSERT_TRUE(doc.IsObject());
  EXPECT_FALSE(doc.HasMember("internal_id")) << api;
  EXPECT_FALSE(doc.HasMember("seq")) << api;
  EXPECT_EQ(api.find(w.internal_id), std::string::npos) << api;
  std::vector<std::string> keys;
  for (const auto& m : doc.GetObject()) keys.emplace_back(m.name.GetString());
  EXPECT_EQ(keys,
            (std::vector<std::string>{"webhook_id", "webhook_name", "description", "event_types",
                                      "channels", "is_active", "created_at", "updated_at"}));
  EXPECT_EQ(doc["webhook_id"].GetString(), w.webhook_id);
  EXPECT_EQ(doc["created_at"].GetString(), w.created_at);
  EXPECT_EQ(doc["updated_at"].GetString(), w.updated_at);
  EXPECT_TRUE(doc["is_active"].IsBool());

  std::string storage = EncodeWebhook(w, Audience::kStorage);
  rapidjson::Document stored;
  stored.Parse(storage.c_str());
  ASSERT_FALSE(stored.HasParseError()) << storage;
  ASSERT_TRUE(stored.HasMember("internal_id") && stored["internal_id"].IsString());
  EXPECT_EQ(stored["internal_id"].GetString(), w.internal_id);
  ASSERT_TRUE(stored.HasMember("seq") && stored["seq"].IsUint64());
  EXPECT_EQ(stored["seq"].GetUint64(), 12345u);
}

TEST(WebhookCodecTest, DescriptionOmittedWhenUnset) {
  Webhook w = MakeWebhook(Obj({kName, kEvents, kChannels}), 1);
  EXPECT_EQ(EncodeWebhook(w, Audience::kApi).find("description"), std::string::npos);
  EXPECT_EQ(EncodeWebhook(w, Audience::kStorage).find("description"), std::string::npos);
}

TEST(WebhookCodecTest, UnknownInputFieldsAreNotStored) {
  Webhook w = MakeWebhook(Obj({kName, kEvents, R"("zz_top_unknown": "zz_top_value")",
                               R"("internal_id": "int_AAAAAAAAAAAAAAAAAAAAAAAA")", R"("seq": 999)",
                               R"("channels": [
          {"channel": "webhook", "zz_channel_unknown": 1,
           "configs": {"url": "https://a.example", "zz_config_unknown": "zz_config_value"}},
          {"channel": "slack", "configs": {"bot_token": "t", "channel_id": "c",
                                           "zz_slack_unknown": true}},
          {"channel": "email", "configs": {"to_addresses": ["a@example.com"], "zz_email": 1}},
          {"channel": "sms", "configs": {"phone_numbers": ["+15551234567"], "zz_sms": 1}}])"}),
                          3);
  std::string stored = EncodeWebhook(w, Audience::kStorage);
  std::string api = EncodeWebhook(w, Audience::kApi);
  for (const std::string& json : {stored, api}) {
    EXPECT_EQ(json.find("zz_"), std::string::npos) << json;
    EXPECT_EQ(json.find("int_AAAAAAAAAAAAAAAAAAAAAAAA"), std::string::npos) << json;
    rapidjson::Document doc;
    doc.Parse(json.c_str());
    ASSERT_FALSE(doc.HasParseError()) << json;
    EXPECT_TRUE(!doc.HasMember("seq") || (doc["seq"].IsUint64() && doc["seq"].GetUint64() == 3))
        << json;
  }
  absl::StatusOr<Webhook> decoded = DecodeStoredWebhook(stored);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE(*decoded == w);
  EXPECT_EQ(decoded->seq, 3u);
  EXPECT_EQ(EncodeWebhook(*decoded, Audience::kStorage).find("zz_"), std::string::npos);
}

TEST(WebhookCodecTest, DecodeRejectsDamagedRecords) {
  Webhook w = MakeWebhook(kSeedPutBody, 5);
  std::string good = EncodeWebhook(w, Audience::kStorage);
  ASSERT_TRUE(DecodeStoredWebhook(good).ok());

  auto replace = [&](std::string_view from, std::string_view to) {
    std::string s = good;
    size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) s.replace(at, from.size(), to);
    return s;
  };
  const std::string kDamaged[] = {
      "",
      good.substr(0, good.size() / 2),
      "[]",
      replace(w.webhook_id, "wh_bad"),
      replace(w.internal_id, "int_short"),
      replace(R"("internal_id")", R"("internal_idx")"),
      replace(w.created_at, "2025-13-01T00:00:00Z"),
      replace(R"("updated_at")", R"("updated_atx")"),
      replace(R"("webhook_name":"Engineering Slack Alerts")", R"("webhook_name":"")"),
      replace(R"("channel_id":"C0123456789",)", ""),
      replace(R"("object.created")", R"("object.bogus")"),
  };
  for (const std::string& damaged : kDamaged) {
    absl::StatusOr<Webhook> decoded = DecodeStoredWebhook(damaged);
    EXPECT_FALSE(decoded.ok()) << damaged;
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss) << damaged;
  }
}

}  // namespace
}  // namespace webhooks

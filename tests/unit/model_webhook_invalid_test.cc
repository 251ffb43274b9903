// Invalid create/PUT bodies: one row per failure, with the field error (type and location) it
// must report.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/json_input.h"
#include "model/validation.h"
#include "model/webhook.h"
#include "model/webhook_codec.h"
#include "tests/test_util.h"
#include "tests/unit/model_webhook_fixture.h"

namespace webhooks {
namespace {

// A valid body with a valid SMS channel at index 0 and `channel` at index 1.
std::string WithSecondChannel(std::string_view channel) {
  return Obj({kName, kEvents,
              "\"channels\": [" + std::string(kSmsChannel) + ", " + std::string(channel) + "]"});
}

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

}  // namespace
}  // namespace webhooks

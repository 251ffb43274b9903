// Valid bodies with a "webhook" (or "http") channel: its configs as parsed, and the API form of
// the defaults.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "common/ids.h"
#include "model/channel_codec.h"
#include "model/webhook.h"
#include "model/webhook_codec.h"
#include "tests/unit/model_webhook_fixture.h"

namespace webhooks {
namespace {

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
  EXPECT_FALSE(configs.HasMember("rate_limit")) << json;  // no limit unless asked for
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

TEST(WebhookSpecTest, RateLimitIsAWholeNumberOfAttemptsPerSecondAndRoundTrips) {
  for (std::string_view rate : {"1", "1000", "25", "2e1", "null"}) {
    absl::StatusOr<WebhookSpec> spec = ParseBody(WithChannel(
        R"({"channel": "webhook", "configs": {"url": "https://a.example", "rate_limit": )" +
        std::string(rate) + "}}"));
    ASSERT_TRUE(spec.ok()) << rate << ": " << spec.status();
    const auto& http = std::get<HttpChannel>(spec->channels[0]);
    if (rate == "null") {
      EXPECT_FALSE(http.rate_limit.has_value());
      continue;
    }
    ASSERT_TRUE(http.rate_limit.has_value()) << rate;
    EXPECT_EQ(*http.rate_limit, static_cast<uint32_t>(std::stod(std::string(rate))));
    Webhook w;
    w.webhook_id = NewWebhookId();
    w.internal_id = NewOrganizationId();
    w.spec = *spec;
    w.created_at = w.updated_at = "2025-01-01T00:00:00Z";
    absl::StatusOr<Webhook> back = DecodeStoredWebhook(EncodeWebhook(w, Audience::kStorage));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->spec, w.spec) << rate;
    EXPECT_NE(EncodeWebhook(w, Audience::kApi)
                  .find(R"("rate_limit":)" + std::to_string(*http.rate_limit)),
              std::string::npos);
  }
  const std::vector<std::pair<std::string_view, std::string_view>> bad = {
      {"0", "value_error"}, {"1001", "value_error"}, {"-5", "value_error"},
      {"2.5", "int_type"},  {"\"5\"", "float_type"}, {"true", "float_type"}};
  for (const auto& [rate, type] : bad) {
    absl::StatusOr<WebhookSpec> spec = ParseBody(WithChannel(
        R"({"channel": "webhook", "configs": {"url": "https://a.example", "rate_limit": )" +
        std::string(rate) + "}}"));
    ASSERT_FALSE(spec.ok()) << rate;
    rapidjson::Document errors;
    ASSERT_NO_FATAL_FAILURE(ParseFieldErrors(spec.status(), &errors));
    EXPECT_TRUE(HasError(errors, type, R"(["body","channels",0,"configs","rate_limit"])"))
        << rate << ": " << FieldErrorsJson(spec.status()).value_or("");
  }
}

TEST(WebhookSpecTest, RetryScheduleIsKeptAsGivenAndCheckedAgainstTheChannelLimits) {
  absl::StatusOr<WebhookSpec> spec = ParseBody(WithChannel(
      R"({"channel": "webhook", "configs": {"url": "https://a.example",
          "retry_schedule": "0,30s,5m, 1h"}})"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  const auto& http = std::get<HttpChannel>(spec->channels[0]);
  EXPECT_EQ(http.retry_schedule, "0,30s,5m, 1h");
  Webhook w;
  w.webhook_id = NewWebhookId();
  w.internal_id = NewOrganizationId();
  w.spec = *spec;
  w.created_at = w.updated_at = "2025-01-01T00:00:00Z";
  EXPECT_NE(EncodeWebhook(w, Audience::kApi).find(R"("retry_schedule":"0,30s,5m, 1h")"),
            std::string::npos);
  absl::StatusOr<Webhook> back = DecodeStoredWebhook(EncodeWebhook(w, Audience::kStorage));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->spec, w.spec);
  std::get<HttpChannel>(w.spec.channels[0]).retry_schedule.reset();
  EXPECT_EQ(EncodeWebhook(w, Audience::kApi).find("retry_schedule"), std::string::npos);

  const std::vector<std::pair<std::string_view, std::string_view>> bad = {
      {R"("")", "string_too_short"},
      {R"("5 minutes")", "value_error"},
      {R"("0,200h")", "value_error"},
      {"300", "string_type"}};
  for (const auto& [schedule, type] : bad) {
    absl::StatusOr<WebhookSpec> refused = ParseBody(WithChannel(
        R"({"channel": "webhook", "configs": {"url": "https://a.example", "retry_schedule": )" +
        std::string(schedule) + "}}"));
    ASSERT_FALSE(refused.ok()) << schedule;
    rapidjson::Document errors;
    ASSERT_NO_FATAL_FAILURE(ParseFieldErrors(refused.status(), &errors));
    EXPECT_TRUE(HasError(errors, type, R"(["body","channels",0,"configs","retry_schedule"])"))
        << schedule << ": " << FieldErrorsJson(refused.status()).value_or("");
  }
}

TEST(WebhookSpecTest, OtherChannelsRefuseTheWebhookChannelOptions) {
  const std::vector<std::string> channels = {
      R"({"channel": "slack", "configs": {"webhook_url": "https://hooks.slack.com/x", )",
      R"({"channel": "email", "configs": {"to_addresses": ["a@example.com"], )",
      R"({"channel": "sms", "configs": {"phone_numbers": ["+15550000001"], )"};
  for (const std::string& channel : channels) {
    for (const char* option : {R"("rate_limit": 5}})", R"("retry_schedule": "0,1m"}})"}) {
      absl::StatusOr<WebhookSpec> spec = ParseBody(WithChannel(channel + option));
      ASSERT_FALSE(spec.ok()) << channel << option;
      rapidjson::Document errors;
      ASSERT_NO_FATAL_FAILURE(ParseFieldErrors(spec.status(), &errors));
      const std::string key = std::string(option).substr(1, std::string(option).find('"', 1) - 1);
      EXPECT_TRUE(HasError(errors, "extra_forbidden",
                           R"(["body","channels",0,"configs",")" + key + R"("])"))
          << FieldErrorsJson(spec.status()).value_or("");
    }
  }
}

}  // namespace
}  // namespace webhooks

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

// A webhook channel to https://a.example with one more config member, `key`: `json_value`.
std::string WebhookWith(std::string_view key, std::string_view json_value) {
  return R"({"channel": "webhook", "configs": {"url": "https://a.example", ")" + std::string(key) +
         R"(": )" + std::string(json_value) + "}}";
}

// Expects a body with `channel` refused with an error of `type` at
// body.channels.0.configs.<key>.
void ExpectConfigError(const std::string& channel, std::string_view key, std::string_view type) {
  absl::StatusOr<WebhookSpec> spec = ParseBody(WithChannel(channel));
  ASSERT_FALSE(spec.ok()) << channel;
  rapidjson::Document errors;
  ASSERT_NO_FATAL_FAILURE(ParseFieldErrors(spec.status(), &errors));
  EXPECT_TRUE(
      HasError(errors, type, R"(["body","channels",0,"configs",")" + std::string(key) + R"("])"))
      << channel << ": " << FieldErrorsJson(spec.status()).value_or("");
}

// `spec` as a stored webhook, and back through the storage encoding.
std::pair<Webhook, absl::StatusOr<Webhook>> RoundTrip(const WebhookSpec& spec) {
  Webhook w;
  w.webhook_id = NewWebhookId();
  w.internal_id = NewOrganizationId();
  w.spec = spec;
  w.created_at = w.updated_at = "2025-01-01T00:00:00Z";
  absl::StatusOr<Webhook> back = DecodeStoredWebhook(EncodeWebhook(w, Audience::kStorage));
  return {std::move(w), std::move(back)};
}

TEST(WebhookSpecTest, RateLimitIsAWholeNumberOfAttemptsPerSecondAndRoundTrips) {
  for (std::string_view rate : {"1", "1000", "25", "2e1", "null"}) {
    absl::StatusOr<WebhookSpec> spec = ParseBody(WithChannel(WebhookWith("rate_limit", rate)));
    ASSERT_TRUE(spec.ok()) << rate << ": " << spec.status();
    const auto& http = std::get<HttpChannel>(spec->channels[0]);
    if (rate == "null") {
      EXPECT_FALSE(http.rate_limit.has_value());
      continue;
    }
    ASSERT_TRUE(http.rate_limit.has_value()) << rate;
    EXPECT_EQ(*http.rate_limit, static_cast<uint32_t>(std::stod(std::string(rate))));
    auto [w, back] = RoundTrip(*spec);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->spec, w.spec) << rate;
    EXPECT_NE(EncodeWebhook(w, Audience::kApi)
                  .find(R"("rate_limit":)" + std::to_string(*http.rate_limit)),
              std::string::npos);
  }
  for (const auto& [rate, type] :
       std::vector<std::pair<std::string_view, std::string_view>>{{"0", "value_error"},
                                                                  {"1001", "value_error"},
                                                                  {"-5", "value_error"},
                                                                  {"2.5", "int_type"},
                                                                  {"\"5\"", "int_type"},
                                                                  {"true", "int_type"}}) {
    ExpectConfigError(WebhookWith("rate_limit", rate), "rate_limit", type);
  }
}

TEST(WebhookSpecTest, RetryScheduleIsKeptAsGivenAndCheckedAgainstTheChannelLimits) {
  absl::StatusOr<WebhookSpec> spec =
      ParseBody(WithChannel(WebhookWith("retry_schedule", R"("0,30s,5m, 1h")")));
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(std::get<HttpChannel>(spec->channels[0]).retry_schedule, "0,30s,5m, 1h");
  auto [w, back] = RoundTrip(*spec);
  EXPECT_NE(EncodeWebhook(w, Audience::kApi).find(R"("retry_schedule":"0,30s,5m, 1h")"),
            std::string::npos);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->spec, w.spec);
  std::get<HttpChannel>(w.spec.channels[0]).retry_schedule.reset();
  EXPECT_EQ(EncodeWebhook(w, Audience::kApi).find("retry_schedule"), std::string::npos);
  for (const auto& [schedule, type] :
       std::vector<std::pair<std::string_view, std::string_view>>{{R"("")", "string_too_short"},
                                                                  {R"("5 minutes")", "value_error"},
                                                                  {R"("0,200h")", "value_error"},
                                                                  {"300", "string_type"}}) {
    ExpectConfigError(WebhookWith("retry_schedule", schedule), "retry_schedule", type);
  }
}

TEST(WebhookSpecTest, OtherChannelsRefuseTheWebhookChannelOptions) {
  const std::vector<std::string> channels = {
      R"({"channel": "slack", "configs": {"webhook_url": "https://hooks.slack.com/x", )",
      R"({"channel": "email", "configs": {"to_addresses": ["a@example.com"], )",
      R"({"channel": "sms", "configs": {"phone_numbers": ["+15550000001"], )"};
  for (const std::string& channel : channels) {
    ExpectConfigError(channel + R"("rate_limit": 5}})", "rate_limit", "extra_forbidden");
    ExpectConfigError(channel + R"("retry_schedule": "0,1m"}})", "retry_schedule",
                      "extra_forbidden");
  }
}

}  // namespace
}  // namespace webhooks

// Slack channels: Web API and incoming-webhook requests, the default text and blocks templates,
// and how responses are interpreted.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "model/json_input.h"
#include "model/webhook.h"
#include "notifier/channel_format.h"
#include "notifier/outbound.h"
#include "tests/unit/notifier_format_fixture.h"

namespace webhooks {
namespace {

rapidjson::Document Json(std::string_view text) {
  rapidjson::Document doc;
  EXPECT_TRUE(ParseJson(text, &doc).ok()) << text;
  return doc;
}

SlackChannel SlackBot() {
  SlackChannel c;
  c.bot_token = "xoxb-123";
  c.channel_id = "C123";
  return c;
}

SlackChannel SlackHook() {
  SlackChannel c;
  c.webhook_url = "https://hooks.slack.test/services/T/B/X";
  return c;
}

ChannelEndpoints SlackEndpoints() {
  ChannelEndpoints e;
  e.slack_api_url = "https://slack.test/api/";
  return e;
}

TEST(NotifierFormatSlackTest, BuildsWebApiRequest) {
  OutboundHttp out = BuildHttpRequest(SlackBot(), Ctx(), SlackEndpoints());
  EXPECT_EQ(out.url, "https://slack.test/api/chat.postMessage");
  EXPECT_FALSE(out.guard_target);
  const Headers want = {{"Authorization", "Bearer xoxb-123"},
                        {"Content-Type", "application/json; charset=utf-8"},
                        {"User-Agent", "webhooks-notifier/1"}};
  EXPECT_EQ(out.headers, want);
  EXPECT_EQ(out.body,
            R"x({"channel":"C123","text":"*invoice.paid* event evt_1 (subject customer cus_9)"})x");
}

TEST(NotifierFormatSlackTest, DefaultTextEscapesValues) {
  OutboundHttp out = BuildHttpRequest(
      SlackBot(), Ctx(R"({"event_id":"<!channel> & co","event_type":"x.y","subject":null})"),
      SlackEndpoints());
  EXPECT_EQ(Json(out.body)["text"].GetString(),
            std::string("*x.y* event &lt;!channel&gt; &amp; co"));
  out = BuildHttpRequest(SlackBot(),
                         Ctx(R"({"event_id":"e","event_type":"t",)"
                             R"("subject":{"type":"user"}})"),
                         SlackEndpoints());
  EXPECT_EQ(Json(out.body)["text"].GetString(), std::string("*t* event e (subject user)"));
}

TEST(NotifierFormatSlackTest, BlocksFromJsonTemplate) {
  SlackChannel c = SlackBot();
  c.username = "bot";
  c.blocks_template =
      R"([{"type":"section","text":{"type":"mrkdwn","text":"*{{event_type}}* {{metadata.evil}}"}},)"
      R"({"type":"context","elements":[{"type":"plain_text","text":"{{metadata.amount}}"}]}])";
  OutboundHttp out = BuildHttpRequest(c, Ctx(), SlackEndpoints());
  rapidjson::Document body = Json(out.body);
  EXPECT_STREQ(body["username"].GetString(), "bot");
  ASSERT_TRUE(body["blocks"].IsArray());
  EXPECT_EQ(std::string(body["blocks"][0]["text"]["text"].GetString()),
            "*invoice.paid* &lt;!channel&gt; \"}] &lt;script&gt;x&lt;/script&gt;");
  EXPECT_EQ(body["blocks"][1]["elements"][0]["text"].GetInt(), 42);
}

TEST(NotifierFormatSlackTest, BlocksFromTextTemplate) {
  SlackChannel c = SlackBot();
  c.blocks_template = R"([{"n": {{metadata.amount}}, "t": "{{metadata.evil}}"}])";
  rapidjson::Document body = Json(BuildHttpRequest(c, Ctx(), SlackEndpoints()).body);
  ASSERT_TRUE(body.HasMember("blocks"));
  EXPECT_EQ(body["blocks"][0]["n"].GetInt(), 42);
  EXPECT_EQ(std::string(body["blocks"][0]["t"].GetString()),
            "&lt;!channel&gt; \"}] &lt;script&gt;x&lt;/script&gt;");
  EXPECT_EQ(body["blocks"].Size(), 1u);
}

TEST(NotifierFormatSlackTest, BlocksOmittedUnlessArray) {
  for (const char* tmpl : {R"({"type":"section"})", "not json {{", "{{metadata.amount}}", "[",
                           R"([{"x": {{subject}} ])"}) {
    SlackChannel c = SlackBot();
    c.blocks_template = tmpl;
    rapidjson::Document body = Json(BuildHttpRequest(c, Ctx(), SlackEndpoints()).body);
    EXPECT_FALSE(body.HasMember("blocks")) << tmpl;
    EXPECT_TRUE(body.HasMember("text")) << tmpl;
  }
}

TEST(NotifierFormatSlackTest, BuildsIncomingWebhookRequest) {
  SlackChannel c = SlackHook();
  c.channel = "#alerts";
  c.username = "webhooks";
  c.icon_emoji = ":bell:";
  c.icon_url = "https://example.com/i.png";
  OutboundHttp out = BuildHttpRequest(c, Ctx(), SlackEndpoints());
  EXPECT_EQ(out.url, "https://hooks.slack.test/services/T/B/X");
  EXPECT_TRUE(out.guard_target);
  const Headers want = {{"Content-Type", "application/json; charset=utf-8"},
                        {"User-Agent", "webhooks-notifier/1"}};
  EXPECT_EQ(out.headers, want);
  EXPECT_EQ(
      out.body,
      R"x({"channel":"#alerts","text":"*invoice.paid* event evt_1 (subject customer cus_9)",)x"
      R"("username":"webhooks","icon_emoji":":bell:","icon_url":"https://example.com/i.png"})");
  out = BuildHttpRequest(SlackHook(), Ctx(), SlackEndpoints());
  EXPECT_EQ(out.body, R"x({"text":"*invoice.paid* event evt_1 (subject customer cus_9)"})x");
}

TEST(NotifierFormatSlackTest, InvalidConfigurations) {
  EXPECT_EQ(BuildRequest(SlackChannel{}, Ctx(), SlackEndpoints()).status().code(),
            absl::StatusCode::kInvalidArgument);
  ChannelEndpoints no_api;
  no_api.slack_api_url = "";
  EXPECT_EQ(BuildRequest(SlackBot(), Ctx(), no_api).status().code(),
            absl::StatusCode::kInvalidArgument);
  SlackChannel bad = SlackBot();
  bad.bot_token = "xoxb\r\nX-Injected: 1";
  EXPECT_EQ(BuildRequest(bad, Ctx(), SlackEndpoints()).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Only a channel_id: falls back to webhook_url, which is missing.
  SlackChannel half;
  half.channel_id = "C1";
  EXPECT_EQ(BuildRequest(half, Ctx(), SlackEndpoints()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(NotifierFormatSlackTest, InterpretWebApi) {
  std::string truncated =
      R"({"ok":true,"channel":"C123","ts":"1.2","message":{"text":")" + std::string(4000, 'x');
  ExpectVerdicts(
      SlackBot(),
      {
          {Response(200, R"({"ok":true,"channel":"C123","ts":"1503435956.000247"})"),
           Outcome::kSuccess, ""},
          {Response(200, R"({ "ok" : true })"), Outcome::kSuccess, ""},
          {Response(200, truncated), Outcome::kSuccess, ""},
          {Response(200, R"({"ok":false,"error":"channel_not_found"})"), Outcome::kFail,
           "slack error: channel_not_found"},
          {Response(200, R"({"ok":false,"error":"invalid_auth"})"), Outcome::kFail,
           "slack error: invalid_auth"},
          {Response(200, R"({"ok":false})"), Outcome::kFail, "slack error: unknown"},
          {Response(200, R"({"ok":false,"error":"ratelimited"})", {{"retry-after", "3"}}),
           Outcome::kRetry, "slack error: ratelimited", 3000},
          {Response(200, R"({"ok":false,"error":"rate_limited"})"), Outcome::kRetry,
           "slack error: rate_limited"},
          {Response(200, R"({"ok":false,"error":"internal_error"})"), Outcome::kRetry,
           "slack error: internal_error"},
          {Response(200, R"({"ok":false,"error":"fatal_error"})"), Outcome::kRetry,
           "slack error: fatal_error"},
          {Response(200, R"({"ok":false,"error":"request_timeout"})"), Outcome::kRetry,
           "slack error: request_timeout"},
          {Response(200, R"({"ok":false,"error":"service_unavailable"})"), Outcome::kRetry,
           "slack error: service_unavailable"},
          {Response(200, "<html>"), Outcome::kRetry,
           "slack: unexpected response (HTTP 200: <html>)"},
          {Response(429, "", {{"retry-after", "5"}}), Outcome::kRetry, "HTTP 429", 5000},
          {Response(500, "down"), Outcome::kRetry, "HTTP 500: down"},
          {Response(503, "", {{"retry-after", "1"}}), Outcome::kRetry, "HTTP 503", 1000},
          {Response(302), Outcome::kRetry, "redirect not followed (status 302)"},
          {Response(410), Outcome::kDisable, "receiver answered 410 Gone"},
          {Failure("Could not resolve host"), Outcome::kRetry, "Could not resolve host"},
      });
}

TEST(NotifierFormatSlackTest, InterpretIncomingWebhook) {
  ExpectVerdicts(
      SlackHook(),
      {
          {Response(200, "ok"), Outcome::kSuccess, ""},
          {Response(200, R"({"ok":false,"error":"x"})"), Outcome::kSuccess, ""},
          {Response(404, "no_service"), Outcome::kRetry, "HTTP 404: no_service"},
          {Response(410, "channel_is_archived"), Outcome::kDisable, "receiver answered 410 Gone"},
          {Response(429, "", {{"retry-after", "9"}}), Outcome::kRetry, "HTTP 429", 9000},
          {Response(301), Outcome::kRetry, "redirect not followed (status 301)"},
          {Failure("timeout"), Outcome::kRetry, "timeout"},
      });
}

}  // namespace
}  // namespace webhooks

// Valid bodies with a "slack" channel, in the Web API form and the incoming-webhook form; only
// the fields given are echoed.
#include <gtest/gtest.h>

#include <variant>

#include "absl/status/statusor.h"
#include "common/ids.h"
#include "model/webhook.h"
#include "model/webhook_codec.h"
#include "tests/unit/model_webhook_fixture.h"

namespace webhooks {
namespace {

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

}  // namespace
}  // namespace webhooks

// Valid bodies with an "sms" channel.
#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "model/channel_codec.h"
#include "model/webhook.h"
#include "tests/unit/model_webhook_fixture.h"

namespace webhooks {
namespace {

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

}  // namespace
}  // namespace webhooks

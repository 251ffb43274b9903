// Valid create/PUT bodies (ParseJson + ParseWebhookSpec): the seed's body, the top-level fields
// and the channel list as a whole.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/channel_codec.h"
#include "model/webhook.h"
#include "tests/unit/model_webhook_fixture.h"

namespace webhooks {
namespace {

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

}  // namespace
}  // namespace webhooks

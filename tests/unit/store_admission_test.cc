// WhyUnsendable: the one decision of what the dispatcher cancels and the API refuses to retry.
#include <gtest/gtest.h>

#include "model/event_types.h"
#include "store/admission.h"

namespace webhooks {
namespace {

Delivery On(uint32_t channel, uint32_t target = 0, std::string_view event_type = "object.created") {
  Delivery d;
  d.channel_index = channel;
  d.target_index = target;
  d.event_type = std::string(event_type);
  return d;
}

// Channels 0 webhook, 1 SMS with two numbers, 2 e-mail (disabled), 3 Slack.
std::vector<ChannelShape> Shapes() {
  SmsChannel sms;
  sms.phone_numbers = {"+15550000001", "+15550000002"};
  EmailChannel email;
  email.to_addresses = {"a@example.com"};
  return ChannelShapes({HttpChannel{}, sms, email, SlackChannel{}}, {{2, "failing"}, {9, "x"}});
}

TEST(WhyUnsendableTest, ChannelShapesKnowRecipientsKindAndDisabledChannels) {
  std::vector<ChannelShape> shapes = Shapes();
  ASSERT_EQ(shapes.size(), 4u);  // a disabled index past the channels adds nothing
  EXPECT_TRUE(shapes[0].webhook);
  EXPECT_FALSE(shapes[1].webhook);
  EXPECT_EQ(shapes[1].recipients, 2u);
  EXPECT_EQ(shapes[0].recipients, 1u);
  EXPECT_EQ(shapes[2].recipients, 1u);  // an e-mail goes to all its addresses at once
  EXPECT_TRUE(shapes[2].disabled);
  EXPECT_FALSE(shapes[0].disabled || shapes[1].disabled || shapes[3].disabled);
}

TEST(WhyUnsendableTest, EachReasonAndItsPrecedence) {
  const std::vector<ChannelShape> shapes = Shapes();
  EXPECT_EQ(WhyUnsendable(On(0), true, shapes), Unsendable::kNo);
  EXPECT_EQ(WhyUnsendable(On(1, 1), true, shapes), Unsendable::kNo);
  EXPECT_EQ(WhyUnsendable(On(3, 0, kChannelDisabledEventType), true, shapes), Unsendable::kNo);
  EXPECT_EQ(WhyUnsendable(On(0), false, shapes), Unsendable::kPaused);
  EXPECT_EQ(WhyUnsendable(On(7), false, shapes), Unsendable::kPaused);  // paused comes first
  EXPECT_EQ(WhyUnsendable(On(4), true, shapes), Unsendable::kChannelRemoved);
  EXPECT_EQ(WhyUnsendable(On(2), true, shapes), Unsendable::kChannelDisabled);
  EXPECT_EQ(WhyUnsendable(On(2, 5), true, shapes), Unsendable::kChannelDisabled);
  EXPECT_EQ(WhyUnsendable(On(1, 2), true, shapes), Unsendable::kRecipientRemoved);
  EXPECT_EQ(WhyUnsendable(On(0, 0, kChannelDisabledEventType), true, shapes),
            Unsendable::kNoticeOnWebhookChannel);
  EXPECT_EQ(WhyUnsendable(On(0), true, {}), Unsendable::kChannelRemoved);
}

}  // namespace
}  // namespace webhooks

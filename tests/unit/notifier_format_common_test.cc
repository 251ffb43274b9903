// What the channel formats share: the number of targets (requests) of each channel kind, and
// that an envelope that is not a JSON object still builds.
#include <gtest/gtest.h>

#include "model/webhook.h"
#include "notifier/channel_format.h"
#include "notifier/outbound.h"
#include "tests/unit/notifier_format_fixture.h"

namespace webhooks {
namespace {

TEST(NotifierFormatTest, TargetCount) {
  EXPECT_EQ(TargetCount(HttpChannel{}), 1u);
  EXPECT_EQ(TargetCount(SlackChannel{}), 1u);
  EXPECT_EQ(TargetCount(EmailChannel{{"a@x", "b@x"}, {"c@x"}, {}, {}, {}, {}}), 1u);
  SmsChannel sms;
  sms.phone_numbers = {"+15550000001", "+15550000002", "+15550000003"};
  EXPECT_EQ(TargetCount(sms), 3u);
}

TEST(NotifierFormatTest, NonObjectEnvelopeStillBuilds) {
  OutboundHttp sms = BuildHttpRequest(Sms(), Ctx("not json"), SmsEndpoints());
  EXPECT_EQ(sms.body.substr(sms.body.find("&Body=")), "&Body=%3A+");
  OutboundHttp http = BuildHttpRequest(Http(), Ctx("not json"));
  EXPECT_EQ(http.body, "not json");
}

}  // namespace
}  // namespace webhooks

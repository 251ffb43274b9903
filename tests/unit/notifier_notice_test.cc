// What the dispatcher cancels at admission after a PUT changed a webhook's channels: a disable
// notice whose channel became a webhook channel, and a delivery to an SMS number that was
// removed. Neither is sent, and neither counts as a failed attempt of the channel.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "notifier/dispatcher.h"
#include "store/disable_notice.h"
#include "tests/unit/notifier_fakes.h"
#include "tests/unit/notifier_lmdb_fixture.h"

namespace webhooks {
namespace {

class AdmissionTest : public NotifierLmdbTest {
 protected:
  // Replaces channel `index` of webhook `id` as a PUT would.
  void PutChannel(const std::string& id, size_t index, Channel channel) {
    ASSERT_OK(store_
                  ->UpdateWebhook(org_, id,
                                  [&](Webhook& stored) {
                                    stored.spec.channels[index] = channel;
                                    return absl::OkStatus();
                                  })
                  .status());
  }
  // One dispatcher step over what is due; returns the outcomes it produced, recorded.
  std::vector<AttemptOutcome> AdmitDue() {
    Outcomes outcomes;
    Dispatcher dispatcher(DispatcherOptions{}, schedule_, *store_, *deliveries_, transport_,
                          SystemClock(), outcomes.Sink());
    EXPECT_TRUE(dispatcher.Step().ok());
    return outcomes.Record(*deliveries_, dispatcher);
  }

  const RetrySchedule schedule_ = *RetrySchedule::Parse("0");  // the dispatcher keeps a reference
  FakeTransport transport_;
};

TEST_F(AdmissionTest, ANoticeWhoseChannelBecameAWebhookChannelIsCancelled) {
  HttpChannel http;
  http.url = "https://8.8.8.8/gone";
  EmailChannel email;
  email.to_addresses = {"ops@example.com"};
  const Webhook w = AddWebhook({http, email});
  const int64_t now_ms = UnixMillis(SystemClock()());
  std::vector<Delivery> notices = ChannelDisabledNotices(w, {0}, 0, "410 Gone", now_ms);
  ASSERT_EQ(notices.size(), 1u);
  ASSERT_EQ(notices[0].channel_index, 1u);
  ASSERT_OK(deliveries_->Enqueue(notices, {}, std::nullopt));
  // Before it is sent, a PUT makes channel 1 a webhook channel.
  HttpChannel other;
  other.url = "https://8.8.4.4/events";
  PutChannel(w.webhook_id, 1, other);

  std::vector<AttemptOutcome> done = AdmitDue();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].delivery.delivery_id, notices[0].delivery_id);
  EXPECT_EQ(done[0].delivery.state, DeliveryState::kCancelled);
  EXPECT_EQ(done[0].attempt.attempt, 0);  // nothing was sent
  EXPECT_EQ(transport_.Pending("https://8.8.4.4"), 0u);
  EXPECT_EQ(*deliveries_->PendingCount(), 0u);
}

TEST_F(AdmissionTest, ADeliveryToARemovedNumberIsCancelled) {
  SmsChannel sms;
  sms.phone_numbers = {"+15550000001", "+15550000002"};
  const Webhook w = AddWebhook({sms});
  ASSERT_OK(deliveries_->Enqueue({TimeOrderedDelivery(org_, "evt_1", "object.created", w.webhook_id,
                                                      0, 1, "{}", UnixMillis(SystemClock()()))},
                                 {}, std::nullopt));
  sms.phone_numbers.resize(1);
  PutChannel(w.webhook_id, 0, sms);

  std::vector<AttemptOutcome> done = AdmitDue();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].delivery.state, DeliveryState::kCancelled);
  EXPECT_EQ(done[0].attempt.attempt, 0);
  EXPECT_EQ(*deliveries_->PendingCount(), 0u);
  EXPECT_TRUE(deliveries_->GetWebhookState(org_, w.webhook_id)->failing.empty());
}

}  // namespace
}  // namespace webhooks

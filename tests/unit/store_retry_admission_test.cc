// DeliveryStore::RetryDelivery refuses what the notifier's admission would cancel (and
// RetryFailedSince skips it, asking the same Sendability::WhyNot): a delivery to an SMS number
// a PUT removed, and a disable notice on what is now a webhook channel.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/notifier_lmdb_fixture.h"

namespace webhooks {
namespace {

class RetryAdmissionTest : public NotifierLmdbTest {
 protected:
  DeliveryState StateOf(const Delivery& d) {
    return deliveries_->GetDelivery(d.delivery_id)->state;
  }
};

TEST_F(RetryAdmissionTest, WhatAdmissionWouldCancelStaysFailed) {
  constexpr int64_t kT = 1'700'000'000'000;
  HttpChannel http;
  http.url = "https://8.8.8.8/x";
  SmsChannel sms;
  sms.phone_numbers = {"+15550000001", "+15550000002"};
  const std::string hook = AddWebhook({http, sms}).webhook_id;
  // A failed delivery to the second number of channel 1, and a failed notice on channel 0.
  const Delivery to_second =
      TimeOrderedDelivery(org_, "evt_1", "object.created", hook, 1, 1, "{}", kT);
  const Delivery notice =
      TimeOrderedDelivery(org_, "evt_disabled_x", "webhook.channel_disabled", hook, 0, 0, "{}", kT);
  ASSERT_OK(deliveries_->Enqueue({to_second, notice}, {}, std::nullopt));
  std::vector<AttemptOutcome> outcomes(2);
  for (size_t i = 0; i < 2; ++i) {
    outcomes[i].delivery = i == 0 ? to_second : notice;
    outcomes[i].delivery.state = DeliveryState::kFailed;
    outcomes[i].delivery.attempts = 1;
    outcomes[i].taken_due_ms = kT;
  }
  ASSERT_OK(deliveries_->RecordOutcomes(outcomes));
  // The delivery is retryable while the webhook is as it was made for ...
  ASSERT_OK(deliveries_->RetryDelivery(org_, hook, to_second.delivery_id, kT).status());
  ASSERT_OK(deliveries_->RecordOutcomes(outcomes));
  // ... not once a PUT removed the number: 409, and the delivery stays failed.
  ASSERT_OK(store_
                ->UpdateWebhook(org_, hook,
                                [](Webhook& w) {
                                  std::get<SmsChannel>(w.spec.channels[1]).phone_numbers.resize(1);
                                  return absl::OkStatus();
                                })
                .status());
  absl::Status removed = deliveries_->RetryDelivery(org_, hook, to_second.delivery_id, kT).status();
  EXPECT_TRUE(absl::IsAborted(removed)) << removed;
  EXPECT_NE(removed.message().find("no longer has recipient 1"), std::string::npos) << removed;
  // Channel 0 is a webhook channel: the notice cannot go there.
  absl::Status notice_refused =
      deliveries_->RetryDelivery(org_, hook, notice.delivery_id, kT).status();
  EXPECT_TRUE(absl::IsAborted(notice_refused)) << notice_refused;
  EXPECT_NE(notice_refused.message().find("is a webhook channel now"), std::string::npos)
      << notice_refused;
  EXPECT_EQ(StateOf(to_second), DeliveryState::kFailed);
  EXPECT_EQ(StateOf(notice), DeliveryState::kFailed);
  EXPECT_EQ(*deliveries_->PendingCount(), 0u);
}

}  // namespace
}  // namespace webhooks

// What the dispatcher cancels at admission after a PUT changed a webhook's channels: a disable
// notice whose channel became a webhook channel, and a delivery to an SMS number that was
// removed. Neither is sent, and neither counts as a failed attempt of the channel.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/ids.h"
#include "notifier/dispatcher.h"
#include "store/disable_notice.h"
#include "store/lmdb_delivery_store.h"
#include "store/lmdb_store.h"
#include "tests/test_util.h"
#include "tests/unit/notifier_fakes.h"

namespace webhooks {
namespace {

using ::webhooks::testing::TempDir;

TEST(NotifierNoticeTest, ANoticeWhoseChannelBecameAWebhookChannelIsCancelled) {
  TempDir dir;
  LmdbOptions fast;
  fast.durable = false;
  auto opened = LmdbStore::Open(dir.path(), fast);
  ASSERT_OK(opened.status());
  std::unique_ptr<LmdbStore> store = *std::move(opened);
  LmdbDeliveryStore deliveries(store->env());
  const std::string org = NewOrganizationId();
  ASSERT_OK(store->CreateOrganization({org, "o", "2026-01-01T00:00:00Z"}));
  Webhook w;
  w.webhook_id = NewWebhookId();
  w.internal_id = org;
  w.spec.webhook_name = "w";
  w.spec.event_types = {"*"};
  HttpChannel http;
  http.url = "https://8.8.8.8/gone";
  EmailChannel email;
  email.to_addresses = {"ops@example.com"};
  w.spec.channels = {http, email};
  w.created_at = w.updated_at = "2026-01-01T00:00:00Z";
  ASSERT_OK(store->CreateWebhook(&w));
  const int64_t now_ms = UnixMillis(SystemClock()());
  std::vector<Delivery> notices = ChannelDisabledNotices(w, {0}, 0, "410 Gone", now_ms);
  ASSERT_EQ(notices.size(), 1u);
  ASSERT_EQ(notices[0].channel_index, 1u);
  ASSERT_OK(deliveries.Enqueue(notices, {}, std::nullopt));
  // Before it is sent, a PUT makes channel 1 a webhook channel.
  ASSERT_OK(store
                ->UpdateWebhook(org, w.webhook_id,
                                [](Webhook& stored) {
                                  HttpChannel other;
                                  other.url = "https://8.8.4.4/events";
                                  stored.spec.channels[1] = other;
                                  return absl::OkStatus();
                                })
                .status());

  FakeTransport transport;
  Outcomes outcomes;
  const RetrySchedule schedule = *RetrySchedule::Parse("0");  // the dispatcher keeps a reference
  Dispatcher dispatcher(DispatcherOptions{}, schedule, *store, deliveries, transport, SystemClock(),
                        outcomes.Sink());
  ASSERT_TRUE(dispatcher.Step().ok());
  std::vector<AttemptOutcome> done = outcomes.Record(deliveries, dispatcher);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].delivery.delivery_id, notices[0].delivery_id);
  EXPECT_EQ(done[0].delivery.state, DeliveryState::kCancelled);
  EXPECT_EQ(done[0].attempt.attempt, 0);  // nothing was sent
  EXPECT_EQ(transport.Pending("https://8.8.4.4"), 0u);
  EXPECT_EQ(*deliveries.PendingCount(), 0u);
}

TEST(NotifierNoticeTest, ADeliveryToARemovedNumberIsCancelled) {
  TempDir dir;
  LmdbOptions fast;
  fast.durable = false;
  auto opened = LmdbStore::Open(dir.path(), fast);
  ASSERT_OK(opened.status());
  std::unique_ptr<LmdbStore> store = *std::move(opened);
  LmdbDeliveryStore deliveries(store->env());
  const std::string org = NewOrganizationId();
  ASSERT_OK(store->CreateOrganization({org, "o", "2026-01-01T00:00:00Z"}));
  Webhook w;
  w.webhook_id = NewWebhookId();
  w.internal_id = org;
  w.spec.webhook_name = "w";
  w.spec.event_types = {"*"};
  SmsChannel sms;
  sms.phone_numbers = {"+15550000001", "+15550000002"};
  w.spec.channels = {sms};
  w.created_at = w.updated_at = "2026-01-01T00:00:00Z";
  ASSERT_OK(store->CreateWebhook(&w));
  Delivery d;
  d.internal_id = org;
  d.webhook_id = w.webhook_id;
  d.target_index = 1;
  d.event_id = "evt_1";
  d.event_type = "object.created";
  d.delivery_id = DeliveryId(1, org, d.event_id, w.webhook_id, 0, 1);
  d.envelope_json = "{}";
  d.next_attempt_ms = UnixMillis(SystemClock()());
  ASSERT_OK(deliveries.Enqueue({d}, {}, std::nullopt));
  ASSERT_OK(
      store
          ->UpdateWebhook(org, w.webhook_id,
                          [](Webhook& stored) {
                            std::get<SmsChannel>(stored.spec.channels[0]).phone_numbers.resize(1);
                            return absl::OkStatus();
                          })
          .status());

  FakeTransport transport;
  Outcomes outcomes;
  const RetrySchedule schedule = *RetrySchedule::Parse("0");
  Dispatcher dispatcher(DispatcherOptions{}, schedule, *store, deliveries, transport, SystemClock(),
                        outcomes.Sink());
  ASSERT_TRUE(dispatcher.Step().ok());
  std::vector<AttemptOutcome> done = outcomes.Record(deliveries, dispatcher);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].delivery.state, DeliveryState::kCancelled);
  EXPECT_EQ(done[0].attempt.attempt, 0);
  EXPECT_EQ(*deliveries.PendingCount(), 0u);
  EXPECT_TRUE(deliveries.GetWebhookState(org, w.webhook_id)->failing.empty());
}

}  // namespace
}  // namespace webhooks

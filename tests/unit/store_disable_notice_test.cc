// Disable notices (store/disable_notice.h): which channels are told, what the notice says, and
// RecordOutcomes queueing them in the transaction that disables the channel.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "store/disable_notice.h"
#include "store/lmdb_delivery_store.h"
#include "store/lmdb_store.h"
#include "tests/test_util.h"

namespace webhooks {
namespace {

using ::webhooks::testing::TempDir;

constexpr int64_t kT0 = 1'800'000'000'000;  // 2027-01-15T08:00:00Z
constexpr char kOrg[] = "int_AAAAAAAAAAAAAAAAAAAAAAAA";

// Channels: 0 webhook (a URL with credentials), 1 email (2 to, 1 cc), 2 Slack (bot), 3 SMS
// (2 numbers), 4 webhook, 5 Slack incoming webhook.
Webhook Mixed() {
  Webhook w;
  w.webhook_id = "wh_aaaaaaaaaa";
  w.internal_id = kOrg;
  w.spec.webhook_name = "Audit \"trail\"";
  w.spec.event_types = {"*"};
  HttpChannel http;
  http.url = "https://user:pw@hooks.example.com:8443/in?token=s3cret";
  w.spec.channels.push_back(http);
  EmailChannel email;
  email.to_addresses = {"ops@example.com", "dev@example.com"};
  email.cc_addresses = {"cto@example.com"};
  email.subject_template = "Object {{ subject.id }} changed";
  w.spec.channels.push_back(email);
  SlackChannel slack;
  slack.bot_token = "xoxb-1";
  slack.channel_id = "C0123";
  w.spec.channels.push_back(slack);
  SmsChannel sms;
  sms.phone_numbers = {"+15550000001", "+15550000002"};
  w.spec.channels.push_back(sms);
  w.spec.channels.push_back(http);
  SlackChannel incoming;
  incoming.webhook_url = "https://hooks.slack.com/services/T/B/secret";
  w.spec.channels.push_back(incoming);
  w.created_at = w.updated_at = "2027-01-01T00:00:00Z";
  return w;
}

rapidjson::Document Envelope(const Delivery& d) {
  rapidjson::Document doc;
  doc.Parse(d.envelope_json.c_str());
  EXPECT_FALSE(doc.HasParseError()) << d.envelope_json;
  return doc;
}

TEST(DisableNoticeTest, EveryChannelThatReachesPeopleIsToldOncePerRecipient) {
  std::vector<Delivery> n = ChannelDisabledNotices(Mixed(), {0}, 0, "receiver answered 410", kT0);
  std::vector<std::pair<uint32_t, uint32_t>> targets;
  std::set<std::string> ids;
  for (const Delivery& d : n) {
    targets.emplace_back(d.channel_index, d.target_index);
    ids.insert(d.delivery_id);
    EXPECT_EQ(d.state, DeliveryState::kPending);
    EXPECT_EQ(d.next_attempt_ms, kT0);
    EXPECT_EQ(d.event_type, "webhook.channel_disabled");
    EXPECT_EQ(d.webhook_id, "wh_aaaaaaaaaa");
    EXPECT_EQ(d.internal_id, kOrg);
    EXPECT_EQ(d.envelope_json, n[0].envelope_json);
  }
  // Email once (however many addresses), Slack in both forms, SMS per number; no webhook.
  EXPECT_EQ(targets,
            (std::vector<std::pair<uint32_t, uint32_t>>{{1, 0}, {2, 0}, {3, 0}, {3, 1}, {5, 0}}));
  EXPECT_EQ(ids.size(), n.size());
}

TEST(DisableNoticeTest, TheNoticeNamesTheChannelWithoutItsCredentials) {
  std::vector<Delivery> n = ChannelDisabledNotices(Mixed(), {0}, 0, "receiver answered 410", kT0);
  ASSERT_FALSE(n.empty());
  rapidjson::Document env = Envelope(n[0]);
  EXPECT_STREQ(env["event_type"].GetString(), "webhook.channel_disabled");
  EXPECT_STREQ(env["occurred_at"].GetString(), "2027-01-15T08:00:00Z");
  EXPECT_STREQ(env["subject"]["id"].GetString(), "wh_aaaaaaaaaa");
  const rapidjson::Value& m = env["metadata"];
  EXPECT_STREQ(m["webhook_name"].GetString(), "Audit \"trail\"");
  EXPECT_EQ(m["channel_index"].GetUint(), 0u);
  EXPECT_STREQ(m["channel"].GetString(), "webhook to hooks.example.com:8443");
  EXPECT_STREQ(m["reason"].GetString(), "receiver answered 410");
  const std::string message = m["message"].GetString();
  EXPECT_EQ(message,
            "Channel 0 (webhook to hooks.example.com:8443) of webhook \"Audit \"trail\"\" "
            "(wh_aaaaaaaaaa) was disabled: receiver answered 410. Events are no longer "
            "delivered to it; an update of the webhook (PUT) enables it again.");
  EXPECT_EQ(n[0].envelope_json.find("s3cret"), std::string::npos);
  EXPECT_EQ(n[0].envelope_json.find("pw@"), std::string::npos);

  // The other channel kinds, named as the notice names them.
  auto channel_of = [](uint32_t index, const std::vector<uint32_t>& off) {
    std::vector<Delivery> d = ChannelDisabledNotices(Mixed(), off, index, "x", kT0);
    return d.empty() ? std::string()
                     : std::string(Envelope(d[0])["metadata"]["channel"].GetString());
  };
  EXPECT_EQ(channel_of(1, {1}), "email to ops@example.com and 2 more");
  EXPECT_EQ(channel_of(2, {2}), "Slack channel C0123");
  EXPECT_EQ(channel_of(3, {3}), "SMS to 2 numbers");
  EXPECT_EQ(channel_of(5, {5}), "Slack incoming webhook");
}

TEST(DisableNoticeTest, DisabledChannelsAndPausedWebhooksAreNotTold) {
  // Channel 1 (email) was disabled before; now channel 2 (Slack) is: SMS and the incoming
  // webhook are told, not the email channel nor Slack channel 2 itself.
  std::vector<Delivery> n = ChannelDisabledNotices(Mixed(), {1, 2}, 2, "x", kT0);
  std::vector<uint32_t> channels;
  for (const Delivery& d : n) channels.push_back(d.channel_index);
  EXPECT_EQ(channels, (std::vector<uint32_t>{3, 3, 5}));
  // `index` is skipped even when the caller's list lacks it.
  n = ChannelDisabledNotices(Mixed(), {}, 1, "x", kT0);
  ASSERT_FALSE(n.empty());
  for (const Delivery& d : n) EXPECT_NE(d.channel_index, 1u);

  Webhook paused = Mixed();
  paused.spec.is_active = false;
  EXPECT_TRUE(ChannelDisabledNotices(paused, {0}, 0, "x", kT0).empty());
  Webhook only_http = Mixed();
  only_http.spec.channels.resize(1);
  only_http.spec.channels.push_back(only_http.spec.channels[0]);
  EXPECT_TRUE(ChannelDisabledNotices(only_http, {0}, 0, "x", kT0).empty());
  EXPECT_TRUE(ChannelDisabledNotices(Mixed(), {}, 9, "x", kT0).empty());  // no such channel
}

// RecordOutcomes queues the notices in the transaction that disables the channel.
class DisableNoticeStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = LmdbStore::Open(dir_.path());
    ASSERT_OK(s.status());
    store_ = *std::move(s);
    deliveries_ = std::make_unique<LmdbDeliveryStore>(
        store_->env(), [this] { return TimePoint(std::chrono::milliseconds(now_ms_)); });
    ASSERT_OK(store_->CreateOrganization({kOrg, "o", "2027-01-01T00:00:00Z"}));
    webhook_ = Mixed();
    ASSERT_OK(store_->CreateWebhook(&webhook_));
  }
  // Records a failed attempt on a new queued delivery of channel `index`: a 410 (`gone`), or an
  // attempt that gives up with --disable-after `window_ms`; returns the outcome as recorded.
  AttemptOutcome Gone(uint32_t index, bool gone = true, int64_t window_ms = 0) {
    Delivery d;
    d.internal_id = kOrg;
    d.webhook_id = webhook_.webhook_id;
    d.channel_index = index;
    d.event_id = "evt_" + std::to_string(++events_);
    d.event_type = "object.created";
    d.delivery_id = DeliveryId(events_, kOrg, d.event_id, d.webhook_id, index, 0);
    d.envelope_json = "{}";
    d.next_attempt_ms = kT0 + 1'000'000;  // not due: Due() below sees only the notices
    EXPECT_OK(deliveries_->Enqueue({d}, {}, std::nullopt));
    std::vector<AttemptOutcome> batch = {FirstAttempt(d, DeliveryState::kFailed)};
    AttemptOutcome& o = batch[0];
    if (gone) o.disable_channel = std::make_pair(index, std::string("receiver answered 410 Gone"));
    o.disable_failing_after_ms = window_ms;
    EXPECT_OK(deliveries_->RecordOutcomes(batch));
    return batch[0];
  }
  // The outcome of `d`'s first attempt, made at kT0, leaving it in `state`.
  static AttemptOutcome FirstAttempt(const Delivery& d, DeliveryState state) {
    AttemptOutcome o;
    o.taken_due_ms = d.next_attempt_ms;
    o.delivery = d;
    o.delivery.state = state;
    o.delivery.attempts = 1;
    o.attempt.internal_id = d.internal_id;
    o.attempt.webhook_id = d.webhook_id;
    o.attempt.delivery_id = d.delivery_id;
    o.attempt.event_id = d.event_id;
    o.attempt.channel_index = d.channel_index;
    o.attempt.attempt = 1;
    o.attempt.status = state == DeliveryState::kSucceeded ? "succeeded" : "failed";
    o.attempt.attempted_at = "2027-01-15T08:00:00Z";
    return o;
  }
  std::vector<Delivery> Due() {
    return deliveries_->Due(now_ms_, 100, nullptr, nullptr).value_or(std::vector<Delivery>{});
  }

  TempDir dir_;
  std::unique_ptr<LmdbStore> store_;
  std::unique_ptr<LmdbDeliveryStore> deliveries_;
  Webhook webhook_;
  uint64_t events_ = 0;
  int64_t now_ms_ = kT0;
};

TEST_F(DisableNoticeStoreTest, TheDisablingTransactionQueuesTheNotices) {
  AttemptOutcome o = Gone(0);
  ASSERT_TRUE(o.disabled.has_value());
  EXPECT_EQ(o.disabled->notices, 5u);
  std::vector<Delivery> due = Due();
  ASSERT_EQ(due.size(), 5u);
  for (const Delivery& d : due) {
    EXPECT_EQ(d.event_type, "webhook.channel_disabled");
    EXPECT_EQ(d, *deliveries_->GetDelivery(d.delivery_id));
  }
  // A second 410 of the same channel disables nothing and tells nobody again.
  o = Gone(0);
  EXPECT_FALSE(o.disabled.has_value());
  EXPECT_EQ(Due().size(), 5u);
  // Another channel disabled next: the channels still enabled are told, not the first one's
  // ... (a webhook channel: never told) nor the Slack channel that went now.
  o = Gone(2);
  ASSERT_TRUE(o.disabled.has_value());
  EXPECT_EQ(o.disabled->notices, 4u);  // email, 2 SMS, incoming webhook
  EXPECT_EQ(Due().size(), 9u);
}

TEST_F(DisableNoticeStoreTest, AChannelFailingTooLongIsAnnouncedToo) {
  constexpr int64_t kDay = 86'400'000;
  EXPECT_FALSE(Gone(3, /*gone=*/false, kDay).disabled.has_value());  // SMS: the streak starts
  now_ms_ += kDay;
  AttemptOutcome o = Gone(3, false, kDay);
  ASSERT_TRUE(o.disabled.has_value());
  EXPECT_TRUE(o.disabled->failing);
  EXPECT_EQ(o.disabled->notices, 3u);  // email, Slack bot, Slack incoming webhook
  std::vector<Delivery> due = Due();
  ASSERT_EQ(due.size(), 3u);
  const std::string envelope = due[0].envelope_json;
  EXPECT_NE(envelope.find("every attempt failed since 2027-01-15T08:00:00Z, for 1d or more"),
            std::string::npos)
      << envelope;
  EXPECT_NE(envelope.find("SMS to 2 numbers"), std::string::npos) << envelope;
}

// The same channel disabled again in the same millisecond (after a PUT) makes the same notices
// (ids carry the time: a second later makes new ones): they are queued once, and what is queued
// is not overwritten, so a notice sent already is not made pending again.
TEST_F(DisableNoticeStoreTest, TheSameNoticeIsQueuedOnce) {
  ASSERT_EQ(Gone(0).disabled->notices, 5u);
  std::vector<Delivery> due = Due();
  ASSERT_EQ(due.size(), 5u);
  std::vector<AttemptOutcome> sent = {FirstAttempt(due[0], DeliveryState::kSucceeded)};
  ASSERT_OK(deliveries_->RecordOutcomes(sent));
  ASSERT_OK(deliveries_->EnableChannels(kOrg, webhook_.webhook_id).status());
  AttemptOutcome again = Gone(0);
  ASSERT_TRUE(again.disabled.has_value());
  EXPECT_EQ(again.disabled->notices, 0u);
  EXPECT_EQ(Due().size(), 4u);
  EXPECT_EQ(deliveries_->GetDelivery(due[0].delivery_id)->state, DeliveryState::kSucceeded);
}

// A recovery of failed deliveries leaves failed notices alone: it follows the owner's fix.
TEST_F(DisableNoticeStoreTest, ARecoveryDoesNotResendNotices) {
  ASSERT_EQ(Gone(0).disabled->notices, 5u);
  std::vector<AttemptOutcome> batch;
  for (const Delivery& d : Due()) batch.push_back(FirstAttempt(d, DeliveryState::kFailed));
  ASSERT_OK(deliveries_->RecordOutcomes(batch));
  Gone(1, /*gone=*/false);  // an event's delivery to the e-mail channel fails too
  ASSERT_TRUE(Due().empty());
  RecoverQuery q;
  q.since_ms = kT0 - 60'000;
  absl::StatusOr<RecoverResult> r =
      deliveries_->RetryFailedSince(kOrg, webhook_.webhook_id, q, now_ms_);
  ASSERT_OK(r.status());
  EXPECT_EQ(r->retried, 1u);  // the event's, not the notices
  std::vector<Delivery> due = Due();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].event_type, "object.created");
  // One notice can still be retried on purpose.
  ASSERT_OK(
      deliveries_->RetryDelivery(kOrg, webhook_.webhook_id, batch[0].delivery.delivery_id, now_ms_)
          .status());
  EXPECT_EQ(Due().size(), 2u);
}

TEST_F(DisableNoticeStoreTest, APausedOrDeletedWebhookGetsNoNotice) {
  ASSERT_OK(store_
                ->UpdateWebhook(kOrg, webhook_.webhook_id,
                                [](Webhook& w) {
                                  w.spec.is_active = false;
                                  return absl::OkStatus();
                                })
                .status());
  AttemptOutcome o = Gone(0);
  ASSERT_TRUE(o.disabled.has_value());
  EXPECT_EQ(o.disabled->notices, 0u);
  ASSERT_OK(store_->DeleteWebhook(kOrg, webhook_.webhook_id));
  o = Gone(1);
  ASSERT_TRUE(o.disabled.has_value());
  EXPECT_EQ(o.disabled->notices, 0u);
  EXPECT_TRUE(Due().empty());
}

}  // namespace
}  // namespace webhooks

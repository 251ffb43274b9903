// The store operations behind webhookctl's operator commands (store/lmdb_admin.h).
#include <gtest/gtest.h>

#include "common/crypto.h"
#include "store/lmdb_admin.h"
#include "store/lmdb_delivery_store.h"
#include "tests/test_util.h"

namespace webhooks {
namespace {

using ::webhooks::testing::TempDir;

constexpr char kOrg[] = "int_AAAAAAAAAAAAAAAAAAAAAAAA";
constexpr char kOther[] = "int_BBBBBBBBBBBBBBBBBBBBBBBB";

std::unique_ptr<LmdbStore> Open(const std::string& dir) {
  auto s = LmdbStore::Open(dir);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *std::move(s) : nullptr;
}

TEST(AdminStoreOpsTest, ListAndRevokeKeys) {
  TempDir dir;
  auto store = Open(dir.path());
  ASSERT_OK(store->CreateOrganization({kOrg, "a", "2025-01-01T00:00:00Z"}));
  ASSERT_OK(store->CreateOrganization({kOther, "b", "2025-01-01T00:00:00Z"}));
  ASSERT_OK(store->AddApiKey({Sha256("k1"), kOrg, "sk_live_aaaaaa", "2025-01-02T00:00:00Z"}));
  ASSERT_OK(store->AddApiKey({Sha256("k2"), kOrg, "sk_live_bbbbbb", "2025-01-01T00:00:00Z"}));
  ASSERT_OK(store->AddApiKey({Sha256("k3"), kOther, "sk_live_aaaaaa", "2025-01-01T00:00:00Z"}));
  auto keys = ListApiKeys(*store, kOrg);
  ASSERT_OK(keys.status());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].prefix, "sk_live_bbbbbb");  // oldest first
  EXPECT_TRUE(absl::IsFailedPrecondition(RevokeApiKey(*store, "sk_live_aaaaaa", {}).status()));
  EXPECT_TRUE(absl::IsNotFound(RevokeApiKey(*store, "sk_live_zzzzzz", {}).status()));
  auto revoked = RevokeApiKey(*store, "sk_live_aaaaaa", std::string(kOther));
  ASSERT_OK(revoked.status());
  EXPECT_TRUE(absl::IsNotFound(store->FindApiKey(Sha256("k3")).status()));
  EXPECT_OK(store->FindApiKey(Sha256("k1")).status());
}

TEST(AdminStoreOpsTest, RetryRequeuesOnlyFailedDeliveriesOfTheWebhook) {
  TempDir dir;
  auto store = Open(dir.path());
  LmdbDeliveryStore deliveries(store->env());
  std::vector<Delivery> ds;
  for (int i = 0; i < 4; ++i) {
    Delivery d;
    d.internal_id = kOrg;
    d.webhook_id = i < 3 ? "wh_aaaaaaaaaa" : "wh_bbbbbbbbbb";
    d.event_id = "evt_" + std::to_string(i);
    d.delivery_id = DeliveryId(0, kOrg, d.event_id, d.webhook_id, 0, 0);
    d.envelope_json = "{}";
    d.created_at = i == 0 ? "2024-01-01T00:00:00Z" : "2025-01-01T00:00:00Z";
    ds.push_back(d);
  }
  ASSERT_OK(deliveries.Enqueue(ds, {}, std::nullopt));
  std::vector<AttemptOutcome> outcomes;
  for (int i : {0, 1, 3}) {  // fail all but #2
    AttemptOutcome o;
    o.delivery = ds[i];
    o.delivery.state = DeliveryState::kFailed;
    o.delivery.attempts = 5;
    outcomes.push_back(o);
  }
  ASSERT_OK(deliveries.RecordOutcomes(outcomes));
  EXPECT_EQ(*deliveries.PendingCount(), 1u);
  auto n = RetryFailedDeliveries(*store, "wh_aaaaaaaaaa", std::nullopt,
                                 ParseTimestamp("2024-06-01T00:00:00Z"), 5000);
  ASSERT_OK(n.status());
  EXPECT_EQ(*n, 1u);  // #1: #0 is older than --since, #3 is another webhook's
  auto d = deliveries.GetDelivery(ds[1].delivery_id);
  EXPECT_EQ(d->state, DeliveryState::kPending);
  EXPECT_EQ(d->attempts, 0u);
  EXPECT_EQ(d->next_attempt_ms, 5000);
  EXPECT_EQ(deliveries.Due(5000, 10, nullptr, nullptr)->size(), 2u);
  auto stats = ReadStoreStats(*store);
  ASSERT_OK(stats.status());
  EXPECT_EQ(stats->deliveries, 4u);
  EXPECT_EQ(stats->pending_deliveries, 2u);
}

// A disabled channel and a failing one are listed with their reasons; healthy channels, and
// another organization's healthy webhook, are not.
TEST(AdminStoreOpsTest, ChannelTroubleListsDisabledAndFailingChannels) {
  TempDir dir;
  auto store = Open(dir.path());
  LmdbDeliveryStore deliveries(store->env());
  ASSERT_OK(store->CreateOrganization({kOrg, "a", "2025-01-01T00:00:00Z"}));
  ASSERT_OK(store->CreateOrganization({kOther, "b", "2025-01-01T00:00:00Z"}));
  HttpChannel http;
  http.url = "https://8.8.8.8/h";
  SmsChannel sms;
  sms.phone_numbers = {"+15551234567"};
  Webhook w;
  w.webhook_id = "wh_aaaaaaaaaa";
  w.internal_id = kOrg;
  w.spec.webhook_name = "three channels";
  w.spec.event_types = {"*"};
  w.spec.channels = {http, sms, http};
  w.created_at = w.updated_at = "2025-01-01T00:00:00Z";
  ASSERT_OK(store->CreateWebhook(&w));
  Webhook other = w;
  other.webhook_id = "wh_bbbbbbbbbb";
  other.internal_id = kOther;
  ASSERT_OK(store->CreateWebhook(&other));

  // Channel 2 answers 410 once; channel 1's first attempt fails (a failure streak begins). The
  // list is in channel order all the same.
  std::vector<AttemptOutcome> outcomes(2);
  for (uint32_t ch : {2u, 1u}) {
    AttemptOutcome& o = outcomes[ch == 2 ? 0 : 1];
    o.delivery.internal_id = kOrg;
    o.delivery.webhook_id = w.webhook_id;
    o.delivery.channel_index = ch;
    o.delivery.event_id = "evt_1";
    o.delivery.delivery_id = DeliveryId(0, kOrg, "evt_1", w.webhook_id, ch, 0);
    o.delivery.envelope_json = "{}";
    o.delivery.created_at = "2025-01-01T00:00:00Z";
    ASSERT_OK(deliveries.Enqueue({o.delivery}, {}, std::nullopt));
    o.taken_due_ms = o.delivery.next_attempt_ms;
    o.delivery.state = DeliveryState::kFailed;
    o.attempt = Attempt{0,
                        o.delivery.delivery_id,
                        kOrg,
                        w.webhook_id,
                        "evt_1",
                        "object.created",
                        ch == 2 ? "webhook" : "sms",
                        ch,
                        1,
                        "failed",
                        ch == 2 ? 410 : 500,
                        1,
                        ch == 2 ? "HTTP 410" : "HTTP 500",
                        "",
                        "2025-01-01T00:00:00Z",
                        {}};
    o.disable_failing_after_ms = int64_t{5} * 24 * 3600 * 1000;
  }
  outcomes[0].disable_channel = std::make_pair(2u, std::string("receiver answered 410 Gone"));
  outcomes[1].set_last_error = LastError{"sms", 1, "HTTP 500", 500, "2025-01-01T00:00:00Z"};
  ASSERT_OK(deliveries.RecordOutcomes(outcomes));

  absl::StatusOr<std::vector<ChannelTrouble>> trouble = ListChannelTrouble(*store);
  ASSERT_OK(trouble.status());
  ASSERT_EQ(trouble->size(), 2u);
  const ChannelTrouble& failing = (*trouble)[0];
  const ChannelTrouble& gone = (*trouble)[1];
  EXPECT_EQ(gone.webhook_id, w.webhook_id);
  EXPECT_EQ(gone.webhook_name, "three channels");
  EXPECT_EQ(gone.channel_index, 2u);
  EXPECT_EQ(gone.channel, "webhook");
  EXPECT_TRUE(gone.disabled);
  EXPECT_EQ(gone.reason, "receiver answered 410 Gone");
  EXPECT_EQ(failing.channel_index, 1u);
  EXPECT_EQ(failing.channel, "sms");
  EXPECT_FALSE(failing.disabled);
  EXPECT_EQ(failing.reason, "HTTP 500");
  EXPECT_GT(failing.since_ms, 0);
  EXPECT_GE(failing.last_ms, failing.since_ms);
}

}  // namespace
}  // namespace webhooks

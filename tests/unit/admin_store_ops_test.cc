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

}  // namespace
}  // namespace webhooks

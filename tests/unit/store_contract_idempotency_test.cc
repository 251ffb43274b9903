// WebhookStore::CreateWebhookOnce (a create with the client's Idempotency-Key), against
// MemoryStore and LmdbStore; and LmdbStore forgetting keys past kIdempotencyWindowMs.
#include <lmdb.h>

#include <thread>

#include "tests/unit/store_contract_fixture.h"

namespace webhooks {
namespace {

constexpr int64_t kNow = 1'800'000'000'000;

IdempotentCreate Once(const std::string& key, const std::string& fingerprint,
                      int64_t now_ms = kNow) {
  return IdempotentCreate{key, fingerprint, now_ms};
}

TYPED_TEST(StoreContractTest, AKeyUsedAgainNamesTheFirstWebhookAndCreatesNothing) {
  this->CreateOrgs();
  Webhook first = MakeWebhook(kOrgA, WebhookId(1), "a");
  absl::StatusOr<std::optional<std::string>> r =
      this->store().CreateWebhookOnce(&first, Once("key-1", "fp"));
  ASSERT_OK(r.status());
  EXPECT_FALSE(r->has_value());  // created
  EXPECT_GT(first.seq, 0u);

  Webhook again = MakeWebhook(kOrgA, WebhookId(2), "a");
  r = this->store().CreateWebhookOnce(&again, Once("key-1", "fp", kNow + 1000));
  ASSERT_OK(r.status());
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ(**r, WebhookId(1));
  EXPECT_EQ(this->Total(kOrgA), 1u);
  EXPECT_TRUE(absl::IsNotFound(this->store().GetWebhook(kOrgA, WebhookId(2)).status()));
}

TYPED_TEST(StoreContractTest, AKeyUsedWithAnotherRequestIsRefused) {
  this->CreateOrgs();
  Webhook w = MakeWebhook(kOrgA, WebhookId(1), "a");
  ASSERT_OK(this->store().CreateWebhookOnce(&w, Once("key-1", "fp-1")).status());
  Webhook other = MakeWebhook(kOrgA, WebhookId(2), "b");
  absl::StatusOr<std::optional<std::string>> r =
      this->store().CreateWebhookOnce(&other, Once("key-1", "fp-2"));
  EXPECT_TRUE(absl::IsAborted(r.status())) << r.status();
  EXPECT_EQ(this->Total(kOrgA), 1u);
}

TYPED_TEST(StoreContractTest, KeysBelongToOneOrganizationAndExpire) {
  this->CreateOrgs();
  Webhook a = MakeWebhook(kOrgA, WebhookId(1), "a");
  ASSERT_OK(this->store().CreateWebhookOnce(&a, Once("shared", "fp")).status());
  Webhook b = MakeWebhook(kOrgB, WebhookId(2), "b");
  absl::StatusOr<std::optional<std::string>> r =
      this->store().CreateWebhookOnce(&b, Once("shared", "fp"));
  ASSERT_OK(r.status());
  EXPECT_FALSE(r->has_value());  // another organization's key of the same name
  EXPECT_EQ(this->Total(kOrgB), 1u);
  // Just inside the window: replayed; at its end: a new create.
  Webhook c = MakeWebhook(kOrgA, WebhookId(3), "c");
  r = this->store().CreateWebhookOnce(&c, Once("shared", "fp", kNow + kIdempotencyWindowMs - 1));
  ASSERT_OK(r.status());
  EXPECT_TRUE(r->has_value());
  r = this->store().CreateWebhookOnce(&c, Once("shared", "fp", kNow + kIdempotencyWindowMs));
  ASSERT_OK(r.status());
  EXPECT_FALSE(r->has_value());
  EXPECT_EQ(this->Total(kOrgA), 2u);
  // ... and that create's webhook is the one named from now on.
  Webhook d = MakeWebhook(kOrgA, WebhookId(4), "d");
  r = this->store().CreateWebhookOnce(&d, Once("shared", "fp", kNow + kIdempotencyWindowMs + 1));
  ASSERT_OK(r.status());
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ(**r, WebhookId(3));
}

TYPED_TEST(StoreContractTest, AFailedCreateKeepsNoKey) {
  this->CreateOrgs();
  Webhook orphan = MakeWebhook(kNoOrg, WebhookId(1), "a");
  EXPECT_TRUE(
      absl::IsNotFound(this->store().CreateWebhookOnce(&orphan, Once("key-1", "fp")).status()));
  Webhook taken = this->Create(MakeWebhook(kOrgA, WebhookId(2), "a"));
  EXPECT_TRUE(
      absl::IsAlreadyExists(this->store().CreateWebhookOnce(&taken, Once("key-2", "fp")).status()));
  for (const char* key : {"key-1", "key-2"}) {  // neither key was used
    Webhook w = MakeWebhook(kOrgA, WebhookId(key[4] == '1' ? 3 : 4), "b");
    absl::StatusOr<std::optional<std::string>> r =
        this->store().CreateWebhookOnce(&w, Once(key, "other"));
    ASSERT_OK(r.status());
    EXPECT_FALSE(r->has_value()) << key;
  }
}

// Of concurrent creates with one key, exactly one creates; the others replay its response.
TYPED_TEST(StoreContractTest, ConcurrentCreatesWithOneKeyCreateOnce) {
  this->CreateOrgs();
  constexpr int kThreads = 8;
  std::vector<absl::StatusOr<std::optional<std::string>>> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      Webhook w = MakeWebhook(kOrgA, WebhookId(i + 1), "racer");
      results[i] = this->store().CreateWebhookOnce(&w, Once("race", "fp"));
    });
  }
  for (std::thread& t : threads) t.join();
  int created = 0;
  std::string winner;
  for (int i = 0; i < kThreads; ++i) {
    ASSERT_OK(results[i].status());
    if (!results[i]->has_value()) {
      ++created;
      winner = WebhookId(i + 1);
    }
  }
  EXPECT_EQ(created, 1);
  for (int i = 0; i < kThreads; ++i) {
    if (results[i]->has_value()) {
      EXPECT_EQ(**results[i], winner);
    }
  }
  EXPECT_EQ(this->Total(kOrgA), 1u);
}

// Each keyed create forgets up to 16 keys past the window, oldest first, so the table holds
// about one window's worth of keys.
TEST(LmdbIdempotencyTest, KeyedCreatesForgetExpiredKeys16AtATime) {
  ::webhooks::testing::TempDir dir;
  std::unique_ptr<LmdbStore> store = LmdbStoreFactory::Make(dir);
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->CreateOrganization({kOrgA, "Org A", "2025-01-01T00:00:00Z"}));
  auto entries = [&] {
    MDB_stat stat{};
    EXPECT_OK(store->env().Read([&](MDB_txn* txn) {
      return mdb_stat(txn, store->env().dbi("idempotency"), &stat) == 0
                 ? absl::OkStatus()
                 : absl::InternalError("mdb_stat");
    }));
    return stat.ms_entries;
  };
  int id = 1;
  auto create = [&](const std::string& key, int64_t now_ms) {
    Webhook w = MakeWebhook(kOrgA, WebhookId(id++), "w");
    absl::StatusOr<std::optional<std::string>> r =
        store->CreateWebhookOnce(&w, Once(key, "fp", now_ms));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() && !r->has_value();  // created
  };
  for (int n = 0; n < 20; ++n) ASSERT_TRUE(create("k" + std::to_string(n), kNow + n));
  EXPECT_EQ(entries(), 40u);  // a record and a time entry per key
  // All 20 are past the window at kNow + window + 19; one create forgets the oldest 16.
  const int64_t later = kNow + kIdempotencyWindowMs + 19;
  ASSERT_TRUE(create("late-1", later));
  EXPECT_EQ(entries(), 2u * (20 - 16 + 1));
  // k16..k19 are expired but still kept: k19 creates again (its old entries replaced) and the
  // same create forgets k16..k18.
  ASSERT_TRUE(create("k19", later));
  EXPECT_EQ(entries(), 2u * 2);
  ASSERT_FALSE(create("k19", later + 1));  // now a repeat
  ASSERT_TRUE(create("k0", later));        // forgotten: creates again
  EXPECT_EQ(entries(), 2u * 3);
}

TEST(LmdbIdempotencyTest, ANegativeTimeIsRefused) {
  ::webhooks::testing::TempDir dir;
  std::unique_ptr<LmdbStore> store = LmdbStoreFactory::Make(dir);
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->CreateOrganization({kOrgA, "Org A", "2025-01-01T00:00:00Z"}));
  Webhook w = MakeWebhook(kOrgA, WebhookId(1), "w");
  EXPECT_TRUE(absl::IsInvalidArgument(store->CreateWebhookOnce(&w, Once("k", "fp", -1)).status()));
}

}  // namespace
}  // namespace webhooks

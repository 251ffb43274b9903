// WebhookStore::CreateWebhookOnce (a create with the client's Idempotency-Key), against
// MemoryStore and LmdbStore; and LmdbStore forgetting keys past kIdempotencyWindowMs.
#include <lmdb.h>

#include <thread>

#include "tests/unit/store_contract_fixture.h"

namespace webhooks {
namespace {

constexpr int64_t kNow = 1'800'000'000'000;

IdempotentCreate Once(const std::string& key, const std::string& fingerprint,
                      const std::string& response, int64_t now_ms = kNow) {
  return IdempotentCreate{key, fingerprint, response, now_ms};
}

TYPED_TEST(StoreContractTest, AKeyUsedAgainReplaysTheFirstResponseAndCreatesNothing) {
  this->CreateOrgs();
  Webhook first = MakeWebhook(kOrgA, WebhookId(1), "a");
  absl::StatusOr<std::optional<std::string>> r =
      this->store().CreateWebhookOnce(&first, Once("key-1", "fp", "first response"));
  ASSERT_OK(r.status());
  EXPECT_FALSE(r->has_value());  // created
  EXPECT_GT(first.seq, 0u);

  Webhook again = MakeWebhook(kOrgA, WebhookId(2), "a");
  r = this->store().CreateWebhookOnce(&again, Once("key-1", "fp", "second response", kNow + 1000));
  ASSERT_OK(r.status());
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ(**r, "first response");
  EXPECT_EQ(this->Total(kOrgA), 1u);
  EXPECT_TRUE(absl::IsNotFound(this->store().GetWebhook(kOrgA, WebhookId(2)).status()));
}

TYPED_TEST(StoreContractTest, AKeyUsedWithAnotherRequestIsRefused) {
  this->CreateOrgs();
  Webhook w = MakeWebhook(kOrgA, WebhookId(1), "a");
  ASSERT_OK(this->store().CreateWebhookOnce(&w, Once("key-1", "fp-1", "r")).status());
  Webhook other = MakeWebhook(kOrgA, WebhookId(2), "b");
  absl::StatusOr<std::optional<std::string>> r =
      this->store().CreateWebhookOnce(&other, Once("key-1", "fp-2", "r2"));
  EXPECT_TRUE(absl::IsAborted(r.status())) << r.status();
  EXPECT_EQ(this->Total(kOrgA), 1u);
}

TYPED_TEST(StoreContractTest, KeysBelongToOneOrganizationAndExpire) {
  this->CreateOrgs();
  Webhook a = MakeWebhook(kOrgA, WebhookId(1), "a");
  ASSERT_OK(this->store().CreateWebhookOnce(&a, Once("shared", "fp", "ra")).status());
  Webhook b = MakeWebhook(kOrgB, WebhookId(2), "b");
  absl::StatusOr<std::optional<std::string>> r =
      this->store().CreateWebhookOnce(&b, Once("shared", "fp", "rb"));
  ASSERT_OK(r.status());
  EXPECT_FALSE(r->has_value());  // another organization's key of the same name
  EXPECT_EQ(this->Total(kOrgB), 1u);
  // Just inside the window: replayed; at its end: a new create.
  Webhook c = MakeWebhook(kOrgA, WebhookId(3), "c");
  r = this->store().CreateWebhookOnce(&c,
                                      Once("shared", "fp", "rc", kNow + kIdempotencyWindowMs - 1));
  ASSERT_OK(r.status());
  EXPECT_TRUE(r->has_value());
  r = this->store().CreateWebhookOnce(&c, Once("shared", "fp", "rc", kNow + kIdempotencyWindowMs));
  ASSERT_OK(r.status());
  EXPECT_FALSE(r->has_value());
  EXPECT_EQ(this->Total(kOrgA), 2u);
  // ... and that create's response is the one replayed from now on.
  Webhook d = MakeWebhook(kOrgA, WebhookId(4), "d");
  r = this->store().CreateWebhookOnce(&d,
                                      Once("shared", "fp", "rd", kNow + kIdempotencyWindowMs + 1));
  ASSERT_OK(r.status());
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ(**r, "rc");
}

TYPED_TEST(StoreContractTest, AFailedCreateKeepsNoKey) {
  this->CreateOrgs();
  Webhook orphan = MakeWebhook(kNoOrg, WebhookId(1), "a");
  EXPECT_TRUE(absl::IsNotFound(
      this->store().CreateWebhookOnce(&orphan, Once("key-1", "fp", "r")).status()));
  Webhook taken = this->Create(MakeWebhook(kOrgA, WebhookId(2), "a"));
  EXPECT_TRUE(absl::IsAlreadyExists(
      this->store().CreateWebhookOnce(&taken, Once("key-2", "fp", "r")).status()));
  for (const char* key : {"key-1", "key-2"}) {  // neither key was used
    Webhook w = MakeWebhook(kOrgA, WebhookId(key[4] == '1' ? 3 : 4), "b");
    absl::StatusOr<std::optional<std::string>> r =
        this->store().CreateWebhookOnce(&w, Once(key, "other", "r"));
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
      results[i] =
          this->store().CreateWebhookOnce(&w, Once("race", "fp", "from " + std::to_string(i)));
    });
  }
  for (std::thread& t : threads) t.join();
  int created = 0;
  std::string winner;
  for (int i = 0; i < kThreads; ++i) {
    ASSERT_OK(results[i].status());
    if (!results[i]->has_value()) {
      ++created;
      winner = "from " + std::to_string(i);
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

// Each keyed create forgets up to 16 keys older than the window, so the table holds about one
// window's worth of keys.
TEST(LmdbIdempotencyTest, KeyedCreatesForgetExpiredKeys) {
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
  int n = 0;
  for (; n < 20; ++n) {
    Webhook w = MakeWebhook(kOrgA, WebhookId(n + 1), "w");
    ASSERT_OK(
        store->CreateWebhookOnce(&w, Once("k" + std::to_string(n), "fp", "r", kNow + n)).status());
  }
  EXPECT_EQ(entries(), 40u);  // a record and a time entry per key
  Webhook later = MakeWebhook(kOrgA, WebhookId(100), "w");
  ASSERT_OK(
      store->CreateWebhookOnce(&later, Once("late", "fp", "r", kNow + kIdempotencyWindowMs + 5))
          .status());
  // Keys used at kNow .. kNow+5 are past the window (6 of them; up to 16 go per create); the new
  // key adds its two entries.
  EXPECT_EQ(entries(), 2u * (20 - 6 + 1));
  // A forgotten key creates again.
  Webhook w = MakeWebhook(kOrgA, WebhookId(101), "w");
  absl::StatusOr<std::optional<std::string>> r =
      store->CreateWebhookOnce(&w, Once("k0", "other", "r", kNow + kIdempotencyWindowMs + 6));
  ASSERT_OK(r.status());
  EXPECT_FALSE(r->has_value());
}

}  // namespace
}  // namespace webhooks

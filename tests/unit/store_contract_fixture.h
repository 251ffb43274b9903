// The typed fixture of the AccountStore / WebhookStore contract tests (store_contract_*_test.cc):
// every test runs against MemoryStore and LmdbStore, with the same assertions.
#ifndef WEBHOOKS_TESTS_UNIT_STORE_CONTRACT_FIXTURE_H_
#define WEBHOOKS_TESTS_UNIT_STORE_CONTRACT_FIXTURE_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/webhook.h"
#include "store/lmdb_store.h"
#include "store/memory_store.h"
#include "store/store.h"
#include "tests/test_util.h"

namespace webhooks {

inline constexpr char kNoOrg[] = "int_ZZZZZZZZZZZZZZZZZZZZZZZZ";

// "wh_" + 10 alphanumerics, distinct for distinct n.
inline std::string WebhookId(int n) {
  std::string digits = std::to_string(n);
  return "wh_" + std::string(10 - digits.size(), '0') + digits;
}

inline Webhook MakeWebhook(const std::string& org, const std::string& id, const std::string& name,
                           std::vector<std::string> event_types = {"object.created"},
                           bool is_active = true) {
  Webhook w;
  w.webhook_id = id;
  w.internal_id = org;
  w.spec.webhook_name = name;
  w.spec.event_types = std::move(event_types);
  HttpChannel http;
  http.url = "https://example.com/hooks/" + id;
  w.spec.channels.push_back(http);
  w.spec.is_active = is_active;
  w.created_at = "2025-01-01T00:00:00Z";
  w.updated_at = "2025-01-01T00:00:00Z";
  return w;
}

inline std::vector<std::string> Ids(const std::vector<Webhook>& items) {
  std::vector<std::string> out;
  for (const Webhook& w : items) out.push_back(w.webhook_id);
  return out;
}

// Creates one store of type T per test.
struct MemoryStoreFactory {
  using Store = MemoryStore;
  static std::unique_ptr<MemoryStore> Make(const ::webhooks::testing::TempDir&) {
    return std::make_unique<MemoryStore>();
  }
};

struct LmdbStoreFactory {
  using Store = LmdbStore;
  static std::unique_ptr<LmdbStore> Make(const ::webhooks::testing::TempDir& dir) {
    absl::StatusOr<std::unique_ptr<LmdbStore>> store = LmdbStore::Open(dir.path());
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }
};

template <typename Factory>
class StoreContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = Factory::Make(dir_);
    ASSERT_NE(store_, nullptr);
  }

  typename Factory::Store& store() { return *store_; }

  void CreateOrgs() {
    ASSERT_OK(store().CreateOrganization({kOrgA, "Org A", "2025-01-01T00:00:00Z"}));
    ASSERT_OK(store().CreateOrganization({kOrgB, "Org B", "2025-01-01T00:00:00Z"}));
  }

  // Creates `w` and returns it with its assigned seq.
  Webhook Create(Webhook w) {
    absl::Status st = store().CreateWebhook(&w);
    EXPECT_TRUE(st.ok()) << w.webhook_id << ": " << st;
    return w;
  }

  WebhookPage List(const std::string& org, const ListQuery& q) {
    absl::StatusOr<WebhookPage> page = store().ListWebhooks(org, q);
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? *std::move(page) : WebhookPage{};
  }

  uint64_t Total(const std::string& org) { return List(org, ListQuery{}).total; }

  ::webhooks::testing::TempDir dir_;
  std::unique_ptr<typename Factory::Store> store_;
};

// Every contract test runs once per store; the test names end in /Memory and /Lmdb.
using StoreFactories = ::testing::Types<MemoryStoreFactory, LmdbStoreFactory>;

class FactoryNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, MemoryStoreFactory> ? "Memory" : "Lmdb";
  }
};

TYPED_TEST_SUITE(StoreContractTest, StoreFactories, FactoryNames);

}  // namespace webhooks

#endif  // WEBHOOKS_TESTS_UNIT_STORE_CONTRACT_FIXTURE_H_

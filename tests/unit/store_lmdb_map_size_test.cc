// LmdbStore's memory map: it grows instead of failing, and a store at its maximum size fails
// cleanly.
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/webhook.h"
#include "store/lmdb_store.h"
#include "store/store.h"
#include "tests/test_util.h"
#include "tests/unit/store_lmdb_fixture.h"

namespace webhooks {
namespace {

using ::webhooks::testing::TempDir;

TEST(LmdbStoreTest, MapGrowsInsteadOfFailing) {
  TempDir dir;
  LmdbOptions options;
  options.initial_map_size = 256 << 10;  // a multiple of the 4096-byte page
  options.durable = false;               // 3000 fsyncs would only slow the test down
  std::unique_ptr<LmdbStore> store = OpenStore(dir.path(), options);
  ASSERT_NE(store, nullptr);
  const size_t initial = store->env().map_size();
  EXPECT_EQ(initial, options.initial_map_size);
  ASSERT_OK(store->CreateOrganization({kOrg, "Org", "2025-01-01T00:00:00Z"}));

  constexpr int kCount = 3000;
  const std::string description(1000, 'd');
  // Many writers so that most commits are shared: keeps the fsync count (and the run time) low.
  constexpr int kWriters = 16;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kCount; i += kWriters) {
        Webhook w = MakeWebhook(WebhookId('g', i), "grow " + std::to_string(i));
        w.spec.description = description;
        absl::Status st = store->CreateWebhook(&w);
        if (!st.ok()) {
          ADD_FAILURE() << w.webhook_id << ": " << st;
          ++failures;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(store->env().map_size(), initial);

  std::vector<Webhook> all = ListAll(*store, kOrg);
  EXPECT_EQ(all.size(), static_cast<size_t>(kCount));
  ExpectUniqueIncreasingSeqs(all);
  absl::StatusOr<Webhook> one = store->GetWebhook(kOrg, WebhookId('g', 2999));
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->spec.description, description);

  // Reopening with the small initial size still maps all the data.
  store.reset();
  store = OpenStore(dir.path(), options);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(ListAll(*store, kOrg).size(), static_cast<size_t>(kCount));
  Webhook more = MakeWebhook(WebhookId('h', 0), "after reopen");
  more.spec.description = description;
  ASSERT_OK(store->CreateWebhook(&more));
}

TEST(LmdbStoreTest, FullStoreFailsCleanlyAtMaxMapSize) {
  TempDir dir;
  LmdbOptions options;
  options.initial_map_size = 256 << 10;
  options.max_map_size = 512 << 10;
  options.durable = false;
  std::unique_ptr<LmdbStore> store = OpenStore(dir.path(), options);
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->CreateOrganization({kOrg, "Org", "2025-01-01T00:00:00Z"}));

  const std::string description(1500, 'x');
  size_t created = 0;
  absl::Status st;
  for (int i = 0; i < 2000; ++i) {
    Webhook w = MakeWebhook(WebhookId('f', i), "full");
    w.spec.description = description;
    st = store->CreateWebhook(&w);
    if (!st.ok()) break;
    ++created;
  }
  ASSERT_FALSE(st.ok()) << "512 KiB never filled up";
  EXPECT_EQ(st.code(), absl::StatusCode::kResourceExhausted) << st;
  EXPECT_GT(created, 0u);
  EXPECT_EQ(store->env().map_size(), options.max_map_size);

  // The failed create left nothing behind, and reads still work.
  ASSERT_OK(store->CheckReadable());
  EXPECT_TRUE(absl::IsNotFound(
      store->GetWebhook(kOrg, WebhookId('f', static_cast<int>(created))).status()));
  absl::StatusOr<WebhookPage> page = store->ListWebhooks(kOrg, ListQuery{});
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->total, created);
  EXPECT_EQ(ListAll(*store, kOrg).size(), created);
  // Deleting makes room again.
  for (int i = 0; i < 20; ++i) ASSERT_OK(store->DeleteWebhook(kOrg, WebhookId('f', i)));
  Webhook w = MakeWebhook(WebhookId('e', 0), "fits");
  ASSERT_OK(store->CreateWebhook(&w));
}

}  // namespace
}  // namespace webhooks

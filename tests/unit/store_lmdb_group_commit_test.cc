// LmdbStore's group commit: concurrent creates share commits, and one failing write neither undoes
// nor blocks the others.
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
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

TEST(LmdbStoreTest, GroupCommitConcurrentCreates) {
  TempDir dir;
  std::unique_ptr<LmdbStore> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->CreateOrganization({kOrg, "Org", "2025-01-01T00:00:00Z"}));
  ASSERT_OK(store->CreateOrganization({kOtherOrg, "Other", "2025-01-01T00:00:00Z"}));

  constexpr int kThreads = 16;
  constexpr int kPerThread = 50;
  std::vector<std::vector<Webhook>> made(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Webhook w = MakeWebhook(WebhookId(static_cast<char>('A' + t), i), "t" + std::to_string(t),
                                t % 2 ? kOtherOrg : kOrg);
        absl::Status st = store->CreateWebhook(&w);
        EXPECT_TRUE(st.ok()) << w.webhook_id << ": " << st;
        if (st.ok()) made[t].push_back(w);
      }
    });
  }
  for (std::thread& t : threads) t.join();

  std::set<uint64_t> seqs;
  size_t count = 0;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(made[t].size(), static_cast<size_t>(kPerThread));
    ExpectUniqueIncreasingSeqs(made[t]);  // one thread's creates are ordered
    for (const Webhook& w : made[t]) {
      seqs.insert(w.seq);
      ++count;
      absl::StatusOr<Webhook> got = store->GetWebhook(w.internal_id, w.webhook_id);
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_EQ(*got, w);
    }
  }
  EXPECT_EQ(count, static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(seqs.size(), count);
  std::vector<Webhook> a = ListAll(*store, kOrg);
  std::vector<Webhook> b = ListAll(*store, kOtherOrg);
  EXPECT_EQ(a.size() + b.size(), count);
  ExpectUniqueIncreasingSeqs(a);
  ExpectUniqueIncreasingSeqs(b);
  absl::StatusOr<WebhookPage> page = store->ListWebhooks(kOrg, ListQuery{});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, a.size());
}

// In a shared commit each write runs in its own nested transaction: one failing write must not
// undo or block the others.
TEST(LmdbStoreTest, GroupCommitIsolatesFailingWrites) {
  TempDir dir;
  std::unique_ptr<LmdbStore> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->CreateOrganization({kOrg, "Org", "2025-01-01T00:00:00Z"}));

  constexpr int kThreads = 8;
  constexpr int kIds = 40;
  std::atomic<int> created{0}, duplicates{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIds; ++i) {  // every thread tries the same ids
        Webhook w = MakeWebhook(WebhookId('s', i), "same");
        absl::Status st = store->CreateWebhook(&w);
        if (st.ok()) {
          ++created;
        } else if (absl::IsAlreadyExists(st)) {
          ++duplicates;
        } else {
          ++other;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(created.load(), kIds);
  EXPECT_EQ(duplicates.load(), (kThreads - 1) * kIds);
  EXPECT_EQ(other.load(), 0);
  absl::StatusOr<WebhookPage> page = store->ListWebhooks(kOrg, ListQuery{});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, static_cast<uint64_t>(kIds));  // the count index saw no failed write
  EXPECT_EQ(ListAll(*store, kOrg).size(), static_cast<size_t>(kIds));
  absl::StatusOr<std::vector<Webhook>> named = store->FindWebhooksByName(kOrg, "same", 1000);
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->size(), static_cast<size_t>(kIds));
}

}  // namespace
}  // namespace webhooks

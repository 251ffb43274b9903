// Several processes on one LmdbStore data directory: concurrent writers, and growing the map
// while the other process writes.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <set>
#include <string>
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

// Two processes write to one data directory at once (LMDB forbids two environments on the same
// directory within one process, so the second writer is a forked child).
TEST(LmdbStoreTest, TwoProcessesWriteTheSameDirectory) {
  TempDir dir;
  {
    std::unique_ptr<LmdbStore> store = OpenStore(dir.path());
    ASSERT_NE(store, nullptr);
    ASSERT_OK(store->CreateOrganization({kOrg, "Org", "2025-01-01T00:00:00Z"}));
  }  // closed before fork: an LMDB environment must not cross a fork()

  constexpr int kEach = 100;
  int go[2];
  ASSERT_EQ(pipe(go), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0) << strerror(errno);
  if (child == 0) {
    // Only async-signal-safe-ish work until the store opens; never return into gtest.
    close(go[1]);
    char c;
    if (read(go[0], &c, 1) != 1) _exit(2);
    absl::StatusOr<std::unique_ptr<LmdbStore>> store = LmdbStore::Open(dir.path());
    if (!store.ok()) _exit(3);
    for (int i = 0; i < kEach; ++i) {
      Webhook w = MakeWebhook(WebhookId('c', i), "child");
      if (!(*store)->CreateWebhook(&w).ok()) _exit(4);
    }
    store->reset();
    _exit(0);
  }
  close(go[0]);
  std::unique_ptr<LmdbStore> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(write(go[1], "g", 1), 1);  // start both writers together
  close(go[1]);
  for (int i = 0; i < kEach; ++i) {
    Webhook w = MakeWebhook(WebhookId('p', i), "parent");
    EXPECT_OK(store->CreateWebhook(&w));
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);

  // The parent's open environment sees the child's commits, and so does a fresh one.
  for (int pass = 0; pass < 2; ++pass) {
    SCOPED_TRACE(pass == 0 ? "same environment" : "reopened");
    std::vector<Webhook> all = ListAll(*store, kOrg);
    EXPECT_EQ(all.size(), 2u * kEach);
    ExpectUniqueIncreasingSeqs(all);
    std::set<std::string> ids;
    for (const Webhook& w : all) ids.insert(w.webhook_id);
    EXPECT_EQ(ids.size(), 2u * kEach);
    EXPECT_TRUE(ids.count(WebhookId('c', kEach - 1)));
    EXPECT_TRUE(ids.count(WebhookId('p', kEach - 1)));
    absl::StatusOr<WebhookPage> page = store->ListWebhooks(kOrg, ListQuery{});
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page->total, 2u * kEach);
    store.reset();
    store = OpenStore(dir.path());
    ASSERT_NE(store, nullptr);
  }
}

// Both processes start from a small map and grow it while the other is writing: each must
// adopt the size the other committed (MDB_MAP_RESIZED) rather than fail.
TEST(LmdbStoreTest, TwoProcessesGrowTheMapConcurrently) {
  TempDir dir;
  LmdbOptions options;
  options.initial_map_size = 256 << 10;
  options.durable = false;
  {
    std::unique_ptr<LmdbStore> store = OpenStore(dir.path(), options);
    ASSERT_NE(store, nullptr);
    ASSERT_OK(store->CreateOrganization({kOrg, "Org", "2025-01-01T00:00:00Z"}));
  }
  constexpr int kEach = 150;
  const std::string description(1900, 'm');
  int go[2];
  ASSERT_EQ(pipe(go), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0) << strerror(errno);
  if (child == 0) {
    close(go[1]);
    char c;
    if (read(go[0], &c, 1) != 1) _exit(2);
    absl::StatusOr<std::unique_ptr<LmdbStore>> store = LmdbStore::Open(dir.path(), options);
    if (!store.ok()) _exit(3);
    for (int i = 0; i < kEach; ++i) {
      Webhook w = MakeWebhook(WebhookId('c', i), "child");
      w.spec.description = description;
      if (!(*store)->CreateWebhook(&w).ok()) _exit(4);
      if (i % 25 == 0) {
        ListQuery q;
        q.limit = 1000;
        if (!(*store)->ListWebhooks(kOrg, q).ok()) _exit(5);
      }
    }
    store->reset();
    _exit(0);
  }
  close(go[0]);
  std::unique_ptr<LmdbStore> store = OpenStore(dir.path(), options);
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(write(go[1], "g", 1), 1);
  close(go[1]);
  for (int i = 0; i < kEach; ++i) {
    Webhook w = MakeWebhook(WebhookId('p', i), "parent");
    w.spec.description = description;
    absl::Status st = store->CreateWebhook(&w);
    ASSERT_TRUE(st.ok()) << i << ": " << st;
    if (i % 25 == 0) {
      EXPECT_GE(ListAll(*store, kOrg).size(), static_cast<size_t>(i + 1));
    }
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  std::vector<Webhook> all = ListAll(*store, kOrg);
  EXPECT_EQ(all.size(), 2u * kEach);
  ExpectUniqueIncreasingSeqs(all);
  EXPECT_GT(store->env().map_size(), options.initial_map_size);
}

}  // namespace
}  // namespace webhooks

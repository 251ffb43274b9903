// LmdbStore on disk: data survives close and reopen, an unusable directory fails to open, and the
// database files are private.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <ios>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/crypto.h"
#include "model/webhook.h"
#include "store/lmdb_store.h"
#include "store/store.h"
#include "tests/test_util.h"
#include "tests/unit/store_lmdb_fixture.h"

namespace webhooks {
namespace {

using ::webhooks::testing::TempDir;

TEST(LmdbStoreTest, DataSurvivesCloseAndReopen) {
  TempDir dir;
  Organization org{kOrg, "Org", "2025-01-01T00:00:00Z"};
  ApiKeyRecord key{Sha256("sk_live_key"), kOrg, "sk_live_key123", "2025-01-01T00:00:00Z"};
  std::vector<Webhook> made;
  {
    std::unique_ptr<LmdbStore> store = OpenStore(dir.path());
    ASSERT_NE(store, nullptr);
    ASSERT_OK(store->CreateOrganization(org));
    ASSERT_OK(store->AddApiKey(key));
    for (int i = 0; i < 5; ++i) {
      Webhook w = MakeWebhook(WebhookId('a', i), "hook " + std::to_string(i));
      ASSERT_OK(store->CreateWebhook(&w));
      made.push_back(w);
    }
    ASSERT_OK(store->DeleteWebhook(kOrg, made[1].webhook_id));
    made.erase(made.begin() + 1);
    made[0].spec.webhook_name = "renamed";
    ASSERT_OK(store
                  ->UpdateWebhook(kOrg, made[0].webhook_id,
                                  [](Webhook& stored) {
                                    stored.spec.webhook_name = "renamed";
                                    return absl::OkStatus();
                                  })
                  .status());
  }

  std::unique_ptr<LmdbStore> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->CheckReadable());
  absl::StatusOr<Organization> got_org = store->GetOrganization(kOrg);
  ASSERT_TRUE(got_org.ok()) << got_org.status();
  EXPECT_EQ(*got_org, org);
  absl::StatusOr<ApiKeyRecord> got_key = store->FindApiKey(Sha256("sk_live_key"));
  ASSERT_TRUE(got_key.ok()) << got_key.status();
  EXPECT_EQ(*got_key, key);

  absl::StatusOr<WebhookPage> page = store->ListWebhooks(kOrg, ListQuery{});
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->items, made);
  EXPECT_EQ(page->total, 4u);
  absl::StatusOr<std::vector<Webhook>> named = store->FindWebhooksByName(kOrg, "renamed", 5);
  ASSERT_TRUE(named.ok());
  ASSERT_EQ(named->size(), 1u);
  EXPECT_EQ(named->front(), made[0]);
  EXPECT_TRUE(absl::IsNotFound(store->GetWebhook(kOrg, WebhookId('a', 1)).status()));

  // Sequence numbers keep growing across a reopen.
  Webhook later = MakeWebhook(WebhookId('b', 0), "later");
  ASSERT_OK(store->CreateWebhook(&later));
  EXPECT_GT(later.seq, made.back().seq);
  EXPECT_EQ(ListAll(*store, kOrg).size(), 5u);
}

TEST(LmdbStoreTest, OpenFailsCleanlyOnAnUnusableDirectory) {
  TempDir dir;
  EXPECT_FALSE(LmdbStore::Open(dir.path() + "/missing/parent").ok());
  const std::string file = dir.path() + "/file";
  FILE* f = fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fclose(f);
  EXPECT_FALSE(LmdbStore::Open(file).ok());
}

TEST(LmdbStoreTest, DatabaseFilesArePrivate) {
  TempDir dir;
  std::unique_ptr<LmdbStore> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->CreateOrganization({kOrg, "Org", "2025-01-01T00:00:00Z"}));
  for (const std::string& path :
       {dir.path() + "/db", dir.path() + "/db/data.mdb", dir.path() + "/db/lock.mdb"}) {
    struct stat st;
    ASSERT_EQ(stat(path.c_str(), &st), 0) << path;
    EXPECT_EQ(st.st_mode & 077, 0u) << path << " mode " << std::oct << st.st_mode;
  }
}

}  // namespace
}  // namespace webhooks

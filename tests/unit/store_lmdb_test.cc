// LmdbStore specifics: durability across reopen, map growth, group commit, several processes on
// one data directory; and the key encodings of store/keys.h.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto.h"
#include "model/event_types.h"
#include "store/keys.h"
#include "store/lmdb_store.h"
#include "tests/test_util.h"

namespace webhooks {
namespace {

using ::webhooks::testing::TempDir;

constexpr char kOrg[] = "int_AAAAAAAAAAAAAAAAAAAAAAAA";
constexpr char kOtherOrg[] = "int_BBBBBBBBBBBBBBBBBBBBBBBB";

// "wh_" + a one-letter tag + 9 digits: distinct for distinct (tag, n).
std::string WebhookId(char tag, int n) {
  std::string digits = std::to_string(n);
  return std::string("wh_") + tag + std::string(9 - digits.size(), '0') + digits;
}

Webhook MakeWebhook(const std::string& id, const std::string& name, const std::string& org = kOrg) {
  Webhook w;
  w.webhook_id = id;
  w.internal_id = org;
  w.spec.webhook_name = name;
  w.spec.event_types = {"object.created"};
  HttpChannel http;
  http.url = "https://example.com/hooks/" + id;
  w.spec.channels.push_back(http);
  w.created_at = w.updated_at = "2025-01-01T00:00:00Z";
  return w;
}

std::unique_ptr<LmdbStore> OpenStore(const std::string& dir, const LmdbOptions& options = {}) {
  absl::StatusOr<std::unique_ptr<LmdbStore>> store = LmdbStore::Open(dir, options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

// Every webhook of `org`, in creation order, through cursor pages.
std::vector<Webhook> ListAll(WebhookStore& store, const std::string& org) {
  std::vector<Webhook> out;
  ListQuery q;
  q.limit = 1000;
  for (;;) {
    absl::StatusOr<WebhookPage> page = store.ListWebhooks(org, q);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) break;
    out.insert(out.end(), page->items.begin(), page->items.end());
    if (!page->next_after_seq) break;
    q.after_seq = page->next_after_seq;
  }
  return out;
}

void ExpectUniqueIncreasingSeqs(const std::vector<Webhook>& items) {
  for (size_t i = 1; i < items.size(); ++i) {
    EXPECT_LT(items[i - 1].seq, items[i].seq) << "at " << i;
  }
}

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
    ASSERT_OK(store->ReplaceWebhook(made[0]));
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

TEST(KeysTest, EncodeU64SortsNumericallyAsBytes) {
  const std::vector<uint64_t> values = {0,
                                        1,
                                        127,
                                        128,
                                        255,
                                        256,
                                        65535,
                                        65536,
                                        0x7fffffff,
                                        0x80000000,
                                        0xffffffff,
                                        uint64_t{1} << 32,
                                        uint64_t{1} << 56,
                                        ~uint64_t{0} - 1,
                                        ~uint64_t{0}};
  for (size_t i = 0; i < values.size(); ++i) {
    std::string a = keys::EncodeU64(values[i]);
    ASSERT_EQ(a.size(), 8u);
    EXPECT_EQ(keys::DecodeU64(a), values[i]);
    for (size_t j = 0; j < values.size(); ++j) {
      std::string b = keys::EncodeU64(values[j]);
      int cmp = std::memcmp(a.data(), b.data(), 8);  // LMDB's default key order
      EXPECT_EQ(cmp < 0, values[i] < values[j]) << values[i] << " vs " << values[j];
      EXPECT_EQ(cmp == 0, values[i] == values[j]);
    }
  }
  EXPECT_EQ(keys::EncodeU64(0x0102030405060708), std::string("\x01\x02\x03\x04\x05\x06\x07\x08"));
  EXPECT_FALSE(keys::DecodeU64("").has_value());
  EXPECT_FALSE(keys::DecodeU64("1234567").has_value());
  EXPECT_FALSE(keys::DecodeU64("123456789").has_value());
}

TEST(KeysTest, SeqKeysSortByOrganizationThenSeq) {
  EXPECT_LT(keys::Seq(kOrg, 255), keys::Seq(kOrg, 256));
  EXPECT_LT(keys::Seq(kOrg, ~uint64_t{0}), keys::Seq(kOtherOrg, 0));
  EXPECT_EQ(keys::Seq(kOrg, 1).substr(0, keys::OrgPrefix(kOrg).size()), keys::OrgPrefix(kOrg));
  EXPECT_EQ(keys::OrgPrefix(kOrg), std::string(kOrg) + "/");
  EXPECT_EQ(keys::Webhook(kOrg, "wh_x"), std::string(kOrg) + "/wh_x");
  EXPECT_EQ(keys::Name(kOrg, "a"), keys::OrgPrefix(kOrg) + Sha256("a"));
  EXPECT_NE(keys::Name(kOrg, "a"), keys::Name(kOtherOrg, "a"));
}

TEST(KeysTest, SeqIndexValueRoundTrip) {
  const std::vector<keys::SeqIndexValue> values = {
      {true, 0, "wh_0000000001"},
      {false, 0xffffffffu, "wh_abcdefghij"},
      {true, 1u << 31, "w"},
      {false, EventMask({"object.created", "alert.execution.failed"}), "wh_0123456789abcdef"},
      {true, 0x00ff00ffu, std::string("wh_\0\xff", 5)},
  };
  for (const keys::SeqIndexValue& v : values) {
    std::string bytes = keys::EncodeSeqIndexValue(v);
    std::optional<keys::SeqIndexValue> back = keys::DecodeSeqIndexValue(bytes);
    ASSERT_TRUE(back.has_value()) << v.webhook_id;
    EXPECT_EQ(back->is_active, v.is_active);
    EXPECT_EQ(back->event_mask, v.event_mask);
    EXPECT_EQ(back->webhook_id, v.webhook_id);
  }
  EXPECT_FALSE(keys::DecodeSeqIndexValue("").has_value());
  EXPECT_FALSE(keys::DecodeSeqIndexValue("\x01\x02\x03\x04\x05").has_value());
}

}  // namespace
}  // namespace webhooks

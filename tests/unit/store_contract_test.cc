// The AccountStore / WebhookStore contract (store/store.h), checked with the same assertions
// against MemoryStore and LmdbStore.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "model/event_types.h"
#include "store/lmdb_store.h"
#include "store/memory_store.h"
#include "tests/test_util.h"

namespace webhooks {
namespace {

using ::webhooks::testing::TempDir;

constexpr char kOrgA[] = "int_AAAAAAAAAAAAAAAAAAAAAAAA";
constexpr char kOrgB[] = "int_BBBBBBBBBBBBBBBBBBBBBBBB";
constexpr char kNoOrg[] = "int_ZZZZZZZZZZZZZZZZZZZZZZZZ";

// "wh_" + 10 alphanumerics, distinct for distinct n.
std::string WebhookId(int n) {
  std::string digits = std::to_string(n);
  return "wh_" + std::string(10 - digits.size(), '0') + digits;
}

Webhook MakeWebhook(const std::string& org, const std::string& id, const std::string& name,
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

std::vector<std::string> Ids(const std::vector<Webhook>& items) {
  std::vector<std::string> out;
  for (const Webhook& w : items) out.push_back(w.webhook_id);
  return out;
}

// Creates one store of type T per test.
struct MemoryStoreFactory {
  using Store = MemoryStore;
  static std::unique_ptr<MemoryStore> Make(const TempDir&) {
    return std::make_unique<MemoryStore>();
  }
};

struct LmdbStoreFactory {
  using Store = LmdbStore;
  static std::unique_ptr<LmdbStore> Make(const TempDir& dir) {
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

  TempDir dir_;
  std::unique_ptr<typename Factory::Store> store_;
};

using StoreFactories = ::testing::Types<MemoryStoreFactory, LmdbStoreFactory>;

class FactoryNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, MemoryStoreFactory> ? "Memory" : "Lmdb";
  }
};

TYPED_TEST_SUITE(StoreContractTest, StoreFactories, FactoryNames);

TYPED_TEST(StoreContractTest, OrganizationsCreateGetListAndDuplicate) {
  Organization b{kOrgB, "Org B", "2025-01-02T00:00:00Z"};
  Organization a{kOrgA, "Org A", "2025-01-01T00:00:00Z"};
  ASSERT_OK(this->store().CreateOrganization(b));
  ASSERT_OK(this->store().CreateOrganization(a));

  absl::StatusOr<Organization> got = this->store().GetOrganization(kOrgA);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, a);
  EXPECT_TRUE(absl::IsNotFound(this->store().GetOrganization(kNoOrg).status()));

  Organization dup{kOrgA, "Another name", "2025-02-01T00:00:00Z"};
  EXPECT_TRUE(absl::IsAlreadyExists(this->store().CreateOrganization(dup)));
  got = this->store().GetOrganization(kOrgA);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "Org A");  // the duplicate did not overwrite

  absl::StatusOr<std::vector<Organization>> all = this->store().ListOrganizations();
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(*all, (std::vector<Organization>{a, b}));  // ordered by internal_id
}

TYPED_TEST(StoreContractTest, ApiKeys) {
  this->CreateOrgs();
  ApiKeyRecord key{Sha256("sk_live_one"), kOrgA, "sk_live_abc123", "2025-01-01T00:00:00Z"};
  ApiKeyRecord orphan{Sha256("sk_live_orphan"), kNoOrg, "sk_live_orphan", "2025-01-01T00:00:00Z"};
  EXPECT_TRUE(absl::IsNotFound(this->store().AddApiKey(orphan)));
  EXPECT_TRUE(absl::IsNotFound(this->store().FindApiKey(orphan.key_hash).status()));

  ASSERT_OK(this->store().AddApiKey(key));
  absl::StatusOr<ApiKeyRecord> found = this->store().FindApiKey(Sha256("sk_live_one"));
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, key);
  EXPECT_TRUE(absl::IsNotFound(this->store().FindApiKey(Sha256("sk_live_two")).status()));

  ApiKeyRecord same_hash{key.key_hash, kOrgB, "sk_live_xxxxxx", "2025-01-02T00:00:00Z"};
  EXPECT_TRUE(absl::IsAlreadyExists(this->store().AddApiKey(same_hash)));
  found = this->store().FindApiKey(key.key_hash);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->internal_id, kOrgA);
}

TYPED_TEST(StoreContractTest, CreateWebhookAssignsIncreasingSeq) {
  this->CreateOrgs();
  uint64_t last = 0;
  for (int i = 0; i < 5; ++i) {
    // Alternate organizations: seq grows store-wide.
    Webhook w = this->Create(MakeWebhook(i % 2 ? kOrgB : kOrgA, WebhookId(i), "n"));
    EXPECT_GT(w.seq, last);
    last = w.seq;
  }
}

TYPED_TEST(StoreContractTest, CreateWebhookDuplicateAndMissingOrg) {
  this->CreateOrgs();
  Webhook first = this->Create(MakeWebhook(kOrgA, WebhookId(1), "first"));

  Webhook dup = MakeWebhook(kOrgA, WebhookId(1), "second");
  EXPECT_TRUE(absl::IsAlreadyExists(this->store().CreateWebhook(&dup)));
  absl::StatusOr<Webhook> got = this->store().GetWebhook(kOrgA, WebhookId(1));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, first);
  EXPECT_EQ(this->Total(kOrgA), 1u);
  absl::StatusOr<std::vector<Webhook>> named =
      this->store().FindWebhooksByName(kOrgA, "second", 10);
  ASSERT_TRUE(named.ok());
  EXPECT_TRUE(named->empty());

  Webhook orphan = MakeWebhook(kNoOrg, WebhookId(2), "orphan");
  EXPECT_TRUE(absl::IsNotFound(this->store().CreateWebhook(&orphan)));
  EXPECT_TRUE(absl::IsNotFound(this->store().GetWebhook(kNoOrg, WebhookId(2)).status()));

  // The key is (internal_id, webhook_id): the same id in another organization is separate.
  Webhook other = this->Create(MakeWebhook(kOrgB, WebhookId(1), "other"));
  EXPECT_GT(other.seq, first.seq);
  got = this->store().GetWebhook(kOrgA, WebhookId(1));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->spec.webhook_name, "first");
}

TYPED_TEST(StoreContractTest, GetWebhookRoundTripsAndIsScopedToItsOrganization) {
  this->CreateOrgs();
  Webhook w = MakeWebhook(kOrgA, WebhookId(7), "full", {"*", "alert.triggered"}, false);
  w.spec.description = "a description";
  SlackChannel slack;
  slack.webhook_url = "https://hooks.slack.com/services/T/B/X";
  slack.channel = "#alerts";
  w.spec.channels.push_back(slack);
  EmailChannel email;
  email.to_addresses = {"ops@example.com"};
  w.spec.channels.push_back(email);
  w.created_at = "2025-03-04T05:06:07Z";
  w.updated_at = "2025-03-05T05:06:07Z";
  w = this->Create(w);

  absl::StatusOr<Webhook> got = this->store().GetWebhook(kOrgA, WebhookId(7));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, w);
  EXPECT_TRUE(absl::IsNotFound(this->store().GetWebhook(kOrgB, WebhookId(7)).status()));
  EXPECT_TRUE(absl::IsNotFound(this->store().GetWebhook(kOrgA, WebhookId(8)).status()));
}

TYPED_TEST(StoreContractTest, FindWebhooksByName) {
  this->CreateOrgs();
  // Ids deliberately sort in the reverse of creation order.
  Webhook a1 = this->Create(MakeWebhook(kOrgA, "wh_c000000000", "alpha"));
  this->Create(MakeWebhook(kOrgA, "wh_x000000000", "beta"));
  Webhook a2 = this->Create(MakeWebhook(kOrgA, "wh_b000000000", "alpha"));
  Webhook a3 = this->Create(MakeWebhook(kOrgA, "wh_a000000000", "alpha"));
  this->Create(MakeWebhook(kOrgB, "wh_0000000000", "alpha"));
  this->Create(MakeWebhook(kOrgA, "wh_d000000000", "Alpha"));  // names are case-sensitive

  absl::StatusOr<std::vector<Webhook>> found = this->store().FindWebhooksByName(kOrgA, "alpha", 10);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, (std::vector<Webhook>{a1, a2, a3}));

  // `max` is honoured and keeps the first webhooks in creation order.
  // Regression: LmdbStore used to stop after the first `max` entries of the webhook_names
  // index, which are in webhook_id order (MDB_DUPSORT), and only then sort by seq (fixed in
  // 4ea0084).
  found = this->store().FindWebhooksByName(kOrgA, "alpha", 2);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(Ids(*found), (std::vector<std::string>{a1.webhook_id, a2.webhook_id}));
  found = this->store().FindWebhooksByName(kOrgA, "alpha", 1);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->front().webhook_id, a1.webhook_id);

  found = this->store().FindWebhooksByName(kOrgA, "alph", 10);
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->empty());
  found = this->store().FindWebhooksByName(kOrgB, "alpha", 10);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(Ids(*found), std::vector<std::string>{"wh_0000000000"});
  found = this->store().FindWebhooksByName(kNoOrg, "alpha", 10);
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->empty());
}

TYPED_TEST(StoreContractTest, ReplaceWebhookKeepsSeqAndMovesTheNameIndex) {
  this->CreateOrgs();
  this->Create(MakeWebhook(kOrgA, WebhookId(1), "before"));
  Webhook w = this->Create(MakeWebhook(kOrgA, WebhookId(2), "before"));
  this->Create(MakeWebhook(kOrgA, WebhookId(3), "other"));

  Webhook next = MakeWebhook(kOrgA, WebhookId(2), "after", {"alert.created"}, false);
  next.spec.description = "changed";
  next.updated_at = "2025-06-01T00:00:00Z";
  next.seq = 999;  // ignored: the stored seq is kept
  ASSERT_OK(this->store().ReplaceWebhook(next));

  absl::StatusOr<Webhook> got = this->store().GetWebhook(kOrgA, WebhookId(2));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->seq, w.seq);
  EXPECT_EQ(got->spec, next.spec);
  EXPECT_EQ(got->updated_at, "2025-06-01T00:00:00Z");

  absl::StatusOr<std::vector<Webhook>> found =
      this->store().FindWebhooksByName(kOrgA, "before", 10);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(Ids(*found), std::vector<std::string>{WebhookId(1)});
  found = this->store().FindWebhooksByName(kOrgA, "after", 10);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(Ids(*found), std::vector<std::string>{WebhookId(2)});

  // Its position in creation order and the list filters follow the new contents.
  WebhookPage page = this->List(kOrgA, ListQuery{});
  EXPECT_EQ(Ids(page.items), (std::vector<std::string>{WebhookId(1), WebhookId(2), WebhookId(3)}));
  ListQuery inactive;
  inactive.is_active = false;
  page = this->List(kOrgA, inactive);
  EXPECT_EQ(Ids(page.items), std::vector<std::string>{WebhookId(2)});
  ListQuery alert;
  alert.event_type_index = EventTypeIndex("alert.created");
  page = this->List(kOrgA, alert);
  EXPECT_EQ(Ids(page.items), std::vector<std::string>{WebhookId(2)});

  // Replacing with the same name keeps it findable exactly once.
  next.spec.description = "again";
  ASSERT_OK(this->store().ReplaceWebhook(next));
  found = this->store().FindWebhooksByName(kOrgA, "after", 10);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->front().spec.description, "again");

  ASSERT_OK(this->store().DeleteWebhook(kOrgA, WebhookId(2)));
  EXPECT_TRUE(absl::IsNotFound(this->store().ReplaceWebhook(next)));
  EXPECT_TRUE(absl::IsNotFound(this->store().GetWebhook(kOrgA, WebhookId(2)).status()));
  Webhook never = MakeWebhook(kOrgA, WebhookId(50), "never");
  EXPECT_TRUE(absl::IsNotFound(this->store().ReplaceWebhook(never)));
  Webhook wrong_org = MakeWebhook(kOrgB, WebhookId(1), "hijack");
  EXPECT_TRUE(absl::IsNotFound(this->store().ReplaceWebhook(wrong_org)));
  got = this->store().GetWebhook(kOrgA, WebhookId(1));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->spec.webhook_name, "before");
  EXPECT_EQ(this->Total(kOrgA), 2u);
}

TYPED_TEST(StoreContractTest, DeleteWebhook) {
  this->CreateOrgs();
  this->Create(MakeWebhook(kOrgA, WebhookId(1), "keep"));
  this->Create(MakeWebhook(kOrgA, WebhookId(2), "gone"));
  this->Create(MakeWebhook(kOrgB, WebhookId(2), "gone"));

  EXPECT_TRUE(absl::IsNotFound(this->store().DeleteWebhook(kOrgA, WebhookId(3))));
  ASSERT_OK(this->store().DeleteWebhook(kOrgA, WebhookId(2)));
  EXPECT_TRUE(absl::IsNotFound(this->store().GetWebhook(kOrgA, WebhookId(2)).status()));
  EXPECT_TRUE(absl::IsNotFound(this->store().DeleteWebhook(kOrgA, WebhookId(2))));
  absl::StatusOr<std::vector<Webhook>> found = this->store().FindWebhooksByName(kOrgA, "gone", 10);
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->empty());

  WebhookPage page = this->List(kOrgA, ListQuery{});
  EXPECT_EQ(page.total, 1u);
  EXPECT_EQ(Ids(page.items), std::vector<std::string>{WebhookId(1)});
  // The other organization's webhook with the same id is untouched.
  EXPECT_TRUE(this->store().GetWebhook(kOrgB, WebhookId(2)).ok());
  EXPECT_EQ(this->Total(kOrgB), 1u);

  // A new webhook may reuse the deleted id, and comes last in creation order.
  Webhook again = this->Create(MakeWebhook(kOrgA, WebhookId(2), "again"));
  page = this->List(kOrgA, ListQuery{});
  EXPECT_EQ(Ids(page.items), (std::vector<std::string>{WebhookId(1), WebhookId(2)}));
  EXPECT_EQ(page.items.back(), again);
}

TYPED_TEST(StoreContractTest, ListWebhooksPagesInCreationOrder) {
  this->CreateOrgs();
  std::vector<Webhook> made;
  for (int i = 0; i < 7; ++i) {
    made.push_back(this->Create(MakeWebhook(kOrgA, WebhookId(100 - i), "n" + std::to_string(i))));
    this->Create(MakeWebhook(kOrgB, WebhookId(200 + i), "b"));  // interleaved, never listed
  }
  auto ids = [&](int from, int to) {
    std::vector<std::string> out;
    for (int i = from; i < to; ++i) out.push_back(made[i].webhook_id);
    return out;
  };

  WebhookPage page = this->List(kOrgA, ListQuery{});
  EXPECT_EQ(page.total, 7u);
  EXPECT_EQ(page.items, made);
  EXPECT_FALSE(page.next_after_seq.has_value());

  ListQuery q;
  q.limit = 3;
  page = this->List(kOrgA, q);
  EXPECT_EQ(Ids(page.items), ids(0, 3));
  EXPECT_EQ(page.total, 7u);
  EXPECT_EQ(page.next_after_seq, made[2].seq);

  q.offset = 3;
  page = this->List(kOrgA, q);
  EXPECT_EQ(Ids(page.items), ids(3, 6));
  EXPECT_EQ(page.total, 7u);
  EXPECT_EQ(page.next_after_seq, made[5].seq);

  q.offset = 4;  // exactly the last three: nothing follows
  page = this->List(kOrgA, q);
  EXPECT_EQ(Ids(page.items), ids(4, 7));
  EXPECT_FALSE(page.next_after_seq.has_value());

  q.offset = 6;
  page = this->List(kOrgA, q);
  EXPECT_EQ(Ids(page.items), ids(6, 7));
  EXPECT_FALSE(page.next_after_seq.has_value());

  q.offset = 50;
  page = this->List(kOrgA, q);
  EXPECT_TRUE(page.items.empty());
  EXPECT_EQ(page.total, 7u);
  EXPECT_FALSE(page.next_after_seq.has_value());

  // after_seq starts after that webhook; offset is then ignored; total counts every page.
  q.offset = 2;
  q.after_seq = made[1].seq;
  page = this->List(kOrgA, q);
  EXPECT_EQ(Ids(page.items), ids(2, 5));
  EXPECT_EQ(page.total, 7u);
  EXPECT_EQ(page.next_after_seq, made[4].seq);
  q.after_seq = made[6].seq;
  page = this->List(kOrgA, q);
  EXPECT_TRUE(page.items.empty());
  EXPECT_EQ(page.total, 7u);
  EXPECT_FALSE(page.next_after_seq.has_value());

  q = ListQuery{};
  q.limit = 7;
  page = this->List(kOrgA, q);
  EXPECT_EQ(page.items.size(), 7u);
  EXPECT_FALSE(page.next_after_seq.has_value());

  page = this->List(kNoOrg, ListQuery{});
  EXPECT_TRUE(page.items.empty());
  EXPECT_EQ(page.total, 0u);
  EXPECT_FALSE(page.next_after_seq.has_value());
}

TYPED_TEST(StoreContractTest, ListWebhooksFilters) {
  this->CreateOrgs();
  // 0: object.created, active      1: "*", active          2: object.created, inactive
  // 3: alert.created, active       4: "*", inactive        5: alert.created + object.created
  Webhook w0 = this->Create(MakeWebhook(kOrgA, WebhookId(0), "w", {"object.created"}, true));
  Webhook w1 = this->Create(MakeWebhook(kOrgA, WebhookId(1), "w", {"*"}, true));
  Webhook w2 = this->Create(MakeWebhook(kOrgA, WebhookId(2), "w", {"object.created"}, false));
  Webhook w3 = this->Create(MakeWebhook(kOrgA, WebhookId(3), "w", {"alert.created"}, true));
  Webhook w4 = this->Create(MakeWebhook(kOrgA, WebhookId(4), "w", {"*"}, false));
  Webhook w5 = this->Create(
      MakeWebhook(kOrgA, WebhookId(5), "w", {"alert.created", "object.created"}, true));
  this->Create(MakeWebhook(kOrgB, WebhookId(6), "w", {"object.created"}, true));

  ListQuery q;
  q.is_active = true;
  WebhookPage page = this->List(kOrgA, q);
  EXPECT_EQ(page.items, (std::vector<Webhook>{w0, w1, w3, w5}));
  EXPECT_EQ(page.total, 4u);
  q.is_active = false;
  page = this->List(kOrgA, q);
  EXPECT_EQ(page.items, (std::vector<Webhook>{w2, w4}));
  EXPECT_EQ(page.total, 2u);

  q = ListQuery{};
  q.event_type_index = EventTypeIndex("object.created");
  ASSERT_TRUE(q.event_type_index.has_value());
  page = this->List(kOrgA, q);
  EXPECT_EQ(Ids(page.items), Ids({w0, w1, w2, w4, w5}));
  EXPECT_EQ(page.total, 5u);

  q.event_type_index = EventTypeIndex("taxonomy.deleted");  // only the "*" subscribers
  page = this->List(kOrgA, q);
  EXPECT_EQ(Ids(page.items), Ids({w1, w4}));
  EXPECT_EQ(page.total, 2u);

  q.event_type_index = EventTypeIndex("alert.execution.failed");  // the last of the 31
  page = this->List(kOrgA, q);
  EXPECT_EQ(Ids(page.items), Ids({w1, w4}));

  q.event_type_index = EventTypeIndex("object.created");
  q.is_active = true;
  page = this->List(kOrgA, q);
  EXPECT_EQ(Ids(page.items), Ids({w0, w1, w5}));
  EXPECT_EQ(page.total, 3u);

  // Filtered pages: limit, offset, total of all pages, and next_after_seq.
  q.limit = 2;
  page = this->List(kOrgA, q);
  EXPECT_EQ(Ids(page.items), Ids({w0, w1}));
  EXPECT_EQ(page.total, 3u);
  ASSERT_TRUE(page.next_after_seq.has_value());
  EXPECT_EQ(*page.next_after_seq, w1.seq);
  q.after_seq = page.next_after_seq;
  page = this->List(kOrgA, q);
  EXPECT_EQ(Ids(page.items), Ids({w5}));
  EXPECT_EQ(page.total, 3u);
  EXPECT_FALSE(page.next_after_seq.has_value());
  q.after_seq.reset();
  q.offset = 1;
  page = this->List(kOrgA, q);
  EXPECT_EQ(Ids(page.items), Ids({w1, w5}));
  EXPECT_FALSE(page.next_after_seq.has_value());

  q = ListQuery{};
  q.event_type_index = EventTypeIndex("object.created");
  q.limit = 1;
  q.offset = 4;  // the last match: nothing follows
  page = this->List(kOrgA, q);
  EXPECT_EQ(Ids(page.items), Ids({w5}));
  EXPECT_FALSE(page.next_after_seq.has_value());

  q = ListQuery{};
  q.event_type_index = EventTypeIndex("cluster.created");
  q.is_active = true;
  page = this->List(kOrgA, q);
  EXPECT_EQ(Ids(page.items), Ids({w1}));
  EXPECT_EQ(page.total, 1u);

  q.is_active = false;
  q.event_type_index = EventTypeIndex("alert.created");
  page = this->List(kOrgA, q);
  EXPECT_EQ(Ids(page.items), Ids({w4}));
  EXPECT_EQ(page.total, 1u);
}

// A client following next_after_seq while others create and delete sees every surviving
// webhook exactly once, in creation order, with new ones at the end.
TYPED_TEST(StoreContractTest, CursorPagesAreStableUnderCreatesAndDeletes) {
  this->CreateOrgs();
  std::vector<Webhook> originals;
  for (int i = 0; i < 12; ++i) {
    originals.push_back(this->Create(MakeWebhook(kOrgA, WebhookId(i), "orig")));
  }
  ListQuery q;
  q.limit = 5;
  WebhookPage first = this->List(kOrgA, q);
  ASSERT_EQ(Ids(first.items), Ids({originals.begin(), originals.begin() + 5}));
  ASSERT_TRUE(first.next_after_seq.has_value());

  std::vector<Webhook> added;
  for (int i = 0; i < 3; ++i) {
    added.push_back(this->Create(MakeWebhook(kOrgA, WebhookId(50 + i), "new")));
  }
  ASSERT_OK(this->store().DeleteWebhook(kOrgA, originals[6].webhook_id));  // on page 2
  ASSERT_OK(this->store().DeleteWebhook(kOrgA, originals[1].webhook_id));  // on page 1

  std::vector<std::string> rest;
  q.after_seq = first.next_after_seq;
  for (int pages = 0; q.after_seq && pages < 10; ++pages) {
    WebhookPage page = this->List(kOrgA, q);
    EXPECT_LE(page.items.size(), 5u);
    EXPECT_EQ(page.total, 13u);  // 12 + 3 - 2
    for (const Webhook& w : page.items) rest.push_back(w.webhook_id);
    q.after_seq = page.next_after_seq;
  }
  EXPECT_FALSE(q.after_seq.has_value());

  std::vector<std::string> expected;
  for (int i = 5; i < 12; ++i) {
    if (i != 6) expected.push_back(originals[i].webhook_id);
  }
  for (const Webhook& w : added) expected.push_back(w.webhook_id);
  EXPECT_EQ(rest, expected);
  std::set<std::string> unique(rest.begin(), rest.end());
  EXPECT_EQ(unique.size(), rest.size());
}

}  // namespace
}  // namespace webhooks

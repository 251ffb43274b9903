// The store contract for listing webhooks: pages in creation order, filters, and cursors that
// stay stable while webhooks are created and deleted.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "model/event_types.h"
#include "model/webhook.h"
#include "store/store.h"
#include "tests/test_util.h"
#include "tests/unit/store_contract_fixture.h"

namespace webhooks {
namespace {

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

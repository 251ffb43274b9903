// The store contract for single webhooks: create (seq, duplicates, missing organization), get,
// find by name, replace, update (in one write) and delete.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/event_types.h"
#include "model/webhook.h"
#include "store/store.h"
#include "tests/test_util.h"
#include "tests/unit/store_contract_fixture.h"

namespace webhooks {
namespace {

// Stores `next` over the webhook with its ids (its seq is ignored), as a PUT does.
absl::Status Replace(WebhookStore& store, const Webhook& next) {
  return store
      .UpdateWebhook(next.internal_id, next.webhook_id,
                     [&next](Webhook& stored) {
                       stored = next;
                       return absl::OkStatus();
                     })
      .status();
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

TYPED_TEST(StoreContractTest, AWholeUpdateKeepsSeqAndMovesTheNameIndex) {
  this->CreateOrgs();
  this->Create(MakeWebhook(kOrgA, WebhookId(1), "before"));
  Webhook w = this->Create(MakeWebhook(kOrgA, WebhookId(2), "before"));
  this->Create(MakeWebhook(kOrgA, WebhookId(3), "other"));

  Webhook next = MakeWebhook(kOrgA, WebhookId(2), "after", {"alert.created"}, false);
  next.spec.description = "changed";
  next.updated_at = "2025-06-01T00:00:00Z";
  next.seq = 999;  // ignored: the stored seq is kept
  ASSERT_OK(Replace(this->store(), next));

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
  ASSERT_OK(Replace(this->store(), next));
  found = this->store().FindWebhooksByName(kOrgA, "after", 10);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->front().spec.description, "again");

  ASSERT_OK(this->store().DeleteWebhook(kOrgA, WebhookId(2)));
  EXPECT_TRUE(absl::IsNotFound(Replace(this->store(), next)));
  EXPECT_TRUE(absl::IsNotFound(this->store().GetWebhook(kOrgA, WebhookId(2)).status()));
  Webhook never = MakeWebhook(kOrgA, WebhookId(50), "never");
  EXPECT_TRUE(absl::IsNotFound(Replace(this->store(), never)));
  Webhook wrong_org = MakeWebhook(kOrgB, WebhookId(1), "hijack");
  EXPECT_TRUE(absl::IsNotFound(Replace(this->store(), wrong_org)));
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

TYPED_TEST(StoreContractTest, UpdateWebhookChangesTheStoredWebhookInOneWrite) {
  this->CreateOrgs();
  Webhook w = this->Create(MakeWebhook(kOrgA, WebhookId(1), "before"));
  absl::StatusOr<Webhook> stored =
      this->store().UpdateWebhook(kOrgA, WebhookId(1), [](Webhook& current) {
        EXPECT_EQ(current.spec.webhook_name, "before");  // the update sees what is stored
        current.spec.webhook_name = "after";
        current.webhook_id = WebhookId(9);  // ids and seq are not the update's to change
        current.seq = 999;
        return absl::OkStatus();
      });
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->webhook_id, WebhookId(1));
  EXPECT_EQ(stored->seq, w.seq);
  absl::StatusOr<Webhook> got = this->store().GetWebhook(kOrgA, WebhookId(1));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, *stored);
  EXPECT_TRUE(absl::IsNotFound(this->store().GetWebhook(kOrgA, WebhookId(9)).status()));
  absl::StatusOr<std::vector<Webhook>> found = this->store().FindWebhooksByName(kOrgA, "after", 10);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(Ids(*found), std::vector<std::string>{WebhookId(1)});

  // The update's error is returned and nothing is stored.
  absl::StatusOr<Webhook> refused =
      this->store().UpdateWebhook(kOrgA, WebhookId(1), [](Webhook& current) {
        current.spec.webhook_name = "half-done";
        return absl::FailedPreconditionError("no");
      });
  EXPECT_TRUE(absl::IsFailedPrecondition(refused.status()));
  got = this->store().GetWebhook(kOrgA, WebhookId(1));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->spec.webhook_name, "after");

  auto touch = [](Webhook&) { return absl::OkStatus(); };
  EXPECT_TRUE(absl::IsNotFound(this->store().UpdateWebhook(kOrgA, WebhookId(2), touch).status()));
  EXPECT_TRUE(absl::IsNotFound(this->store().UpdateWebhook(kOrgB, WebhookId(1), touch).status()));
}

// Concurrent read-modify-writes through UpdateWebhook each see the others' changes: every one
// of them is in the final webhook. (A GetWebhook then a write of the whole webhook per change loses
// some.)
TYPED_TEST(StoreContractTest, ConcurrentUpdatesLoseNoChange) {
  this->CreateOrgs();
  this->Create(MakeWebhook(kOrgA, WebhookId(1), "counted"));
  constexpr int kThreads = 8, kEach = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string mark = std::to_string(t) + "." + std::to_string(i) + ";";
        EXPECT_OK(this->store()
                      .UpdateWebhook(kOrgA, WebhookId(1),
                                     [&](Webhook& current) {
                                       current.spec.description =
                                           current.spec.description.value_or("") + mark;
                                       return absl::OkStatus();
                                     })
                      .status());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  absl::StatusOr<Webhook> got = this->store().GetWebhook(kOrgA, WebhookId(1));
  ASSERT_TRUE(got.ok());
  const std::string all = got->spec.description.value_or("");
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kEach; ++i) {
      const std::string mark = std::to_string(t) + "." + std::to_string(i) + ";";
      EXPECT_NE(all.find(mark), std::string::npos) << mark;
    }
  }
  EXPECT_EQ(std::count(all.begin(), all.end(), ';'), kThreads * kEach);
}

}  // namespace
}  // namespace webhooks

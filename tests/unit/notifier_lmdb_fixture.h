// A fixture for notifier tests against a real LMDB store (not durable: durability is the LMDB
// tests' subject): an organization, and webhooks with the channels a test gives.
#ifndef WEBHOOKS_TESTS_UNIT_NOTIFIER_LMDB_FIXTURE_H_
#define WEBHOOKS_TESTS_UNIT_NOTIFIER_LMDB_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/ids.h"
#include "model/event.h"
#include "model/webhook.h"
#include "store/lmdb_delivery_store.h"
#include "store/lmdb_store.h"
#include "tests/test_util.h"

namespace webhooks {

class NotifierLmdbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LmdbOptions fast;
    fast.durable = false;
    auto opened = LmdbStore::Open(dir_.path(), fast);
    ASSERT_OK(opened.status());
    store_ = *std::move(opened);
    deliveries_ = std::make_unique<LmdbDeliveryStore>(store_->env());
    org_ = NewOrganizationId();
    ASSERT_OK(store_->CreateOrganization({org_, "o", "2026-01-01T00:00:00Z"}));
  }
  // Creates an active webhook of org_ for every event type with `channels`.
  Webhook AddWebhook(std::vector<Channel> channels) {
    Webhook w;
    w.webhook_id = NewWebhookId();
    w.internal_id = org_;
    w.spec.webhook_name = "w";
    w.spec.event_types = {"*"};
    w.spec.channels = std::move(channels);
    w.created_at = w.updated_at = "2026-01-01T00:00:00Z";
    EXPECT_OK(store_->CreateWebhook(&w));
    return w;
  }

  // An object.created event of org_, encoded for the event log: `id` as the producer's
  // event_id, or a fresh "evt_" id when empty.
  std::string EventRecord(const std::string& id = "") const {
    Event e;
    e.internal_id = org_;
    e.event_id = id.empty() ? "evt_" + NewWebhookId() : id;
    e.client_event_id = !id.empty();
    e.event_type = "object.created";
    e.occurred_at = "2026-01-01T00:00:00Z";
    return EncodeEventRecord(e);
  }

  ::webhooks::testing::TempDir dir_;
  std::unique_ptr<LmdbStore> store_;
  std::unique_ptr<LmdbDeliveryStore> deliveries_;
  std::string org_;
};

}  // namespace webhooks

#endif  // WEBHOOKS_TESTS_UNIT_NOTIFIER_LMDB_FIXTURE_H_

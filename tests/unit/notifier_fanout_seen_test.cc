// The fan-out asks the store about every producer-chosen id of a batch at once (SeenEvents):
// each answer must reach its own event, whatever the mix of events with and without ids.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/ids.h"
#include "eventlog/memory_event_log.h"
#include "model/event.h"
#include "notifier/fanout.h"
#include "store/lmdb_delivery_store.h"
#include "store/lmdb_store.h"
#include "tests/test_util.h"

namespace webhooks {
namespace {

using ::webhooks::testing::TempDir;

TEST(FanoutSeenTest, EachEventGetsItsOwnAnswer) {
  TempDir dir;
  LmdbOptions fast;
  fast.durable = false;
  auto opened = LmdbStore::Open(dir.path(), fast);
  ASSERT_OK(opened.status());
  std::unique_ptr<LmdbStore> store = *std::move(opened);
  LmdbDeliveryStore deliveries(store->env());
  const std::string org = NewOrganizationId();
  ASSERT_OK(store->CreateOrganization({org, "o", "2026-01-01T00:00:00Z"}));
  Webhook w;
  w.webhook_id = NewWebhookId();
  w.internal_id = org;
  w.spec.webhook_name = "w";
  w.spec.event_types = {"*"};
  HttpChannel http;
  http.url = "https://8.8.8.8/x";
  w.spec.channels = {http};
  w.created_at = w.updated_at = "2026-01-01T00:00:00Z";
  ASSERT_OK(store->CreateWebhook(&w));
  MemoryEventLog log;
  auto emit = [&](const std::string& id) {
    Event e;
    e.internal_id = org;
    e.event_id = id.empty() ? "evt_" + NewWebhookId() : id;
    e.client_event_id = !id.empty();
    e.event_type = "object.created";
    e.occurred_at = "2026-01-01T00:00:00Z";
    ASSERT_TRUE(log.Append(EncodeEventRecord(e)).ok());
  };
  const RetrySchedule schedule = *RetrySchedule::Parse("0");  // the fan-out keeps a reference
  Fanout fanout(*store, deliveries, log, schedule, SystemClock());
  emit("seen-1");
  emit("seen-2");
  ASSERT_EQ(*fanout.Step(), 2u);
  // One batch: ids seen in an earlier batch, new ones, one repeated, and events without ids.
  for (const std::string id : {"", "new-1", "seen-2", "", "new-2", "new-1", "seen-1", "new-3"}) {
    emit(id);
    if (id == "seen-2") {
      ASSERT_TRUE(log.Append("not an event").ok());  // skipped, logged
    }
  }
  ASSERT_EQ(*fanout.Step(), 9u);
  std::vector<Delivery> due = *deliveries.Due(INT64_MAX, 100, nullptr, nullptr);
  std::multiset<std::string> events;
  for (const Delivery& d : due) {
    if (d.event_id.rfind("evt_", 0) == 0) {
      events.insert("(generated)");
    } else {
      events.insert(d.event_id);
    }
  }
  EXPECT_EQ(events, (std::multiset<std::string>{"seen-1", "seen-2", "(generated)", "new-1",
                                                "(generated)", "new-2", "new-3"}));
}

}  // namespace
}  // namespace webhooks

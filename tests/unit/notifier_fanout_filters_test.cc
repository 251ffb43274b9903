// The fan-out queues an event for a webhook with filters only when the event's envelope passes
// them; webhooks without filters get every event of their types.
#include <gtest/gtest.h>

#include <map>

#include "eventlog/memory_event_log.h"
#include "model/event.h"
#include "notifier/fanout.h"
#include "tests/unit/notifier_lmdb_fixture.h"

namespace webhooks {
namespace {

class FanoutFiltersTest : public NotifierLmdbTest {
 protected:
  // An object.created event of org_ in namespace `ns`, encoded for the log.
  std::string EventIn(const std::string& id, const std::string& ns) const {
    Event e;
    e.internal_id = org_;
    e.event_id = id;
    e.event_type = "object.created";
    e.occurred_at = "2026-01-01T00:00:00Z";
    e.namespace_id = ns;
    e.metadata = R"({"tags":["red","blue"]})";
    return EncodeEventRecord(e);
  }
};

TEST_F(FanoutFiltersTest, OnlyEventsPassingAWebhooksFiltersAreQueuedForIt) {
  HttpChannel ch;
  ch.url = "https://8.8.8.8/h";
  const Webhook all = AddWebhook({ch});
  Webhook prod;
  prod.webhook_id = NewWebhookId();
  prod.internal_id = org_;
  prod.spec.webhook_name = "prod";
  prod.spec.event_types = {"*"};
  prod.spec.channels = {ch};
  prod.spec.filters = {EventFilter{"namespace_id", {std::string("ns_prod")}, false},
                       EventFilter{"metadata.tags", {std::string("blue")}, false}};
  prod.created_at = prod.updated_at = "2026-01-01T00:00:00Z";
  ASSERT_OK(store_->CreateWebhook(&prod));

  MemoryEventLog log;
  ASSERT_TRUE(log.Append(EventIn("evt_prod", "ns_prod")).ok());
  ASSERT_TRUE(log.Append(EventIn("evt_dev", "ns_dev")).ok());
  const TimePoint now = SystemClock()();
  RetrySchedule schedule = *RetrySchedule::Parse("0");
  Fanout fanout(*store_, *deliveries_, log, schedule, [now] { return now; });
  ASSERT_EQ(*fanout.Step(), 2u);

  absl::StatusOr<std::vector<Delivery>> due =
      deliveries_->Due(UnixMillis(now), 10, nullptr, nullptr);
  ASSERT_OK(due.status());
  std::multimap<std::string, std::string> queued;  // webhook -> event
  for (const Delivery& d : *due) queued.emplace(d.webhook_id, d.event_id);
  EXPECT_EQ(queued.count(all.webhook_id), 2u);
  ASSERT_EQ(queued.count(prod.webhook_id), 1u);
  EXPECT_EQ(queued.find(prod.webhook_id)->second, "evt_prod");
}

}  // namespace
}  // namespace webhooks

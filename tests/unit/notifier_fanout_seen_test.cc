// The fan-out asks the store about every producer-chosen id of a batch at once (SeenEvents):
// each answer must reach its own event, whatever the mix of events with and without ids.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "eventlog/memory_event_log.h"
#include "model/event.h"
#include "notifier/fanout.h"
#include "tests/unit/notifier_lmdb_fixture.h"

namespace webhooks {
namespace {

class FanoutSeenTest : public NotifierLmdbTest {};

TEST_F(FanoutSeenTest, EachEventGetsItsOwnAnswer) {
  HttpChannel http;
  http.url = "https://8.8.8.8/x";
  AddWebhook({http});
  MemoryEventLog log;
  auto emit = [&](const std::string& id) { ASSERT_TRUE(log.Append(EventRecord(id)).ok()); };
  const RetrySchedule schedule = *RetrySchedule::Parse("0");  // the fan-out keeps a reference
  Fanout fanout(*store_, *deliveries_, log, schedule, SystemClock());
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
  std::vector<Delivery> due = *deliveries_->Due(INT64_MAX, 100, nullptr, nullptr);
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

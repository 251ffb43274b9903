// The fan-out queues each delivery at the first delay of the schedule its channel follows: a
// webhook channel's own retry_schedule, or the notifier's.
#include <gtest/gtest.h>

#include "eventlog/memory_event_log.h"
#include "model/event.h"
#include "notifier/fanout.h"
#include "tests/unit/notifier_lmdb_fixture.h"

namespace webhooks {
namespace {

class ChannelScheduleTest : public NotifierLmdbTest {};

TEST_F(ChannelScheduleTest, TheFirstAttemptWaitsForTheFirstDelayOfTheChannelsSchedule) {
  HttpChannel own;
  own.url = "https://8.8.8.8/own";
  own.retry_schedule = "10s,1m";
  HttpChannel other;
  other.url = "https://8.8.8.8/other";
  const Webhook w = AddWebhook({own, other});
  MemoryEventLog log;
  ASSERT_TRUE(log.Append(EventRecord()).ok());
  const TimePoint now = SystemClock()();
  RetrySchedule flag = *RetrySchedule::Parse("0,1s");
  Fanout fanout(*store_, *deliveries_, log, flag, [now] { return now; });
  ASSERT_EQ(*fanout.Step(), 1u);

  const int64_t now_ms = UnixMillis(now);
  absl::StatusOr<std::vector<Delivery>> due = deliveries_->Due(now_ms, 10, nullptr, nullptr);
  ASSERT_OK(due.status());
  ASSERT_EQ(due->size(), 1u);  // the notifier's schedule: at once
  EXPECT_EQ((*due)[0].channel_index, 1u);
  due = deliveries_->Due(now_ms + 10000, 10, nullptr, nullptr);
  ASSERT_OK(due.status());
  ASSERT_EQ(due->size(), 2u);
  for (const Delivery& d : *due) {
    EXPECT_EQ(d.webhook_id, w.webhook_id);
    EXPECT_EQ(d.next_attempt_ms, now_ms + (d.channel_index == 0 ? 10000 : 0));
  }
}

}  // namespace
}  // namespace webhooks

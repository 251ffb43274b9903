// Retention through the real notifier: with --event-retention 0 it removes the log segments its
// cursor has passed, and events appended after them are still delivered; with a short
// --delivery-retention it removes finished delivery history, and keeps pending deliveries.
#include <filesystem>
#include <string>
#include <vector>

#include "eventlog/file_event_log.h"
#include "model/event.h"
#include "tests/integration/sinks_harness.h"
#include "tests/integration/stack_harness.h"

namespace webhooks::testing {
namespace {

using std::chrono::seconds;

size_t SegmentFiles(const std::string& dir) {
  size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".log") ++n;
  }
  return n;
}

class NotifierIntegrationRetention : public NotifierTestBase {};

TEST_F(NotifierIntegrationRetention, ConsumedSegmentsAreRemovedAndDeliveryGoesOn) {
  ASSERT_NO_FATAL_FAILURE(StartStack());
  const std::string events = stack_->data_dir() + "/events";
  {
    // A log in 4 KiB segments (a long-lived log's 64 MiB ones, scaled down), of an organization
    // with no webhooks: the fan-out consumes it without deliveries.
    auto appender = OpenFileEventAppender(events, EventLogOptions{4096});
    ASSERT_TRUE(appender.ok()) << appender.status();
    Event e;
    e.internal_id = "int_ZZZZZZZZZZZZZZZZZZZZZZZZ";
    e.event_type = "object.created";
    e.occurred_at = "2025-01-01T00:00:00Z";
    for (int i = 0; i < 200; ++i) {
      e.event_id = "evt_retention_" + std::to_string(i);
      ASSERT_TRUE((*appender)->Append(EncodeEventRecord(e)).ok());
    }
  }
  ASSERT_GT(SegmentFiles(events), 3u);

  std::vector<std::string> args = NotifierArgs("0,300ms");
  args.insert(args.end(), {"--event-retention", "0"});
  ASSERT_NO_FATAL_FAILURE(StartNotifier(args));
  CreateWebhook(R"({"webhook_name": "after", "event_types": ["*"], "channels": [
    {"channel": "webhook", "configs": {"url": ")" +
                http_->Url("/after") + R"("}}]})");
  Emit("object.created");  // appended after the 200, to the newest segment
  ASSERT_TRUE(WaitUntil([&] { return http_->Count("/after") == 1; }, seconds(15)));
  // The retention pass runs every 10 s: within two of them, only the newest segment is left.
  EXPECT_TRUE(WaitUntil([&] { return SegmentFiles(events) == 1; }, seconds(25)))
      << SegmentFiles(events) << " segments left";
}

TEST_F(NotifierIntegrationRetention, FinishedHistoryIsRemovedAndPendingDeliveriesStay) {
  ASSERT_NO_FATAL_FAILURE(StartStack(R"({"/ok": ["200"], "/down": ["503"]})"));
  const std::string metrics = Dir() + "/notifier.prom";
  std::vector<std::string> args = NotifierArgs("0,1h");  // /down's second attempt: in an hour
  args.insert(args.end(), {"--delivery-retention", "4s", "--metrics-file", metrics,
                           "--metrics-interval-ms", "50"});
  ASSERT_NO_FATAL_FAILURE(StartNotifier(args));
  const std::string id = CreateHttpWebhook("h", {"/ok", "/down"});
  ASSERT_FALSE(id.empty());
  Emit("object.created", R"("event_id": "ingest-42")");
  ASSERT_TRUE(WaitUntil([&] { return Attempts(id).size() == 2; }, seconds(15)));
  ASSERT_EQ(http_->Count("/ok"), 1u);

  // Four seconds after they ended, passes remove both attempts, the succeeded delivery and the
  // producer's event id (each in the pass after it is 4 s old).
  EXPECT_TRUE(WaitUntil([&] { return Attempts(id).empty(); }, seconds(15)));
  EXPECT_TRUE(WaitUntil(
      [&] {
        const std::string log = notifier_->LogTail();
        return log.find(" deliveries=1 ") != std::string::npos &&
               log.find(" seen_event_ids=1 ") != std::string::npos;
      },
      seconds(10)))
      << notifier_->LogTail();
  EXPECT_TRUE(WaitUntil(
      [&] {
        const std::string m = ReadFileFrom(metrics, 0);
        return m.find("\nwebhook_notifier_history_removed_total{kind=\"attempt\"} 2\n") !=
                   std::string::npos &&
               m.find("\nwebhook_notifier_history_removed_total{kind=\"delivery\"} 1\n") !=
                   std::string::npos;
      },
      seconds(5)))
      << ReadFileFrom(metrics, 0);
  // The /down delivery waits for its retry: it is still queued.
  EXPECT_NE(ReadFileFrom(metrics, 0).find("\nwebhook_notifier_pending_deliveries 1\n"),
            std::string::npos)
      << ReadFileFrom(metrics, 0);
  // The producer's event id went with its history: the same id is now a new event.
  Emit("object.created", R"("event_id": "ingest-42")");
  EXPECT_TRUE(WaitUntil([&] { return http_->Count("/ok") == 2; }, seconds(15)));
}

}  // namespace
}  // namespace webhooks::testing

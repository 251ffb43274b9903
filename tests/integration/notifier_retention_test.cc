// Event log retention through the real notifier: with --event-retention 0 it removes the log
// segments its cursor has passed, and events appended after them are still delivered.
#include <filesystem>
#include <string>
#include <vector>

#include "eventlog/file_event_log.h"
#include "model/event.h"
#include "tests/integration/sinks_harness.h"

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

}  // namespace
}  // namespace webhooks::testing

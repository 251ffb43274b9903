#include <string>

#include "eventlog/memory_event_log.h"
#include "tests/test_util.h"

namespace webhooks {
namespace {

TEST(EventLogMemoryTest, AppendsAndReadsInOrder) {
  MemoryEventLog log;
  EXPECT_EQ(*log.Append("a"), 0u);
  EXPECT_EQ(*log.Append("b"), 1u);
  EXPECT_EQ(*log.Append("c"), 2u);
  absl::StatusOr<std::vector<LogRecord>> records = log.Read(1, 10);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].payload, "b");
  EXPECT_EQ((*records)[0].position, 1u);
  EXPECT_EQ((*records)[0].next_position, 2u);
  EXPECT_EQ((*records)[1].next_position, 3u);
  EXPECT_EQ(*log.EndPosition(), 3u);
}

TEST(EventLogMemoryTest, LimitsAndEnd) {
  MemoryEventLog log;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(log.Append(std::to_string(i)).ok());
  EXPECT_EQ(log.Read(0, 2)->size(), 2u);
  EXPECT_TRUE(log.Read(5, 10)->empty());
  EXPECT_OK(log.DiscardBefore(3, TimePoint::max()));
  EXPECT_EQ(log.Read(0, 10)->size(), 5u);
}

TEST(EventLogMemoryTest, RejectsEmptyAndOversizedPayloads) {
  MemoryEventLog log;
  EXPECT_TRUE(absl::IsInvalidArgument(log.Append("").status()));
  EXPECT_TRUE(
      absl::IsInvalidArgument(log.Append(std::string(kMaxEventRecordBytes + 1, 'x')).status()));
  EXPECT_TRUE(log.Append(std::string(kMaxEventRecordBytes, 'x')).ok());
}

}  // namespace
}  // namespace webhooks

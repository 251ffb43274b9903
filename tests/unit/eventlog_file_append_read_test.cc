// The file event log's appends and reads: positions and their chaining, reads from the middle and
// at the end, payload size limits, and positions that are not a record's.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "eventlog/event_log.h"
#include "tests/test_util.h"
#include "tests/unit/eventlog_file_fixture.h"

namespace webhooks {
namespace {

using ::webhooks::testing::TempDir;

TEST(EventLogFileTest, RoundTripWithPositionsAndChaining) {
  TempDir dir;
  auto appender = MustOpenAppender(dir.path());
  auto source = MustOpenSource(dir.path());
  const std::vector<uint64_t> positions = AppendN(*appender, 5, "event-");
  ASSERT_EQ(positions.size(), 5u);
  EXPECT_EQ(positions[0], 0u);

  const std::vector<LogRecord> records = ReadAll(*source, 0, 2);
  ASSERT_EQ(records.size(), 5u);
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].payload, "event-" + std::to_string(i));
    EXPECT_EQ(records[i].position, positions[i]);
    EXPECT_EQ(records[i].next_position, records[i].position + 8 + records[i].payload.size());
  }
}

TEST(EventLogFileTest, ReadsFromAMiddlePosition) {
  TempDir dir;
  auto appender = MustOpenAppender(dir.path());
  const std::vector<uint64_t> positions = AppendN(*appender, 10, "e");
  auto source = MustOpenSource(dir.path());
  absl::StatusOr<std::vector<LogRecord>> records = source->Read(positions[6], 2);
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].payload, "e6");
  EXPECT_EQ((*records)[1].payload, "e7");
  EXPECT_EQ((*records)[1].next_position, positions[8]);
}

TEST(EventLogFileTest, EmptyResultAtEndThenNewRecords) {
  TempDir dir;
  auto source = MustOpenSource(dir.path());
  absl::StatusOr<std::vector<LogRecord>> records = source->Read(0, 10);
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_TRUE(records->empty());
  EXPECT_EQ(*source->EndPosition(), 0u);

  auto appender = MustOpenAppender(dir.path());
  AppendN(*appender, 3, "x");
  const uint64_t end = ReadAll(*source).back().next_position;
  records = source->Read(end, 10);
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_TRUE(records->empty());

  AppendN(*appender, 1, "late");
  records = source->Read(end, 10);
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].payload, "late0");
}

TEST(EventLogFileTest, RejectsEmptyAndOversizedPayloads) {
  TempDir dir;
  auto appender = MustOpenAppender(dir.path());
  EXPECT_TRUE(absl::IsInvalidArgument(appender->Append("").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      appender->Append(std::string(kMaxEventRecordBytes + 1, 'a')).status()));
  ASSERT_TRUE(appender->Append(std::string(kMaxEventRecordBytes, 'b')).ok());
  auto source = MustOpenSource(dir.path());
  const std::vector<LogRecord> records = ReadAll(*source);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].payload.size(), kMaxEventRecordBytes);
}

// AppendAll writes its records in order, next to each other, between other appends; a list it
// refuses appends nothing.
TEST(EventLogFileTest, AppendAllKeepsOrderAndRefusesWhole) {
  TempDir dir;
  auto appender = MustOpenAppender(dir.path());
  ASSERT_TRUE(appender->Append("before").ok());
  ASSERT_TRUE(appender->AppendAll({"b0", "b1", "b2"}).ok());
  ASSERT_TRUE(appender->Append("after").ok());
  EXPECT_TRUE(absl::IsInvalidArgument(appender->AppendAll({})));
  EXPECT_TRUE(absl::IsInvalidArgument(appender->AppendAll({"ok", ""})));
  EXPECT_TRUE(absl::IsInvalidArgument(
      appender->AppendAll({"ok", std::string(kMaxEventRecordBytes + 1, 'a')})));
  auto source = MustOpenSource(dir.path());
  std::vector<std::string> payloads;
  for (const LogRecord& r : ReadAll(*source)) payloads.push_back(r.payload);
  EXPECT_EQ(payloads, (std::vector<std::string>{"before", "b0", "b1", "b2", "after"}));
}

TEST(EventLogFileTest, MisalignedAndOutOfRangePositions) {
  TempDir dir;
  auto appender = MustOpenAppender(dir.path());
  const std::vector<uint64_t> positions = AppendN(*appender, 5, "record");
  auto source = MustOpenSource(dir.path());
  EXPECT_TRUE(absl::IsOutOfRange(source->Read(positions[2] + 3, 10).status()));
  EXPECT_TRUE(absl::IsOutOfRange(source->Read(positions[4] + 1000, 10).status()));
  EXPECT_TRUE(source->Read(positions[2], 10).ok());

  TempDir empty;
  auto empty_source = MustOpenSource(empty.path());
  EXPECT_TRUE(absl::IsOutOfRange(empty_source->Read(5, 10).status()));
}

TEST(EventLogFileTest, EndPositionFollowsAppends) {
  TempDir dir;
  auto appender = MustOpenAppender(dir.path(), 4096);
  auto source = MustOpenSource(dir.path());
  EXPECT_EQ(*source->EndPosition(), 0u);
  uint64_t expected = 0;
  for (int i = 0; i < 300; ++i) {
    const std::string payload(40 + i % 7, 'e');
    absl::StatusOr<uint64_t> position = appender->Append(payload);
    ASSERT_TRUE(position.ok());
    expected = *position + 8 + payload.size();
    if (i % 50 == 0) {
      EXPECT_EQ(*source->EndPosition(), expected);
    }
  }
  EXPECT_EQ(*source->EndPosition(), expected);
}

}  // namespace
}  // namespace webhooks

// The file event log's segments: rotation, reads across segment boundaries, and discarding the
// segments already consumed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "eventlog/event_log.h"
#include "eventlog/segment_format.h"
#include "tests/test_util.h"
#include "tests/unit/eventlog_file_fixture.h"

namespace webhooks {
namespace {

using ::webhooks::testing::TempDir;

// Sets segment `base`'s last-modified time to `t` (whole seconds).
void SetModified(const std::string& dir, uint64_t base, TimePoint t) {
  const int64_t s = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  const timespec times[2] = {{s, 0}, {s, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, segment::SegmentPath(dir, base).c_str(), times, 0), 0);
}

TEST(EventLogFileTest, RotatesAndReadsAcrossSegmentBoundaries) {
  TempDir dir;
  auto appender = MustOpenAppender(dir.path(), 4096);
  const std::vector<uint64_t> positions = AppendN(*appender, 2000, std::string(100, 'p'));
  absl::StatusOr<std::vector<uint64_t>> segments = segment::ListSegments(dir.path());
  ASSERT_TRUE(segments.ok());
  EXPECT_GT(segments->size(), 40u);
  for (size_t i = 1; i < segments->size(); ++i) {
    EXPECT_GE((*segments)[i] - (*segments)[i - 1], 4096u);
  }

  auto source = MustOpenSource(dir.path());
  const std::vector<LogRecord> records = ReadAll(*source, 0, 3);
  ASSERT_EQ(records.size(), 2000u);
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].position, positions[i]);
    EXPECT_EQ(records[i].payload, std::string(100, 'p') + std::to_string(i));
  }
  // From a position in the middle of a later segment, in one call spanning several segments.
  absl::StatusOr<std::vector<LogRecord>> tail = source->Read(positions[1500], 400);
  ASSERT_TRUE(tail.ok()) << tail.status();
  ASSERT_EQ(tail->size(), 400u);
  EXPECT_EQ(tail->back().next_position, positions[1900]);
  EXPECT_EQ(*source->EndPosition(), records.back().next_position);
}

TEST(EventLogFileTest, DiscardBeforeRemovesOnlyConsumedSegments) {
  TempDir dir;
  auto appender = MustOpenAppender(dir.path(), 4096);
  const std::vector<uint64_t> positions = AppendN(*appender, 500, std::string(50, 'd'));
  auto source = MustOpenSource(dir.path());
  const std::vector<uint64_t> before = *segment::ListSegments(dir.path());
  ASSERT_GT(before.size(), 4u);

  // Position inside segment 3: segments 0..2 end at or before it; segment 3 stays.
  ASSERT_OK(source->DiscardBefore(before[3] + 1, TimePoint::max()));
  const std::vector<uint64_t> after = *segment::ListSegments(dir.path());
  ASSERT_EQ(after.size(), before.size() - 3);
  EXPECT_EQ(after.front(), before[3]);

  const std::vector<LogRecord> rest = ReadAll(*source, before[3]);
  ASSERT_FALSE(rest.empty());
  EXPECT_EQ(rest.back().payload, std::string(50, 'd') + "499");
  EXPECT_TRUE(absl::IsOutOfRange(source->Read(positions[0], 10).status()));

  ASSERT_OK(source->DiscardBefore(UINT64_MAX, TimePoint::max()));
  EXPECT_EQ(segment::ListSegments(dir.path())->size(), 1u);
  EXPECT_EQ(*source->EndPosition(), rest.back().next_position);
  ASSERT_TRUE(appender->Append("still-appending").ok());
  EXPECT_EQ(ReadAll(*source, rest.back().next_position).size(), 1u);
}

TEST(EventLogFileTest, DiscardBeforeKeepsSegmentsWrittenSinceTheCutoff) {
  TempDir dir;
  auto appender = MustOpenAppender(dir.path(), 4096);
  AppendN(*appender, 300, std::string(50, 'r'));
  auto source = MustOpenSource(dir.path());
  const std::vector<uint64_t> before = *segment::ListSegments(dir.path());
  ASSERT_GT(before.size(), 4u);
  const TimePoint now = std::chrono::system_clock::now();
  for (uint64_t base : before) SetModified(dir.path(), base, now);
  SetModified(dir.path(), before[0], now - std::chrono::hours(3));
  SetModified(dir.path(), before[1], now - std::chrono::hours(2));
  SetModified(dir.path(), before[3], now - std::chrono::hours(2));  // behind a recent one

  // Everything is consumed; only the segments last written over an hour ago may go, oldest
  // first: segment 3 stays behind segment 2, so the log stays contiguous.
  ASSERT_OK(source->DiscardBefore(UINT64_MAX, now - std::chrono::hours(1)));
  std::vector<uint64_t> after = *segment::ListSegments(dir.path());
  ASSERT_EQ(after.size(), before.size() - 2);
  EXPECT_EQ(after.front(), before[2]);
  EXPECT_EQ(ReadAll(*source, before[2]).back().payload, std::string(50, 'r') + "299");

  // With the cutoff now, all consumed segments go but the newest.
  ASSERT_OK(source->DiscardBefore(UINT64_MAX, now + std::chrono::seconds(1)));
  EXPECT_EQ(segment::ListSegments(dir.path())->size(), 1u);
}

}  // namespace
}  // namespace webhooks

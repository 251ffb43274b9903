// Finding damage in the file event log and where records resume (eventlog/log_check.h), and
// an appender going on after damage in a new segment.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "eventlog/log_check.h"
#include "eventlog/segment_format.h"
#include "tests/test_util.h"
#include "tests/unit/eventlog_file_fixture.h"

namespace webhooks {
namespace {

using ::webhooks::testing::TempDir;

void WriteAt(const std::string& path, uint64_t offset, const std::string& bytes) {
  const int fd = open(path.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset)),
            static_cast<ssize_t>(bytes.size()));
  close(fd);
}

LogCheck MustCheck(const TempDir& dir) {
  absl::StatusOr<LogCheck> check = CheckFileEventLog(dir.path());
  EXPECT_TRUE(check.ok()) << check.status();
  return check.ok() ? *check : LogCheck{};
}

TEST(EventLogCheckTest, ACleanLogAcrossSegmentsHasNoDamage) {
  TempDir dir;
  auto appender = MustOpenAppender(dir.path(), /*segment_bytes=*/100);
  const std::vector<uint64_t> positions = AppendN(*appender, 30, "record-");
  // A torn tail of the newest segment (a writer's unfinished append) is not damage.
  const uint64_t end = *appender->Append("last");
  absl::StatusOr<std::vector<uint64_t>> bases = segment::ListSegments(dir.path());
  ASSERT_TRUE(bases.ok());
  ASSERT_GT(bases->size(), 3u);
  std::string torn;
  segment::EncodeRecord("unfinished", &torn);
  const std::string newest = segment::SegmentPath(dir.path(), bases->back());
  WriteAt(newest, std::filesystem::file_size(newest), torn.substr(0, 12));

  LogCheck check = MustCheck(dir);
  EXPECT_EQ(check.records, 31u);
  EXPECT_EQ(check.segments, bases->size());
  EXPECT_EQ(check.first, 0u);
  EXPECT_EQ(check.end, end + segment::kHeaderBytes + 4);
  EXPECT_TRUE(check.damage.empty());
  absl::StatusOr<LogDamage> none = FileEventLogDamageAt(dir.path(), positions[7]);
  EXPECT_TRUE(absl::IsFailedPrecondition(none.status())) << none.status();
  none = FileEventLogDamageAt(dir.path(), check.end);
  EXPECT_TRUE(absl::IsFailedPrecondition(none.status())) << none.status();
}

TEST(EventLogCheckTest, ABadRecordResumesAtTheNextOne) {
  // An impossible length, a possible one that leads past the next records, one that leads past
  // the end of the file (which must not pass for a torn tail), a payload byte.
  const std::vector<std::pair<uint64_t, std::string>> patches = {
      {3, "\x7f"}, {0, "\x40"}, {1, "\x01"}, {8 + 2, "#"}};
  for (const auto& [patch_at, byte] : patches) {
    SCOPED_TRACE(patch_at);
    TempDir dir;
    auto appender = MustOpenAppender(dir.path());
    const std::vector<uint64_t> positions = AppendN(*appender, 10, "record-");
    WriteAt(segment::SegmentPath(dir.path(), 0), positions[4] + patch_at, byte);

    LogCheck check = MustCheck(dir);
    EXPECT_EQ(check.records, 9u);
    ASSERT_EQ(check.damage.size(), 1u);
    EXPECT_EQ(check.damage[0].start, positions[4]);
    EXPECT_EQ(check.damage[0].resume, positions[5]);
    EXPECT_FALSE(check.damage[0].problem.empty());
    absl::StatusOr<LogDamage> at = FileEventLogDamageAt(dir.path(), positions[4]);
    ASSERT_TRUE(at.ok()) << at.status();
    EXPECT_EQ(at->resume, positions[5]);
    // A running appender goes on after the damage; a reader stops at the damage and reads on
    // from where records resume.
    ASSERT_TRUE(appender->Append("next").ok());
    auto source = MustOpenSource(dir.path());
    EXPECT_TRUE(absl::IsDataLoss(source->Read(positions[4], 10).status()));
    EXPECT_EQ(ReadAll(*source, at->resume).size(), 6u);
    EXPECT_EQ(MustCheck(dir).records, 10u);
  }
}

// Damage with no intact run of records after it within its segment resumes at the next
// segment; in the newest segment, at its end, where an appender starts the next segment.
TEST(EventLogCheckTest, DamageToTheEndOfASegmentResumesAtTheNextSegment) {
  TempDir dir;
  auto appender = MustOpenAppender(dir.path(), /*segment_bytes=*/100);
  const std::vector<uint64_t> positions = AppendN(*appender, 12, "record-");
  absl::StatusOr<std::vector<uint64_t>> bases = segment::ListSegments(dir.path());
  ASSERT_TRUE(bases.ok());
  ASSERT_GE(bases->size(), 2u);
  // The last record of the first segment.
  uint64_t last = 0;
  for (uint64_t p : positions) last = p < (*bases)[1] ? p : last;
  WriteAt(segment::SegmentPath(dir.path(), 0), last + 9, "#");
  // Zeros after the newest segment's records: no record can start there.
  const std::string newest = segment::SegmentPath(dir.path(), bases->back());
  const uint64_t newest_size = std::filesystem::file_size(newest);
  WriteAt(newest, newest_size, std::string(40, '\0'));

  LogCheck check = MustCheck(dir);
  ASSERT_EQ(check.damage.size(), 2u);
  EXPECT_EQ(check.damage[0].start, last);
  EXPECT_EQ(check.damage[0].resume, (*bases)[1]);
  EXPECT_EQ(check.damage[1].start, bases->back() + newest_size);
  EXPECT_EQ(check.damage[1].resume, bases->back() + newest_size + 40);
  EXPECT_EQ(check.records, 11u);

  // The appender leaves the damaged segment as it is and starts the next one after it.
  ASSERT_TRUE(PrepareFileEventLog(dir.path()).ok());
  absl::StatusOr<LogDamage> at = FileEventLogDamageAt(dir.path(), check.damage[1].start);
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(at->resume, bases->back() + newest_size + 40);
  const absl::StatusOr<uint64_t> after = appender->Append("after the damage");
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(*after, at->resume);
  auto source = MustOpenSource(dir.path());
  const std::vector<LogRecord> read = ReadAll(*source, at->resume);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].payload, "after the damage");
  EXPECT_TRUE(MustCheck(dir).damage.size() == 2u);
}

// An appender that wrote the damaged segment itself (and so never reads it again) follows
// another appender's move to the next segment: no position is handed out twice.
TEST(EventLogCheckTest, AnAppenderFollowsTheSegmentStartedAfterDamage) {
  TempDir dir;
  auto appender = MustOpenAppender(dir.path());
  const std::vector<uint64_t> positions = AppendN(*appender, 5, "record-");
  const std::string first = segment::SegmentPath(dir.path(), 0);
  WriteAt(first, positions[2] + 3, "\x7f");
  ASSERT_TRUE(PrepareFileEventLog(dir.path()).ok());  // as webhookctl eventlog skip-damage does
  const uint64_t size = std::filesystem::file_size(first);
  ASSERT_TRUE(std::filesystem::exists(segment::SegmentPath(dir.path(), size)));

  const absl::StatusOr<uint64_t> next = appender->Append("after");
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(*next, size);
  EXPECT_EQ(std::filesystem::file_size(first), size);
  auto source = MustOpenSource(dir.path());
  const std::vector<LogRecord> read = ReadAll(*source, positions[3]);
  ASSERT_EQ(read.size(), 3u);
  EXPECT_EQ(read[2].payload, "after");
  EXPECT_EQ(read[2].position, size);
}

}  // namespace
}  // namespace webhooks

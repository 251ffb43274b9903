// The file event log after damage: a torn or garbage tail is the end of the data and repaired by
// the next appender; a bad record before the end is data loss; a write the file system refuses
// (a full disk) fails that append alone.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "eventlog/event_log.h"
#include "eventlog/file_event_log.h"
#include "eventlog/segment_format.h"
#include "tests/test_util.h"
#include "tests/unit/eventlog_file_fixture.h"

namespace webhooks {
namespace {

using ::webhooks::testing::TempDir;

std::string Segment0(const TempDir& dir) { return segment::SegmentPath(dir.path(), 0); }

void PatchByte(const std::string& path, uint64_t offset, char value) {
  const int fd = open(path.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(pwrite(fd, &value, 1, static_cast<off_t>(offset)), 1);
  close(fd);
}

void AppendBytes(const std::string& path, const std::string& bytes) {
  const int fd = open(path.c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  close(fd);
}

TEST(EventLogFileTest, TruncatedTailIsEndOfDataAndRepairedByNextAppender) {
  TempDir dir;
  {
    auto appender = MustOpenAppender(dir.path());
    AppendN(*appender, 10, "rec");
  }
  const uint64_t full = std::filesystem::file_size(Segment0(dir));
  std::filesystem::resize_file(Segment0(dir), full - 3);

  auto source = MustOpenSource(dir.path());
  std::vector<LogRecord> records = ReadAll(*source);
  ASSERT_EQ(records.size(), 9u);
  EXPECT_EQ(*source->EndPosition(), records.back().next_position);

  auto appender = MustOpenAppender(dir.path());
  absl::StatusOr<uint64_t> position = appender->Append("after");
  ASSERT_TRUE(position.ok()) << position.status();
  EXPECT_EQ(*position, records.back().next_position);
  records = ReadAll(*source);
  ASSERT_EQ(records.size(), 10u);
  EXPECT_EQ(records.back().payload, "after");
  EXPECT_EQ(std::filesystem::file_size(Segment0(dir)), records.back().next_position);
}

TEST(EventLogFileTest, GarbageHalfRecordIsEndOfDataAndRepairedByNextAppender) {
  TempDir dir;
  {
    auto appender = MustOpenAppender(dir.path());
    AppendN(*appender, 10, "rec");
  }
  // A header announcing 100 bytes followed by only 5 of them.
  AppendBytes(Segment0(dir), std::string("\x64\0\0\0\x12\x34\x56\x78hello", 13));
  auto source = MustOpenSource(dir.path());
  std::vector<LogRecord> records = ReadAll(*source);
  ASSERT_EQ(records.size(), 10u);

  auto appender = MustOpenAppender(dir.path());
  ASSERT_TRUE(appender->Append("after").ok());
  records = ReadAll(*source);
  ASSERT_EQ(records.size(), 11u);
  EXPECT_EQ(records.back().payload, "after");
}

// While alive: this process's file size limit is `bytes` (writes past it fail with EFBIG, and
// SIGXFSZ is ignored). The old limit and action come back at the end of the scope, whatever
// the test did.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &old_limit_);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGXFSZ, &ignore, &old_action_);
    struct rlimit small = old_limit_;
    small.rlim_cur = bytes;
    set_ = setrlimit(RLIMIT_FSIZE, &small) == 0;
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old_limit_);
    sigaction(SIGXFSZ, &old_action_, nullptr);
  }
  bool set() const { return set_; }

 private:
  struct rlimit old_limit_ {};
  struct sigaction old_action_ {};
  bool set_ = false;
};

// A write the file system would cut short (as on a full disk; here RLIMIT_FSIZE) is refused
// before any of its bytes reach the log (readers could take complete records at once), and the
// next append after space returns goes on from the last good record.
TEST(EventLogFileTest, ARefusedWriteFailsItsAppendAndLeavesNoPartialRecord) {
  TempDir dir;
  auto appender = MustOpenAppender(dir.path());
  ASSERT_TRUE(appender->Append("before").ok());
  const uintmax_t good_size = std::filesystem::file_size(Segment0(dir));
  bool limited = false;
  bool refused = false;
  uintmax_t size_after = 0;
  {
    FileSizeLimit limit(good_size + 10);  // room for part of the next record only
    limited = limit.set();
    refused = !appender->Append(std::string(200, 'x')).ok();
    std::error_code ec;
    size_after = std::filesystem::file_size(Segment0(dir), ec);
  }
  ASSERT_TRUE(limited);
  EXPECT_TRUE(refused);
  EXPECT_EQ(size_after, good_size);  // nothing of it was written
  const absl::StatusOr<uint64_t> after = appender->Append("after");
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(*after, good_size);
  auto source = MustOpenSource(dir.path());
  const std::vector<LogRecord> records = ReadAll(*source);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].payload, "before");
  EXPECT_EQ(records[1].payload, "after");
}

TEST(EventLogFileTest, WriterKilledMidAppendLeavesAReadableLog) {
  TempDir dir;
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    absl::StatusOr<std::unique_ptr<EventAppender>> appender = OpenFileEventAppender(dir.path());
    const std::string big(kMaxEventRecordBytes, 'k');
    while (appender.ok() && (*appender)->Append(big).ok()) {
    }
    _exit(1);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int wstatus = 0;
  ASSERT_EQ(waitpid(child, &wstatus, 0), child);

  auto source = MustOpenSource(dir.path());
  const size_t before = ReadAll(*source).size();
  auto appender = MustOpenAppender(dir.path());
  ASSERT_TRUE(appender->Append("survivor").ok());
  const std::vector<LogRecord> records = ReadAll(*source);
  ASSERT_EQ(records.size(), before + 1);
  EXPECT_EQ(records.back().payload, "survivor");
  // The child may have rotated past segment 0 (fast disks): segments are contiguous from 0, so
  // their sizes add up to the end of the log when no torn bytes are left anywhere.
  uintmax_t total = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    if (entry.path().extension() == ".log") total += entry.file_size();
  }
  EXPECT_EQ(total, records.back().next_position);
}

TEST(EventLogFileTest, CrcMismatchOnLastRecordIsEndOfData) {
  TempDir dir;
  auto appender = MustOpenAppender(dir.path());
  const std::vector<uint64_t> positions = AppendN(*appender, 4, "rec");
  PatchByte(Segment0(dir), positions[3] + 8, 'X');
  auto source = MustOpenSource(dir.path());
  EXPECT_EQ(ReadAll(*source).size(), 3u);
  EXPECT_EQ(*source->EndPosition(), positions[3]);
}

TEST(EventLogFileTest, CrcMismatchMidLogIsDataLossAfterTheGoodRecords) {
  TempDir dir;
  auto appender = MustOpenAppender(dir.path());
  const std::vector<uint64_t> positions = AppendN(*appender, 10, "rec");
  PatchByte(Segment0(dir), positions[3] + 8 + 1, 'X');
  auto source = MustOpenSource(dir.path());

  absl::StatusOr<std::vector<LogRecord>> records = source->Read(0, 100);
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 3u);
  EXPECT_EQ(records->back().next_position, positions[3]);
  records = source->Read(positions[3], 100);
  ASSERT_TRUE(absl::IsDataLoss(records.status())) << records.status();
  EXPECT_NE(records.status().message().find("00000000000000000000.log offset " +
                                            std::to_string(positions[3])),
            std::string::npos)
      << records.status();
  // A new appender never truncates acknowledged records after damage: it leaves the damaged
  // segment as it is and goes on in the next one, which starts at the damaged one's size.
  const uintmax_t damaged_size = std::filesystem::file_size(Segment0(dir));
  auto second = MustOpenAppender(dir.path());
  const absl::StatusOr<uint64_t> next = second->Append("x");
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(*next, damaged_size);
  EXPECT_EQ(std::filesystem::file_size(Segment0(dir)), damaged_size);
  EXPECT_TRUE(absl::IsDataLoss(source->Read(positions[3], 100).status()));
  records = source->Read(*next, 100);
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ(records->front().payload, "x");
}

TEST(EventLogFileTest, BadLengthMidLogIsDataLoss) {
  TempDir dir;
  auto appender = MustOpenAppender(dir.path());
  const std::vector<uint64_t> positions = AppendN(*appender, 10, "rec");
  PatchByte(Segment0(dir), positions[5] + 3, '\x7f');  // length ~2 GiB
  auto source = MustOpenSource(dir.path());
  absl::StatusOr<std::vector<LogRecord>> records = source->Read(positions[4], 100);
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_EQ(records->size(), 1u);
  records = source->Read(positions[5], 100);
  ASSERT_TRUE(absl::IsDataLoss(records.status())) << records.status();
  EXPECT_NE(records.status().message().find("length"), std::string::npos);

  PatchByte(Segment0(dir), positions[5] + 3, '\0');
  PatchByte(Segment0(dir), positions[5], '\0');  // length 0
  records = source->Read(positions[5], 100);
  EXPECT_TRUE(absl::IsDataLoss(records.status())) << records.status();
}

TEST(EventLogFileTest, TornRecordInAClosedSegmentIsDataLoss) {
  TempDir dir;
  auto appender = MustOpenAppender(dir.path(), 100);
  AppendN(*appender, 10, std::string(60, 'z'));
  std::filesystem::resize_file(Segment0(dir), std::filesystem::file_size(Segment0(dir)) - 1);
  auto source = MustOpenSource(dir.path());
  absl::StatusOr<std::vector<LogRecord>> records = source->Read(0, 100);
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 1u);
  records = source->Read(records->back().next_position, 100);
  EXPECT_TRUE(absl::IsDataLoss(records.status())) << records.status();
}

}  // namespace
}  // namespace webhooks

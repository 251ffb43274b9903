#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "eventlog/file_event_log.h"
#include "eventlog/segment_format.h"
#include "tests/test_util.h"

namespace webhooks {
namespace {

using ::webhooks::testing::TempDir;

std::unique_ptr<EventAppender> MustOpenAppender(const std::string& dir, uint64_t segment_bytes) {
  EventLogOptions options;
  options.segment_bytes = segment_bytes;
  absl::StatusOr<std::unique_ptr<EventAppender>> appender = OpenFileEventAppender(dir, options);
  EXPECT_TRUE(appender.ok()) << appender.status();
  return appender.ok() ? *std::move(appender) : nullptr;
}

std::unique_ptr<EventAppender> MustOpenAppender(const std::string& dir) {
  return MustOpenAppender(dir, EventLogOptions{}.segment_bytes);
}

std::unique_ptr<EventSource> MustOpenSource(const std::string& dir) {
  absl::StatusOr<std::unique_ptr<EventSource>> source = OpenFileEventSource(dir);
  EXPECT_TRUE(source.ok()) << source.status();
  return source.ok() ? *std::move(source) : nullptr;
}

// Every record from `from` to the end, `batch` at a time; checks next_position chaining.
std::vector<LogRecord> ReadAll(EventSource& source, uint64_t from = 0, size_t batch = 1000) {
  std::vector<LogRecord> all;
  uint64_t position = from;
  while (true) {
    absl::StatusOr<std::vector<LogRecord>> records = source.Read(position, batch);
    EXPECT_TRUE(records.ok()) << records.status();
    if (!records.ok() || records->empty()) return all;
    for (LogRecord& record : *records) {
      EXPECT_EQ(record.position, position);
      position = record.next_position;
      all.push_back(std::move(record));
    }
  }
}

std::vector<uint64_t> AppendN(EventAppender& appender, int n, const std::string& prefix) {
  std::vector<uint64_t> positions;
  for (int i = 0; i < n; ++i) {
    absl::StatusOr<uint64_t> position = appender.Append(prefix + std::to_string(i));
    EXPECT_TRUE(position.ok()) << position.status();
    if (position.ok()) positions.push_back(*position);
  }
  return positions;
}

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

TEST(EventLogFileTest, ConcurrentAppendsFromThreads) {
  TempDir dir;
  auto appender = MustOpenAppender(dir.path());
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  std::vector<std::vector<uint64_t>> positions(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back(
        [&, t] { positions[t] = AppendN(*appender, kPerThread, "t" + std::to_string(t) + "-"); });
  }
  for (std::thread& thread : threads) thread.join();

  std::set<uint64_t> unique;
  for (const auto& p : positions) unique.insert(p.begin(), p.end());
  EXPECT_EQ(unique.size(), size_t{kThreads * kPerThread});
  auto source = MustOpenSource(dir.path());
  const std::vector<LogRecord> records = ReadAll(*source);
  ASSERT_EQ(records.size(), size_t{kThreads * kPerThread});
  std::set<std::string> payloads;
  for (const LogRecord& record : records) {
    EXPECT_TRUE(unique.count(record.position));
    payloads.insert(record.payload);
  }
  EXPECT_EQ(payloads.size(), records.size());
}

TEST(EventLogFileTest, AppendsFromTwoProcesses) {
  TempDir dir;
  constexpr int kEach = 300;
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    EventLogOptions options;
    options.segment_bytes = 4096;
    absl::StatusOr<std::unique_ptr<EventAppender>> appender =
        OpenFileEventAppender(dir.path(), options);
    bool ok = appender.ok();
    for (int i = 0; ok && i < kEach; ++i)
      ok = (*appender)->Append("child-" + std::to_string(i)).ok();
    _exit(ok ? 0 : 1);
  }
  auto appender = MustOpenAppender(dir.path(), 4096);
  AppendN(*appender, kEach, "parent-");
  int wstatus = 0;
  ASSERT_EQ(waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);

  auto source = MustOpenSource(dir.path());
  const std::vector<LogRecord> records = ReadAll(*source);
  ASSERT_EQ(records.size(), size_t{2 * kEach});
  std::set<std::string> payloads;
  for (const LogRecord& record : records) payloads.insert(record.payload);
  for (int i = 0; i < kEach; ++i) {
    EXPECT_TRUE(payloads.count("child-" + std::to_string(i))) << i;
    EXPECT_TRUE(payloads.count("parent-" + std::to_string(i))) << i;
  }
}

TEST(EventLogFileTest, TwoAppendersInterleaveAcrossRotations) {
  TempDir dir;
  auto a = MustOpenAppender(dir.path(), 256);
  auto b = MustOpenAppender(dir.path(), 256);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(a->Append("a" + std::to_string(i)).ok());
    ASSERT_TRUE(b->Append("b" + std::to_string(i)).ok());
  }
  auto source = MustOpenSource(dir.path());
  const std::vector<LogRecord> records = ReadAll(*source, 0, 7);
  ASSERT_EQ(records.size(), 200u);
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].payload, (i % 2 ? "b" : "a") + std::to_string(i / 2));
  }
}

TEST(EventLogFileTest, ReaderFollowsConcurrentWritersAcrossRotations) {
  TempDir dir;
  constexpr int kEach = 400;
  auto first = MustOpenAppender(dir.path(), 512);
  auto second = MustOpenAppender(dir.path(), 512);
  std::thread a([&] { AppendN(*first, kEach, "a"); });
  std::thread b([&] { AppendN(*second, kEach, "b"); });
  auto source = MustOpenSource(dir.path());
  std::set<std::string> seen;
  uint64_t position = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (seen.size() < 2 * kEach && std::chrono::steady_clock::now() < deadline) {
    absl::StatusOr<std::vector<LogRecord>> records = source->Read(position, 10);
    ASSERT_TRUE(records.ok()) << records.status();
    for (const LogRecord& record : *records) {
      EXPECT_EQ(record.position, position);
      EXPECT_TRUE(seen.insert(record.payload).second) << record.payload;
      position = record.next_position;
    }
  }
  a.join();
  b.join();
  EXPECT_EQ(seen.size(), size_t{2 * kEach});
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
  // A new appender refuses to write after damage rather than truncating acknowledged records.
  auto second = MustOpenAppender(dir.path());
  EXPECT_TRUE(absl::IsDataLoss(second->Append("x").status()));
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

TEST(EventLogFileTest, DiscardBeforeRemovesOnlyConsumedSegments) {
  TempDir dir;
  auto appender = MustOpenAppender(dir.path(), 4096);
  const std::vector<uint64_t> positions = AppendN(*appender, 500, std::string(50, 'd'));
  auto source = MustOpenSource(dir.path());
  const std::vector<uint64_t> before = *segment::ListSegments(dir.path());
  ASSERT_GT(before.size(), 4u);

  // Position inside segment 3: segments 0..2 end at or before it; segment 3 stays.
  ASSERT_OK(source->DiscardBefore(before[3] + 1));
  const std::vector<uint64_t> after = *segment::ListSegments(dir.path());
  ASSERT_EQ(after.size(), before.size() - 3);
  EXPECT_EQ(after.front(), before[3]);

  const std::vector<LogRecord> rest = ReadAll(*source, before[3]);
  ASSERT_FALSE(rest.empty());
  EXPECT_EQ(rest.back().payload, std::string(50, 'd') + "499");
  EXPECT_TRUE(absl::IsOutOfRange(source->Read(positions[0], 10).status()));

  ASSERT_OK(source->DiscardBefore(UINT64_MAX));
  EXPECT_EQ(segment::ListSegments(dir.path())->size(), 1u);
  EXPECT_EQ(*source->EndPosition(), rest.back().next_position);
  ASSERT_TRUE(appender->Append("still-appending").ok());
  EXPECT_EQ(ReadAll(*source, rest.back().next_position).size(), 1u);
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

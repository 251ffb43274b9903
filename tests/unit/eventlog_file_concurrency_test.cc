// The file event log with several writers: threads, processes and two appenders across rotations,
// and a reader that follows them.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "eventlog/event_log.h"
#include "eventlog/file_event_log.h"
#include "tests/test_util.h"
#include "tests/unit/eventlog_file_fixture.h"

namespace webhooks {
namespace {

using ::webhooks::testing::TempDir;

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

// AppendAll between single appends from other threads: each list's records stay together, in
// order; group commit merges the callers but never interleaves a list.
TEST(EventLogFileTest, ConcurrentAppendAllKeepsEachListTogether) {
  TempDir dir;
  auto appender = MustOpenAppender(dir.path());
  constexpr int kThreads = 6;
  constexpr int kLists = 40;
  constexpr int kPerList = 7;
  std::mutex mu;
  std::map<std::string, uint64_t> told;  // GUARDED_BY(mu)
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int l = 0; l < kLists; ++l) {
        if (t % 2 == 0) {  // single appends in between, each at the position it was told
          const std::string payload = "single-" + std::to_string(t) + "-" + std::to_string(l);
          absl::StatusOr<uint64_t> at = appender->Append(payload);
          ASSERT_TRUE(at.ok()) << at.status();
          std::lock_guard<std::mutex> lock(mu);
          told[payload] = *at;
          continue;
        }
        std::vector<std::string> list;
        for (int i = 0; i < kPerList; ++i) {
          list.push_back("list-" + std::to_string(t) + "-" + std::to_string(l) + "-" +
                         std::to_string(i));
        }
        ASSERT_TRUE(appender->AppendAll(list).ok());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  auto source = MustOpenSource(dir.path());
  const std::vector<LogRecord> records = ReadAll(*source);
  ASSERT_EQ(records.size(), size_t{(kThreads / 2) * kLists * (1 + kPerList)});
  for (size_t r = 0; r < records.size(); ++r) {
    const std::string& p = records[r].payload;
    if (told.count(p)) {
      EXPECT_EQ(told[p], records[r].position) << p;
    }
    if (p.rfind("list-", 0) != 0 || !p.ends_with("-0")) continue;
    const std::string prefix = p.substr(0, p.size() - 1);  // "list-T-L-"
    ASSERT_LE(r + kPerList, records.size());
    for (int i = 0; i < kPerList; ++i) {
      EXPECT_EQ(records[r + i].payload, prefix + std::to_string(i));
    }
  }
}

// One AppendAll beyond a leader's usual limits is written whole, in order.
TEST(EventLogFileTest, AnAppendAllLargerThanABatchIsWrittenWhole) {
  TempDir dir;
  auto appender = MustOpenAppender(dir.path());
  std::vector<std::string> list;
  for (int i = 0; i < 2500; ++i) list.push_back("big-" + std::to_string(i));
  std::thread other([&] { EXPECT_TRUE(appender->Append("other").ok()); });
  ASSERT_TRUE(appender->AppendAll(list).ok());
  other.join();
  auto source = MustOpenSource(dir.path());
  std::vector<std::string> got;
  for (const LogRecord& r : ReadAll(*source)) {
    if (r.payload != "other") got.push_back(r.payload);
  }
  EXPECT_EQ(got, list);
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

}  // namespace
}  // namespace webhooks

// Shared by the file event log tests (eventlog_file_*_test.cc): opening appenders and sources,
// appending numbered records and reading every record back.
#ifndef WEBHOOKS_TESTS_UNIT_EVENTLOG_FILE_FIXTURE_H_
#define WEBHOOKS_TESTS_UNIT_EVENTLOG_FILE_FIXTURE_H_

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "eventlog/event_log.h"
#include "eventlog/file_event_log.h"

namespace webhooks {

inline std::unique_ptr<EventAppender> MustOpenAppender(const std::string& dir,
                                                       uint64_t segment_bytes) {
  EventLogOptions options;
  options.segment_bytes = segment_bytes;
  absl::StatusOr<std::unique_ptr<EventAppender>> appender = OpenFileEventAppender(dir, options);
  EXPECT_TRUE(appender.ok()) << appender.status();
  return appender.ok() ? *std::move(appender) : nullptr;
}

inline std::unique_ptr<EventAppender> MustOpenAppender(const std::string& dir) {
  return MustOpenAppender(dir, EventLogOptions{}.segment_bytes);
}

inline std::unique_ptr<EventSource> MustOpenSource(const std::string& dir) {
  absl::StatusOr<std::unique_ptr<EventSource>> source = OpenFileEventSource(dir);
  EXPECT_TRUE(source.ok()) << source.status();
  return source.ok() ? *std::move(source) : nullptr;
}

// Every record from `from` to the end, `batch` at a time; checks next_position chaining.
inline std::vector<LogRecord> ReadAll(EventSource& source, uint64_t from = 0, size_t batch = 1000) {
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

// Appends `prefix` + 0 .. `prefix` + (n - 1) and returns their positions.
inline std::vector<uint64_t> AppendN(EventAppender& appender, int n, const std::string& prefix) {
  std::vector<uint64_t> positions;
  for (int i = 0; i < n; ++i) {
    absl::StatusOr<uint64_t> position = appender.Append(prefix + std::to_string(i));
    EXPECT_TRUE(position.ok()) << position.status();
    if (position.ok()) positions.push_back(*position);
  }
  return positions;
}

}  // namespace webhooks

#endif  // WEBHOOKS_TESTS_UNIT_EVENTLOG_FILE_FIXTURE_H_

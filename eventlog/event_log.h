// The append-only event log: producers append events; the notifier reads them in order from a
// position it keeps. Two small interfaces so that the file log (file_event_log.h), the in-memory
// fake (memory_event_log.h) and, past one machine, a broker-backed log are interchangeable.
//
// A position is an opaque, increasing uint64: the place of a record in the log. Position 0 is
// the start of the log.
#ifndef WEBHOOKS_EVENTLOG_EVENT_LOG_H_
#define WEBHOOKS_EVENTLOG_EVENT_LOG_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/time_format.h"

namespace webhooks {

inline constexpr size_t kMaxEventRecordBytes = size_t{1} << 20;

// OK for what every EventAppender appends: 1..kMaxEventRecordBytes bytes; else InvalidArgument.
inline absl::Status CheckEventRecord(std::string_view payload) {
  if (!payload.empty() && payload.size() <= kMaxEventRecordBytes) return absl::OkStatus();
  return absl::InvalidArgumentError("event record must be 1 to " +
                                    std::to_string(kMaxEventRecordBytes) + " bytes");
}

struct LogRecord {
  uint64_t position = 0;       // where this record starts
  uint64_t next_position = 0;  // where the following record starts
  std::string payload;
};

class EventAppender {
 public:
  virtual ~EventAppender() = default;
  // Appends `payload` (1..kMaxEventRecordBytes bytes) and returns its position once it is
  // durable (fsync'd). Thread-safe; concurrent appends share one fsync (group commit). Several
  // processes may append to the same log. InvalidArgument for an empty or oversized payload.
  virtual absl::StatusOr<uint64_t> Append(std::string_view payload) = 0;
  // Appends every payload (each as Append takes it), in order and next to each other, and
  // returns once all are durable: one write and one fsync for all of them, shared with
  // concurrent appends. Not atomic: after an error or a crash the log may hold the first few.
  // InvalidArgument, with nothing appended, for an empty list or a payload Append refuses.
  virtual absl::Status AppendAll(const std::vector<std::string>& payloads) = 0;
  // OK unless this appender refuses every append until the process restarts (after a failed
  // fsync: whether earlier data reached the disk is unknown); then the error appends return.
  // Thread-safe and cheap (for a health check).
  virtual absl::Status Health() const { return absl::OkStatus(); }
};

class EventSource {
 public:
  virtual ~EventSource() = default;
  // Up to `max_records` records starting at `position` (a position previously returned as a
  // record's position or next_position, or 0), in order. An empty result means no more data yet.
  // A partially written last record (a writer mid-append, or torn by a crash) is end-of-data.
  // Damage before the end is DataLoss naming where it is; it is never skipped silently.
  virtual absl::StatusOr<std::vector<LogRecord>> Read(uint64_t position, size_t max_records) = 0;
  // The position after the last complete record (for lag statistics).
  virtual absl::StatusOr<uint64_t> EndPosition() = 0;
  // Lets the log discard storage holding only records before `position` (already consumed)
  // and last written before `modified_before` (a retention period). The file log removes whole
  // segments, oldest first, never the newest.
  virtual absl::Status DiscardBefore(uint64_t position, TimePoint modified_before) = 0;
};

}  // namespace webhooks

#endif  // WEBHOOKS_EVENTLOG_EVENT_LOG_H_

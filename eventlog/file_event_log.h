// The file-backed event log: a directory of segment files.
//
//   DIR/<20-digit base position>.log   records [u32 length LE][u32 CRC-32 (zlib) of payload LE]
//                                      [payload]; a record's position is base + its offset
//   DIR/LOCK                           flock(2)ed by every appender around write + fsync
//
// A segment is closed once it reaches EventLogOptions::segment_bytes; the next one starts at
// the position after its last record. An appender that finds a torn tail (a crashed writer's
// partial record) truncates it before appending, so torn bytes never end up mid-log.
#ifndef WEBHOOKS_EVENTLOG_FILE_EVENT_LOG_H_
#define WEBHOOKS_EVENTLOG_FILE_EVENT_LOG_H_

#include <memory>
#include <string>

#include "eventlog/event_log.h"

namespace webhooks {

struct EventLogOptions {
  uint64_t segment_bytes = uint64_t{64} << 20;
};

// Opens (creating the directory if needed) a log for appending.
absl::StatusOr<std::unique_ptr<EventAppender>> OpenFileEventAppender(
    const std::string& dir, const EventLogOptions& options = {});

// What an appender of the log in `dir` does before its next append, without appending:
// truncates a torn tail, and starts the next segment after a full or damaged newest one (so
// that readers can be moved past the damage; eventlog/log_check.h).
absl::Status PrepareFileEventLog(const std::string& dir, const EventLogOptions& options = {});

// Opens a log for reading (creating the directory if needed).
absl::StatusOr<std::unique_ptr<EventSource>> OpenFileEventSource(const std::string& dir);

}  // namespace webhooks

#endif  // WEBHOOKS_EVENTLOG_FILE_EVENT_LOG_H_

// Finding damage in the file event log (file_event_log.h) and where readable records resume
// after it, for operators (webhookctl eventlog check / skip-damage). A reader reports damage as
// DataLoss and stops there; nothing here changes a segment.
#ifndef WEBHOOKS_EVENTLOG_LOG_CHECK_H_
#define WEBHOOKS_EVENTLOG_LOG_CHECK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace webhooks {

// One damaged stretch: the bytes from position `start` cannot be read as records, and records
// read intact again from `resume` (segment::FindResume: the first later record that passes its
// CRC and is followed by the end, another intact record or an incomplete one), or else from the
// segment's end (the next segment's base). An incomplete record ending the newest segment is
// damage only when an intact record follows it.
struct LogDamage {
  uint64_t start = 0;
  uint64_t resume = 0;
  std::string problem;
};

struct LogCheck {
  uint64_t first = 0;     // the oldest retained position (the oldest segment's base)
  uint64_t end = 0;       // after the last readable record
  uint64_t records = 0;   // records read intact (CRC checked)
  uint64_t segments = 0;  // segment files
  std::vector<LogDamage> damage;
};

// Reads every record of the log in `dir`, checking each CRC, and lists the damage in position
// order. A torn tail of the newest segment (a writer's unfinished append) is not damage. Reads
// a snapshot of each segment's size: appends made meanwhile may be left out.
absl::StatusOr<LogCheck> CheckFileEventLog(const std::string& dir);

// The damage at `position` (where a reader reported DataLoss): FailedPrecondition when a record,
// the end of the log or a torn tail of the newest segment lies there instead; OutOfRange when
// no segment holds it.
absl::StatusOr<LogDamage> FileEventLogDamageAt(const std::string& dir, uint64_t position);

}  // namespace webhooks

#endif  // WEBHOOKS_EVENTLOG_LOG_CHECK_H_

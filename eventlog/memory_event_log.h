// An in-memory EventAppender + EventSource for unit tests of the layers above. Positions are
// record indexes. Not durable.
#ifndef WEBHOOKS_EVENTLOG_MEMORY_EVENT_LOG_H_
#define WEBHOOKS_EVENTLOG_MEMORY_EVENT_LOG_H_

#include <mutex>
#include <string>
#include <vector>

#include "eventlog/event_log.h"

namespace webhooks {

class MemoryEventLog final : public EventAppender, public EventSource {
 public:
  absl::StatusOr<uint64_t> Append(std::string_view payload) override;
  absl::Status AppendAll(const std::vector<std::string>& payloads) override;
  absl::StatusOr<std::vector<LogRecord>> Read(uint64_t position, size_t max_records) override;
  absl::StatusOr<uint64_t> EndPosition() override;
  absl::Status DiscardBefore(uint64_t position, TimePoint modified_before) override;

 private:
  std::mutex mu_;
  std::vector<std::string> records_;
};

}  // namespace webhooks

#endif  // WEBHOOKS_EVENTLOG_MEMORY_EVENT_LOG_H_

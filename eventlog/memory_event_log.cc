#include "eventlog/memory_event_log.h"

namespace webhooks {

absl::StatusOr<uint64_t> MemoryEventLog::Append(std::string_view payload) {
  if (absl::Status st = CheckEventRecord(payload); !st.ok()) return st;
  std::lock_guard<std::mutex> lock(mu_);
  records_.emplace_back(payload);
  return records_.size() - 1;
}

absl::Status MemoryEventLog::AppendAll(const std::vector<std::string>& payloads) {
  if (payloads.empty()) return absl::InvalidArgumentError("no event records");
  for (const std::string& p : payloads) {
    if (absl::Status st = CheckEventRecord(p); !st.ok()) return st;
  }
  std::lock_guard<std::mutex> lock(mu_);
  records_.insert(records_.end(), payloads.begin(), payloads.end());
  return absl::OkStatus();
}

absl::StatusOr<std::vector<LogRecord>> MemoryEventLog::Read(uint64_t position, size_t max_records) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<LogRecord> out;
  for (uint64_t i = position; i < records_.size() && out.size() < max_records; ++i) {
    out.push_back(LogRecord{i, i + 1, records_[i]});
  }
  return out;
}

absl::StatusOr<uint64_t> MemoryEventLog::EndPosition() {
  std::lock_guard<std::mutex> lock(mu_);
  return records_.size();
}

absl::Status MemoryEventLog::DiscardBefore(uint64_t, TimePoint) { return absl::OkStatus(); }

}  // namespace webhooks

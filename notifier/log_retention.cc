#include "notifier/log_retention.h"

namespace webhooks {

absl::Status LogRetention::MaybeDiscard() {
  const TimePoint now = clock_();
  if (now < next_run_) return absl::OkStatus();
  next_run_ = now + every_;
  absl::StatusOr<uint64_t> cursor = deliveries_.Cursor();
  if (!cursor.ok()) return cursor.status();
  return log_.DiscardBefore(*cursor, now - keep_);
}

}  // namespace webhooks

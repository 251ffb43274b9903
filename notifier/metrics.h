// What the notifier did since it started, as Prometheus metrics: `webhook-notifier
// --metrics-file PATH` keeps PATH up to date in the text exposition format, for node_exporter's
// textfile collector (or anything else that reads such a file).
#ifndef WEBHOOKS_NOTIFIER_METRICS_H_
#define WEBHOOKS_NOTIFIER_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "notifier/notifier.h"
#include "store/delivery_store.h"

namespace webhooks {

// A Prometheus histogram of durations in seconds over the upper bounds `bounds` (+Inf aside),
// observed in milliseconds. Thread-safe.
template <size_t N>
class SecondsHistogram {
 public:
  explicit constexpr SecondsHistogram(const std::array<double, N>& bounds) : bounds_(bounds) {}
  void Observe(int64_t ms);
  // Appends the _bucket (cumulative), _sum and _count samples of `name` (with # HELP, # TYPE).
  void Render(std::string& out, std::string_view name, std::string_view help) const;

 private:
  const std::array<double, N>& bounds_;
  std::array<std::atomic<uint64_t>, N + 1> buckets_{};  // not cumulative
  std::atomic<uint64_t> sum_ms_{0};
};

class NotifierMetrics {
 public:
  // Upper bounds (seconds) of the attempt duration histogram's buckets, +Inf aside.
  static constexpr std::array<double, 12> kDurationBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                              0.5,   1,    2.5,   5,    10,  30};
  // ... and of the start delay histogram's: from 10 ms to 6 h late.
  static constexpr std::array<double, 12> kStartDelayBuckets = {0.01, 0.05, 0.1, 0.5, 1,    5,
                                                                30,   60,   300, 900, 3600, 21600};

  // Counts outcomes once they are committed: attempts by channel and result with their
  // durations and start delays, deliveries that reached a final state (succeeded, failed,
  // cancelled), and the channels they disabled (AttemptOutcome::disabled: a 410 Gone, or
  // failing too long).
  // Thread-safe.
  void Count(const std::vector<AttemptOutcome>& outcomes);
  // Counts records that delivery history retention removed (HistoryRetention). Thread-safe.
  void CountRemoved(const HistoryRemoved& removed);

  // Every counter, and when `queue` is given the queue gauges (lag, pending, in flight, endpoints
  // not answering), in the Prometheus text format 0.0.4, each metric with # HELP and # TYPE.
  std::string Render(const std::optional<Notifier::Stats>& queue) const;

 private:
  static constexpr size_t kChannels = 4;  // webhook, slack, email, sms (ChannelIndex)
  std::array<std::array<std::atomic<uint64_t>, 2>, kChannels> attempts_{};  // [ch][failed?]
  std::array<std::atomic<uint64_t>, 3> final_{};  // succeeded, failed, cancelled
  SecondsHistogram<kDurationBuckets.size()> durations_{kDurationBuckets};
  SecondsHistogram<kStartDelayBuckets.size()> start_delays_{kStartDelayBuckets};
  // deliveries, attempts, seen event ids, webhook states (kRemovedKinds)
  std::array<std::atomic<uint64_t>, 4> removed_{};
  std::array<std::atomic<uint64_t>, 2> disabled_{};  // gone, failing (kDisableCauses)
  std::atomic<uint64_t> notices_{0};                 // AttemptOutcome::Disabled::notices
};

// Replaces `path` with `text` through a temporary file in the same directory and rename(2):
// a reader sees the old or the new content, never a part. The file is readable by everyone
// (0644) whatever the umask: metrics hold counts, no secrets, and the collector runs as
// another user.
absl::Status WriteFileAtomically(const std::string& path, const std::string& text);

// The --metrics-file of a notifier process. Not thread-safe: one writer at a time.
class MetricsFile {
 public:
  // "": disabled (Write does nothing).
  explicit MetricsFile(std::string path = "") : path_(std::move(path)) {}
  bool enabled() const { return !path_.empty(); }
  // Replaces the file with metrics.Render(queue). Logs the first failure of a run of failures
  // to stderr, and the first success after one; the caller's next period simply tries again.
  void Write(const NotifierMetrics& metrics, const std::optional<Notifier::Stats>& queue);

 private:
  std::string path_;
  bool failing_ = false;
};

}  // namespace webhooks

#endif  // WEBHOOKS_NOTIFIER_METRICS_H_

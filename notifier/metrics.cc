#include "notifier/metrics.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <string_view>
#include <tuple>

#include "absl/strings/str_cat.h"

namespace webhooks {
namespace {

constexpr std::array<std::string_view, 4> kChannelNames = {"webhook", "slack", "email", "sms"};
constexpr std::array<std::string_view, 3> kFinalStates = {"succeeded", "failed", "cancelled"};
constexpr std::array<std::string_view, 4> kRemovedKinds = {"delivery", "attempt", "seen_event_id",
                                                           "webhook_state"};
constexpr std::array<std::string_view, 2> kDisableCauses = {"gone", "failing"};

// Debian's absl::StrAppend takes no std::string_view (its absl::string_view is its own type).
void Append(std::string& out, std::initializer_list<std::string_view> pieces) {
  for (std::string_view p : pieces) out.append(p);
}

// Appends "# HELP" and "# TYPE" lines.
void Describe(std::string& out, std::string_view name, std::string_view type,
              std::string_view help) {
  Append(out, {"# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n"});
}

// A number of seconds with `format` ("%g" for bucket bounds: "0.005", "1", "30").
std::string Seconds(double seconds, const char* format = "%g") {
  char buf[48];
  std::snprintf(buf, sizeof buf, format, seconds);
  return buf;
}

void RenderQueue(std::string& out, const Notifier::Stats& s) {
  const uint64_t lag = s.log_end > s.cursor ? s.log_end - s.cursor : 0;
  const std::array<std::tuple<std::string_view, std::string_view, uint64_t>, 8> gauges = {{
      {"webhook_notifier_event_log_end_bytes", "Position of the end of the event log.", s.log_end},
      {"webhook_notifier_cursor_bytes", "Position in the event log up to which events are queued.",
       s.cursor},
      {"webhook_notifier_lag_bytes", "Bytes of event log not yet queued for delivery.", lag},
      {"webhook_notifier_pending_deliveries",
       "Deliveries in the durable queue (due now or waiting for a retry).", s.pending},
      {"webhook_notifier_in_flight_attempts", "Attempts sent and not yet answered.", s.in_flight},
      {"webhook_notifier_endpoints_not_answering",
       "Endpoints held to one attempt at a time after consecutive unanswered attempts.",
       s.not_answering},
      {"webhook_notifier_endpoints_rate_limited",
       "Rate-limited webhook channels with deliveries held back by their rate_limit now.", s.paced},
      {"webhook_notifier_event_log_damaged",
       "1 while the notifier is stopped at damage in the event log (webhookctl eventlog check, "
       "eventlog skip-damage).",
       s.stopped_at_damage ? 1u : 0u},
  }};
  for (const auto& [name, help, value] : gauges) {
    Describe(out, name, "gauge", help);
    Append(out, {name, " ", std::to_string(value), "\n"});
  }
}

}  // namespace

template <size_t N>
void SecondsHistogram<N>::Observe(int64_t ms) {
  const double seconds = static_cast<double>(ms) / 1000;
  const size_t bucket = std::lower_bound(bounds_.begin(), bounds_.end(), seconds) - bounds_.begin();
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_ms_.fetch_add(static_cast<uint64_t>(std::max<int64_t>(0, ms)), std::memory_order_relaxed);
}

template <size_t N>
void SecondsHistogram<N>::Render(std::string& out, std::string_view name,
                                 std::string_view help) const {
  Describe(out, name, "histogram", help);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    const std::string le = i < N ? Seconds(bounds_[i]) : "+Inf";
    Append(out, {name, "_bucket{le=\"", le, "\"} ", std::to_string(cumulative), "\n"});
  }
  const double sum = static_cast<double>(sum_ms_.load(std::memory_order_relaxed)) / 1000;
  Append(out, {name, "_sum ", Seconds(sum, "%.3f"), "\n", name, "_count ",
               std::to_string(cumulative), "\n"});
}

// The two histograms' sizes; each size used needs its instantiation here.
static_assert(NotifierMetrics::kDurationBuckets.size() == 12 &&
              NotifierMetrics::kStartDelayBuckets.size() == 12);
template class SecondsHistogram<12>;

void NotifierMetrics::Count(const std::vector<AttemptOutcome>& outcomes) {
  for (const AttemptOutcome& o : outcomes) {
    switch (o.delivery.state) {
      case DeliveryState::kSucceeded:
        final_[0].fetch_add(1, std::memory_order_relaxed);
        break;
      case DeliveryState::kFailed:
        final_[1].fetch_add(1, std::memory_order_relaxed);
        break;
      case DeliveryState::kCancelled:
        final_[2].fetch_add(1, std::memory_order_relaxed);
        break;
      case DeliveryState::kPending:
        break;
    }
    if (o.disabled) {
      disabled_[o.disabled->failing].fetch_add(1, std::memory_order_relaxed);
      notices_.fetch_add(o.disabled->notices, std::memory_order_relaxed);
    }
    if (o.attempt.attempt == 0) continue;  // cancelled without an attempt
    const auto channel = std::find(kChannelNames.begin(), kChannelNames.end(), o.attempt.channel);
    if (channel == kChannelNames.end()) continue;
    const bool failed = o.attempt.status != "succeeded";
    attempts_[channel - kChannelNames.begin()][failed].fetch_add(1, std::memory_order_relaxed);
    durations_.Observe(o.attempt.duration_ms);
    start_delays_.Observe(o.start_delay_ms);
  }
}

void NotifierMetrics::CountRemoved(const HistoryRemoved& removed) {
  const std::array<uint64_t, 4> counts = {removed.deliveries, removed.attempts, removed.seen_events,
                                          removed.webhook_states};
  for (size_t i = 0; i < counts.size(); ++i) {
    removed_[i].fetch_add(counts[i], std::memory_order_relaxed);
  }
}

std::string NotifierMetrics::Render(const std::optional<Notifier::Stats>& queue) const {
  std::string out;
  Describe(out, "webhook_notifier_attempts_total", "counter",
           "Delivery attempts whose outcome was recorded, by channel and result.");
  for (size_t ch = 0; ch < kChannels; ++ch) {
    for (int failed : {0, 1}) {
      Append(out, {"webhook_notifier_attempts_total{channel=\"", kChannelNames[ch], "\",status=\"",
                   failed ? "failed" : "succeeded", "\"} ",
                   std::to_string(attempts_[ch][failed].load(std::memory_order_relaxed)), "\n"});
    }
  }
  Describe(out, "webhook_notifier_deliveries_total", "counter",
           "Deliveries that reached a final state (failed: not retried any more).");
  for (size_t i = 0; i < kFinalStates.size(); ++i) {
    Append(out, {"webhook_notifier_deliveries_total{state=\"", kFinalStates[i], "\"} ",
                 std::to_string(final_[i].load(std::memory_order_relaxed)), "\n"});
  }
  durations_.Render(out, "webhook_notifier_attempt_duration_seconds",
                    "Time from sending an attempt to its answer or error.");
  start_delays_.Render(out, "webhook_notifier_attempt_start_delay_seconds",
                       "Time from when an attempt was due to when it was sent.");
  Describe(out, "webhook_notifier_history_removed_total", "counter",
           "Records removed by delivery history retention (--delivery-retention), by kind.");
  for (size_t i = 0; i < kRemovedKinds.size(); ++i) {
    Append(out, {"webhook_notifier_history_removed_total{kind=\"", kRemovedKinds[i], "\"} ",
                 std::to_string(removed_[i].load(std::memory_order_relaxed)), "\n"});
  }
  Describe(out, "webhook_notifier_channels_disabled_total", "counter",
           "Channels disabled, by cause: gone (410 Gone) or failing (every attempt failed for "
           "--disable-after).");
  for (size_t i = 0; i < kDisableCauses.size(); ++i) {
    Append(out, {"webhook_notifier_channels_disabled_total{cause=\"", kDisableCauses[i], "\"} ",
                 std::to_string(disabled_[i].load(std::memory_order_relaxed)), "\n"});
  }
  Describe(out, "webhook_notifier_disable_notices_total", "counter",
           "Notices of a disabled channel queued to the webhook's e-mail, Slack and SMS channels.");
  Append(out, {"webhook_notifier_disable_notices_total ",
               std::to_string(notices_.load(std::memory_order_relaxed)), "\n"});
  if (queue) RenderQueue(out, *queue);
  return out;
}

absl::Status WriteFileAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return absl::InternalError(absl::StrCat("open ", tmp, ": ", strerror(errno)));
  size_t done = 0;
  int err = fchmod(fd, 0644) == 0 ? 0 : errno;  // whatever the umask (the unit's is 0077)
  while (err == 0 && done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) err = n < 0 ? errno : EIO;
    if (n > 0) done += static_cast<size_t>(n);
  }
  if (close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && std::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    unlink(tmp.c_str());
    return absl::InternalError(absl::StrCat("write ", path, ": ", strerror(err)));
  }
  return absl::OkStatus();
}

void MetricsFile::Write(const NotifierMetrics& metrics,
                        const std::optional<Notifier::Stats>& queue) {
  if (!enabled()) return;
  absl::Status st = WriteFileAtomically(path_, metrics.Render(queue));
  if (!st.ok() && !failing_) {
    std::string error(st.message());
    std::replace(error.begin(), error.end(), '"', '\'');  // stays one log field
    std::fprintf(stderr, "level=error msg=\"cannot write metrics file\" error=\"%s\"\n",
                 error.c_str());
  } else if (st.ok() && failing_) {
    std::fprintf(stderr, "level=info msg=\"metrics file written again\"\n");
  }
  failing_ = !st.ok();
}

}  // namespace webhooks

// The notifier's Prometheus metrics (notifier/metrics.h): what Count counts, the text format
// Render writes, and the atomic file replacement behind --metrics-file.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "notifier/metrics.h"
#include "tests/test_util.h"

namespace webhooks {
namespace {

using ::webhooks::testing::TempDir;

AttemptOutcome Outcome(const std::string& channel, const std::string& status, int64_t ms,
                       DeliveryState next) {
  AttemptOutcome o;
  o.attempt.attempt = 1;
  o.attempt.channel = channel;
  o.attempt.status = status;
  o.attempt.duration_ms = ms;
  o.delivery.state = next;
  return o;
}

// Sample lines ("name{labels} value") by their name and labels; fails on any line that is
// neither a sample nor a # HELP / # TYPE line, or a sample whose family was not described.
std::map<std::string, std::string> Samples(const std::string& text) {
  static const std::regex kSample(R"(^([a-z_]+)(\{[a-z]+="[^"]*"(,[a-z]+="[^"]*")*\})? (\S+)$)");
  static const std::regex kMeta(R"(^# (HELP|TYPE) ([a-z_]+) .+$)");
  std::map<std::string, std::string> out;
  std::set<std::string> typed;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, kMeta)) {
      if (m[1] == "TYPE") typed.insert(m[2]);
      continue;
    }
    EXPECT_TRUE(std::regex_match(line, m, kSample)) << line;
    std::string family = m[1];
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (!typed.count(family) && family.ends_with(suffix)) {
        family.resize(family.size() - std::string(suffix).size());
      }
    }
    EXPECT_TRUE(typed.count(family)) << "no # TYPE before " << line;
    out[std::string(m[1]) + std::string(m[2])] = m[4];
  }
  return out;
}

TEST(NotifierMetricsTest, CountsAttemptsFinalStatesAndDurations) {
  NotifierMetrics metrics;
  metrics.Count({Outcome("webhook", "succeeded", 3, DeliveryState::kSucceeded),
                 Outcome("webhook", "failed", 2000, DeliveryState::kPending),  // a retry is due
                 Outcome("slack", "failed", 100, DeliveryState::kFailed)});
  AttemptOutcome cancelled;  // no attempt: the webhook was paused
  cancelled.delivery.state = DeliveryState::kCancelled;
  metrics.Count({cancelled, Outcome("sms", "succeeded", 20, DeliveryState::kSucceeded)});

  std::map<std::string, std::string> s = Samples(metrics.Render(std::nullopt));
  const std::string kAttempts = "webhook_notifier_attempts_total";
  EXPECT_EQ(s[kAttempts + R"({channel="webhook",status="succeeded"})"], "1");
  EXPECT_EQ(s[kAttempts + R"({channel="webhook",status="failed"})"], "1");
  EXPECT_EQ(s[kAttempts + R"({channel="slack",status="failed"})"], "1");
  EXPECT_EQ(s[kAttempts + R"({channel="slack",status="succeeded"})"], "0");
  EXPECT_EQ(s[kAttempts + R"({channel="email",status="succeeded"})"], "0");
  EXPECT_EQ(s[kAttempts + R"({channel="sms",status="succeeded"})"], "1");
  EXPECT_EQ(s[R"(webhook_notifier_deliveries_total{state="succeeded"})"], "2");
  EXPECT_EQ(s[R"(webhook_notifier_deliveries_total{state="failed"})"], "1");
  EXPECT_EQ(s[R"(webhook_notifier_deliveries_total{state="cancelled"})"], "1");
  // Cumulative buckets: 3 ms, 20 ms, 100 ms, 2 s.
  const std::string kBucket = "webhook_notifier_attempt_duration_seconds_bucket";
  EXPECT_EQ(s[kBucket + R"({le="0.005"})"], "1");
  EXPECT_EQ(s[kBucket + R"({le="0.01"})"], "1");
  EXPECT_EQ(s[kBucket + R"({le="0.025"})"], "2");
  EXPECT_EQ(s[kBucket + R"({le="0.1"})"], "3");  // a bound is inclusive
  EXPECT_EQ(s[kBucket + R"({le="1"})"], "3");
  EXPECT_EQ(s[kBucket + R"({le="2.5"})"], "4");
  EXPECT_EQ(s[kBucket + R"({le="+Inf"})"], "4");
  EXPECT_EQ(s["webhook_notifier_attempt_duration_seconds_count"], "4");
  EXPECT_EQ(s["webhook_notifier_attempt_duration_seconds_sum"], "2.123");
  EXPECT_EQ(s.count("webhook_notifier_lag_bytes"), 0u);  // no queue gauges without stats
}

TEST(NotifierMetricsTest, CountsHowLateAttemptsStarted) {
  NotifierMetrics metrics;
  for (int64_t late_ms : {0, 40, 2000, 7200 * 1000}) {
    AttemptOutcome o = Outcome("webhook", "succeeded", 5, DeliveryState::kSucceeded);
    o.start_delay_ms = late_ms;
    metrics.Count({o});
  }
  AttemptOutcome cancelled = Outcome("webhook", "", 0, DeliveryState::kCancelled);
  cancelled.attempt.attempt = 0;  // no attempt: no start delay either
  metrics.Count({cancelled});
  std::map<std::string, std::string> s = Samples(metrics.Render(std::nullopt));
  const std::string kBucket = "webhook_notifier_attempt_start_delay_seconds_bucket";
  EXPECT_EQ(s[kBucket + R"({le="0.01"})"], "1");
  EXPECT_EQ(s[kBucket + R"({le="0.05"})"], "2");
  EXPECT_EQ(s[kBucket + R"({le="1"})"], "2");
  EXPECT_EQ(s[kBucket + R"({le="5"})"], "3");
  EXPECT_EQ(s[kBucket + R"({le="3600"})"], "3");
  EXPECT_EQ(s[kBucket + R"({le="21600"})"], "4");
  EXPECT_EQ(s[kBucket + R"({le="+Inf"})"], "4");
  EXPECT_EQ(s["webhook_notifier_attempt_start_delay_seconds_count"], "4");
  EXPECT_EQ(s["webhook_notifier_attempt_start_delay_seconds_sum"], "7202.040");
}

TEST(NotifierMetricsTest, CountsWhatHistoryRetentionRemoved) {
  NotifierMetrics metrics;
  const std::string kRemoved = "webhook_notifier_history_removed_total";
  EXPECT_EQ(Samples(metrics.Render(std::nullopt))[kRemoved + R"({kind="delivery"})"], "0");
  metrics.CountRemoved({5, 7, 1, 0});
  metrics.CountRemoved({1, 2, 0, 1});
  std::map<std::string, std::string> s = Samples(metrics.Render(std::nullopt));
  EXPECT_EQ(s[kRemoved + R"({kind="delivery"})"], "6");
  EXPECT_EQ(s[kRemoved + R"({kind="attempt"})"], "9");
  EXPECT_EQ(s[kRemoved + R"({kind="seen_event_id"})"], "1");
  EXPECT_EQ(s[kRemoved + R"({kind="webhook_state"})"], "1");
}

TEST(NotifierMetricsTest, CountsDisabledChannelsByCause) {
  NotifierMetrics metrics;
  const std::string kDisabled = "webhook_notifier_channels_disabled_total";
  EXPECT_EQ(Samples(metrics.Render(std::nullopt))[kDisabled + R"({cause="gone"})"], "0");
  AttemptOutcome gone = Outcome("webhook", "failed", 5, DeliveryState::kFailed);
  gone.disabled = AttemptOutcome::Disabled{0, "receiver answered 410 Gone", false, 3};
  AttemptOutcome failing = Outcome("slack", "failed", 5, DeliveryState::kFailed);
  failing.disabled = AttemptOutcome::Disabled{1, "every attempt failed since ...", true};
  AttemptOutcome repeated = Outcome("webhook", "failed", 5, DeliveryState::kFailed);
  repeated.disable_channel = std::make_pair(0u, std::string("receiver answered 410 Gone"));
  // `repeated` asked to disable a channel that was disabled already: not counted.
  metrics.Count({gone, failing, failing, repeated});
  std::map<std::string, std::string> s = Samples(metrics.Render(std::nullopt));
  EXPECT_EQ(s[kDisabled + R"({cause="gone"})"], "1");
  EXPECT_EQ(s[kDisabled + R"({cause="failing"})"], "2");
  EXPECT_EQ(s["webhook_notifier_disable_notices_total"], "3");
}

TEST(NotifierMetricsTest, QueueGaugesComeFromTheStats) {
  Notifier::Stats stats;
  stats.cursor = 1000;
  stats.log_end = 1500;
  stats.pending = 7;
  stats.in_flight = 3;
  stats.not_answering = 1;
  std::map<std::string, std::string> s = Samples(NotifierMetrics().Render(stats));
  EXPECT_EQ(s["webhook_notifier_event_log_end_bytes"], "1500");
  EXPECT_EQ(s["webhook_notifier_cursor_bytes"], "1000");
  EXPECT_EQ(s["webhook_notifier_lag_bytes"], "500");
  EXPECT_EQ(s["webhook_notifier_pending_deliveries"], "7");
  EXPECT_EQ(s["webhook_notifier_in_flight_attempts"], "3");
  EXPECT_EQ(s["webhook_notifier_endpoints_not_answering"], "1");
  EXPECT_EQ(s["webhook_notifier_attempt_duration_seconds_count"], "0");
}

TEST(NotifierMetricsTest, WriteFileAtomicallyReplacesTheWholeFile) {
  TempDir dir;
  const std::string path = dir.path() + "/notifier.prom";
  ASSERT_OK(WriteFileAtomically(path, std::string(10000, 'a')));
  ASSERT_OK(WriteFileAtomically(path, "short\n"));
  std::ifstream in(path);
  std::stringstream got;
  got << in.rdbuf();
  EXPECT_EQ(got.str(), "short\n");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  const mode_t old_mask = umask(0077);
  ASSERT_OK(WriteFileAtomically(path, "again\n"));
  umask(old_mask);
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);

  absl::Status missing = WriteFileAtomically(dir.path() + "/no/such/dir/x.prom", "x");
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("no/such/dir"), std::string_view::npos) << missing;
}

TEST(NotifierMetricsTest, MetricsFileLogsTheFirstFailureAndTheRecoveryOnly) {
  TempDir dir;
  const std::string sub = dir.path() + "/later";
  MetricsFile file(sub + "/notifier.prom");
  NotifierMetrics metrics;
  ::testing::internal::CaptureStderr();
  for (int i = 0; i < 3; ++i) file.Write(metrics, std::nullopt);
  std::filesystem::create_directory(sub);
  for (int i = 0; i < 2; ++i) file.Write(metrics, std::nullopt);
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(std::filesystem::exists(sub + "/notifier.prom"));
  const size_t error = log.find("cannot write metrics file");
  ASSERT_NE(error, std::string::npos) << log;
  EXPECT_EQ(log.find("cannot write metrics file", error + 1), std::string::npos) << log;
  EXPECT_NE(log.find("metrics file written again"), std::string::npos) << log;
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 2) << log;

  ::testing::internal::CaptureStderr();
  MetricsFile().Write(metrics, std::nullopt);  // disabled: nothing written, nothing logged
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

}  // namespace
}  // namespace webhooks

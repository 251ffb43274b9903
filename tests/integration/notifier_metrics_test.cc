// webhook-notifier --metrics-file: the Prometheus text file follows what the notifier does, and
// holds the final counts after a SIGTERM.
#include <signal.h>
#include <sys/wait.h>

#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/integration/sinks_harness.h"

namespace webhooks::testing {
namespace {

using std::chrono::seconds;

// The samples of a metrics file, "name{labels}" -> value.
std::map<std::string, std::string> ReadMetrics(const std::string& path) {
  static const std::regex kSample(R"(^([a-z_]+(\{[^}]*\})?) (\S+)$)");
  std::map<std::string, std::string> out;
  std::istringstream in(ReadFileFrom(path, 0));
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!line.empty() && line[0] != '#' && std::regex_match(line, m, kSample)) out[m[1]] = m[3];
  }
  return out;
}

class NotifierIntegrationMetrics : public NotifierTestBase {};

TEST_F(NotifierIntegrationMetrics, TheFileFollowsAttemptsAndTheQueue) {
  ASSERT_NO_FATAL_FAILURE(StartStack(R"({"/ok": ["200"], "/down": ["503"]})"));
  const std::string path = Dir() + "/notifier.prom";
  std::vector<std::string> args = NotifierArgs("0,200ms");  // two attempts, then failed
  args.insert(args.end(), {"--metrics-file", path, "--metrics-interval-ms", "50"});
  ASSERT_NO_FATAL_FAILURE(StartNotifier(args));
  ASSERT_FALSE(CreateHttpWebhook("m", {"/ok", "/down"}).empty());

  // Nothing sent yet: the counters exist at zero, and the queue is empty.
  std::map<std::string, std::string> m;
  // (The first file may come before the notifier instance runs, without the queue gauges.)
  ASSERT_TRUE(WaitUntil(
      [&] { return (m = ReadMetrics(path)).count("webhook_notifier_pending_deliveries") > 0; },
      seconds(5)));
  EXPECT_EQ(m[R"(webhook_notifier_attempts_total{channel="webhook",status="succeeded"})"], "0");
  EXPECT_EQ(m["webhook_notifier_pending_deliveries"], "0");
  EXPECT_EQ(m["webhook_notifier_lag_bytes"], "0");

  for (int i = 0; i < 3; ++i) Emit("object.created");
  const std::string kFailedDeliveries = R"(webhook_notifier_deliveries_total{state="failed"})";
  ASSERT_TRUE(WaitUntil(
      [&] {
        m = ReadMetrics(path);
        return m[kFailedDeliveries] == "3" && m["webhook_notifier_pending_deliveries"] == "0";
      },
      seconds(15)))
      << ReadFileFrom(path, 0);
  EXPECT_EQ(m[R"(webhook_notifier_attempts_total{channel="webhook",status="succeeded"})"], "3");
  EXPECT_EQ(m[R"(webhook_notifier_attempts_total{channel="webhook",status="failed"})"], "6");
  EXPECT_EQ(m[R"(webhook_notifier_deliveries_total{state="succeeded"})"], "3");
  EXPECT_EQ(m["webhook_notifier_attempt_duration_seconds_count"], "9");
  EXPECT_EQ(m[R"(webhook_notifier_attempt_duration_seconds_bucket{le="+Inf"})"], "9");
  // An idle notifier sends each attempt soon after it is due (first attempts and retries).
  EXPECT_EQ(m["webhook_notifier_attempt_start_delay_seconds_count"], "9");
  EXPECT_EQ(m[R"(webhook_notifier_attempt_start_delay_seconds_bucket{le="5"})"], "9");
  EXPECT_EQ(m["webhook_notifier_lag_bytes"], "0");
  EXPECT_NE(m["webhook_notifier_event_log_end_bytes"], "0");
  EXPECT_EQ(http_->Count("/ok"), 3u);
  EXPECT_EQ(http_->Count("/down"), 6u);

  // After SIGTERM the file keeps the final counts, without the gauges of a running notifier.
  const int status = notifier_->Kill(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  m = ReadMetrics(path);
  EXPECT_EQ(m[kFailedDeliveries], "3");
  EXPECT_EQ(m["webhook_notifier_attempt_duration_seconds_count"], "9");
  EXPECT_EQ(m.count("webhook_notifier_pending_deliveries"), 0u);
}

TEST_F(NotifierIntegrationMetrics, AnUnwritableFileIsLoggedAndDeliveryGoesOn) {
  ASSERT_NO_FATAL_FAILURE(StartStack(R"({"/ok": ["200"]})"));
  std::vector<std::string> args = NotifierArgs("0");
  args.insert(args.end(),
              {"--metrics-file", Dir() + "/missing/notifier.prom", "--metrics-interval-ms", "50"});
  ASSERT_NO_FATAL_FAILURE(StartNotifier(args));
  ASSERT_FALSE(CreateHttpWebhook("m", {"/ok"}).empty());
  Emit("object.created");
  ASSERT_TRUE(WaitUntil([&] { return http_->Count("/ok") == 1; }, seconds(15)));
  const std::string kError = "cannot write metrics file";
  ASSERT_TRUE(
      WaitUntil([&] { return notifier_->LogTail().find(kError) != std::string::npos; }, seconds(5)))
      << notifier_->LogTail();
  // Once, not every 50 ms.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const std::string log = notifier_->LogTail(100000);
  EXPECT_EQ(log.find(kError), log.rfind(kError)) << log;
  EXPECT_NE(log.find("missing/notifier.prom"), std::string::npos) << log;
}

}  // namespace
}  // namespace webhooks::testing

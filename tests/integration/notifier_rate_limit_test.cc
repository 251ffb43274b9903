// A webhook channel's rate_limit through the real stack: the API echoes it, the notifier spaces
// that channel's attempts one interval apart while another channel of the same receiver gets
// its deliveries at once, and the metrics file shows the channel held back meanwhile and its
// attempts starting late.
#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/sinks_harness.h"

namespace webhooks::testing {
namespace {

using std::chrono::seconds;

// The value of one sample of a Prometheus text file ("" when absent).
std::string Sample(const std::string& path, const std::string& name) {
  std::istringstream in(ReadFileFrom(path, 0));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name + " ", 0) == 0) return line.substr(name.size() + 1);
  }
  return "";
}

class NotifierIntegrationRateLimit : public NotifierTestBase {};

// The held deliveries of the test below show as attempts that started late: all 16 were due
// when the fan-out queued them, and the paced channel's 4th to 8th started 0.75 s to 1.75 s
// after that.
void ExpectPacedAttemptsStartedLate(const std::string& metrics) {
  const std::string kDelay = "webhook_notifier_attempt_start_delay_seconds";
  EXPECT_TRUE(WaitUntil([&] { return Sample(metrics, kDelay + "_count") == "16"; }, seconds(5)));
  const std::string early = Sample(metrics, kDelay + R"(_bucket{le="0.5"})");
  ASSERT_FALSE(early.empty());
  EXPECT_LE(std::stoi(early), 11);
}

TEST_F(NotifierIntegrationRateLimit, ARateLimitedChannelIsPacedAndHoldsNoOtherChannel) {
  ASSERT_NO_FATAL_FAILURE(StartStack(R"({"/paced": ["200"], "/free": ["200"]})"));
  const std::string metrics = Dir() + "/notifier.prom";
  std::vector<std::string> args = NotifierArgs("0,1s");
  // A long poll: the paced starts must come from the dispatch loop waiting for each one, not
  // from polling.
  auto poll = std::find(args.begin(), args.end(), "--poll-interval-ms");
  ASSERT_NE(poll, args.end());
  *std::next(poll) = "2000";
  args.insert(args.end(), {"--metrics-file", metrics, "--metrics-interval-ms", "50"});
  rapidjson::Document created = CreateWebhook(R"({"webhook_name": "paced",
      "event_types": ["*"], "channels": [
        {"channel": "webhook", "configs": {"url": ")" +
                                              http_->Url("/paced") +
                                              R"(", "rate_limit": 4}},
        {"channel": "webhook", "configs": {"url": ")" +
                                              http_->Url("/free") + R"("}}]})");
  const std::string id = StringMember(created, "webhook_id");
  ASSERT_FALSE(id.empty());
  rapidjson::Document got = GetWebhook(id);
  EXPECT_EQ(got["channels"][0]["configs"]["rate_limit"].GetInt(), 4);
  EXPECT_FALSE(got["channels"][1]["configs"].HasMember("rate_limit"));

  constexpr int kEvents = 8;  // at 4/s: one attempt every 250 ms, 1.75 s from first to last
  for (int i = 0; i < kEvents; ++i) ASSERT_FALSE(Emit("object.created").empty());
  // The notifier starts after all 8 are in the log, so its fan-out queues them at once.
  ASSERT_NO_FATAL_FAILURE(StartNotifier(args));
  bool held_seen = false;
  ASSERT_TRUE(WaitUntil(
      [&] {
        held_seen = held_seen || Sample(metrics, "webhook_notifier_endpoints_rate_limited") == "1";
        return http_->Count("/paced") == kEvents && http_->Count("/free") == kEvents;
      },
      seconds(20)))
      << http_->Count("/paced") << " paced, " << http_->Count("/free") << " free\n"
      << notifier_->LogTail();
  EXPECT_TRUE(held_seen);

  std::vector<ReceivedRequest> paced = http_->Requests("/paced");
  std::vector<ReceivedRequest> free = http_->Requests("/free");
  auto by_time = [](const ReceivedRequest& a, const ReceivedRequest& b) { return a.t < b.t; };
  std::sort(paced.begin(), paced.end(), by_time);
  std::sort(free.begin(), free.end(), by_time);
  // Starts are 250 ms apart. Arrivals may bunch (a request delayed on its way on a busy
  // machine), never in total; a burst would put them well under a millisecond apart.
  for (size_t i = 1; i < paced.size(); ++i) {
    EXPECT_GE(paced[i].t - paced[i - 1].t, 0.05) << "attempts " << i << " and " << i + 1;
  }
  EXPECT_GE(paced.back().t - paced.front().t, 1.6);
  EXPECT_LT(paced.back().t - paced.front().t, 5.0);  // 1.75 s, not one start per poll (14 s)
  // The unlimited channel of the same receiver was not held behind the paced one.
  EXPECT_LT(free.back().t, paced[kEvents / 2].t);
  // Every attempt succeeded once: pacing delays, it does not fail or repeat.
  std::vector<ApiAttempt> attempts;  // the last outcomes may still be on their way to LMDB
  EXPECT_TRUE(
      WaitUntil([&] { return (attempts = Attempts(id)).size() >= 2u * kEvents; }, seconds(5)));
  EXPECT_EQ(attempts.size(), 2u * kEvents) << Describe(attempts);
  for (const ApiAttempt& a : attempts) EXPECT_EQ(a.status, "succeeded") << Describe(attempts);
  EXPECT_TRUE(
      WaitUntil([&] { return Sample(metrics, "webhook_notifier_endpoints_rate_limited") == "0"; },
                seconds(5)));
  ExpectPacedAttemptsStartedLate(metrics);
}

}  // namespace
}  // namespace webhooks::testing

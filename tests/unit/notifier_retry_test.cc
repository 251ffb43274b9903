// The retry schedule (delays, jitter, Retry-After) and what an attempt's answer does to its
// delivery (DecideOutcome): pure functions, no store.
#include <gtest/gtest.h>

#include "common/ids.h"
#include "model/retry_schedule.h"
#include "notifier/attempt_outcome.h"
#include "tests/test_util.h"

namespace webhooks {
namespace {

TEST(RetryScheduleTest, ParsesUnitsAndRejectsGarbage) {
  absl::StatusOr<RetrySchedule> s = RetrySchedule::Parse("0,5s,5m,30m,2h,250ms");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->delays_ms(), (std::vector<int64_t>{0, 5000, 300000, 1800000, 7200000, 250}));
  EXPECT_EQ(s->attempts(), 6u);
  for (const char* bad : {"", "5", "5x", "1,,2", "-1s", "s"}) {
    EXPECT_FALSE(RetrySchedule::Parse(bad).ok()) << bad;
  }
}

TEST(RetryScheduleTest, OneDurationForOtherOptions) {
  EXPECT_EQ(ParseDurationMs("7d"), int64_t{7} * 86'400'000);
  EXPECT_EQ(ParseDurationMs(" 24h "), int64_t{24} * 3'600'000);
  EXPECT_EQ(ParseDurationMs("0"), 0);
  EXPECT_EQ(ParseDurationMs("1500ms"), 1500);
  EXPECT_EQ(ParseDurationMs("36500d"), kMaxDurationMs);
  for (const char* bad : {"", "5", "5x", "-1h", "1.5h", "h", "24h,1h", "36501d", "999999999999999d",
                          "9999999999999999ms"}) {
    EXPECT_FALSE(ParseDurationMs(bad).has_value()) << bad;
  }
}

TEST(RetryScheduleTest, JitterStaysWithinTwentyPercent) {
  RetrySchedule s = *RetrySchedule::Parse("0,10s");
  EXPECT_EQ(s.DelayMs(1, 0.0), 8000);
  EXPECT_EQ(s.DelayMs(1, 0.5), 10000);
  EXPECT_EQ(s.DelayMs(1, 0.999999), 12000);
  EXPECT_EQ(s.DelayMs(2, 0.5), std::nullopt);
}

TEST(RetryScheduleTest, RetryAfterSecondsAndDates) {
  EXPECT_EQ(ParseRetryAfterMs("3", 0), 3000);
  EXPECT_EQ(ParseRetryAfterMs("Thu, 01 Jan 1970 00:00:10 GMT", 4), 6000);
  EXPECT_EQ(ParseRetryAfterMs("soon", 0), std::nullopt);
}

Delivery SampleDelivery() {
  Delivery d;
  d.delivery_id = "msg_1";
  d.internal_id = NewOrganizationId();
  d.webhook_id = NewWebhookId();
  d.envelope_json = "{}";
  return d;
}

TEST(DecideOutcomeTest, RetriesPerScheduleThenGivesUp) {
  RetrySchedule s = *RetrySchedule::Parse("0,1s,2s");
  Channel ch = HttpChannel{};
  TimePoint now = std::chrono::system_clock::from_time_t(1000);
  TransportResult r;
  r.status_code = 500;
  Verdict retry{Verdict::Outcome::kRetry, "HTTP 500", std::nullopt};
  Delivery d = SampleDelivery();
  AttemptOutcome o1 = DecideOutcome(d, ch, r, retry, s, now, 0.5);
  EXPECT_EQ(o1.delivery.state, DeliveryState::kPending);
  EXPECT_EQ(o1.delivery.attempts, 1u);
  EXPECT_EQ(o1.delivery.next_attempt_ms, 1000 * 1000 + 1000);
  ASSERT_TRUE(o1.set_last_error.has_value());
  EXPECT_EQ(o1.set_last_error->status_code, 500);
  d.attempts = 2;
  AttemptOutcome o3 = DecideOutcome(d, ch, r, retry, s, now, 0.5);
  EXPECT_EQ(o3.delivery.state, DeliveryState::kFailed);
  EXPECT_EQ(o3.attempt.attempt, 3u);
  EXPECT_NE(o3.attempt.error.find("gave up"), std::string::npos);
}

TEST(DecideOutcomeTest, RetryAfterOverridesScheduleAndGoneDisables) {
  RetrySchedule s = *RetrySchedule::Parse("0,1s,2s");
  TimePoint now = std::chrono::system_clock::from_time_t(1000);
  TransportResult r;
  AttemptOutcome o =
      DecideOutcome(SampleDelivery(), HttpChannel{}, r,
                    Verdict{Verdict::Outcome::kRetry, "HTTP 429", 7000}, s, now, 0.5);
  EXPECT_EQ(o.delivery.next_attempt_ms, 1000 * 1000 + 7000);
  AttemptOutcome gone = DecideOutcome(SampleDelivery(), HttpChannel{}, r,
                                      Verdict{Verdict::Outcome::kDisable, "410", {}}, s, now, 0.5);
  EXPECT_EQ(gone.delivery.state, DeliveryState::kFailed);
  ASSERT_TRUE(gone.disable_channel.has_value());
  AttemptOutcome ok = DecideOutcome(SampleDelivery(), HttpChannel{}, r,
                                    Verdict{Verdict::Outcome::kSuccess, "", {}}, s, now, 0.5);
  EXPECT_EQ(ok.delivery.state, DeliveryState::kSucceeded);
  EXPECT_TRUE(ok.clear_last_error);
  EXPECT_EQ(ok.attempt.status, "succeeded");
}

// The start delay is the time from when the attempt was due to when it was sent: the answer's
// time less the attempt's duration. A delivery due later than it was sent (a manual retry, or a
// clock that went back) started 0 ms late.
TEST(DecideOutcomeTest, StartDelayIsFromTheDueTimeToTheSending) {
  RetrySchedule s = *RetrySchedule::Parse("0,1s");
  const TimePoint now = std::chrono::system_clock::from_time_t(1000);
  TransportResult r;
  r.duration_ms = 1500;
  const Verdict ok{Verdict::Outcome::kSuccess, "", {}};
  Delivery d = SampleDelivery();
  d.next_attempt_ms = 1000 * 1000 - 5000;
  EXPECT_EQ(DecideOutcome(d, HttpChannel{}, r, ok, s, now, 0.5).start_delay_ms, 3500);
  d.next_attempt_ms = 1000 * 1000 - 1000;
  EXPECT_EQ(DecideOutcome(d, HttpChannel{}, r, ok, s, now, 0.5).start_delay_ms, 0);
}

TEST(RetryScheduleTest, AChannelScheduleHasTighterLimitsThanTheFlag) {
  EXPECT_OK(CheckChannelRetrySchedule("0"));
  EXPECT_OK(CheckChannelRetrySchedule("0,1m,167h,59m"));
  std::string thirty = "0";
  for (int i = 1; i < 30; ++i) thirty += ",1s";
  EXPECT_OK(CheckChannelRetrySchedule(thirty));
  absl::Status long_list = CheckChannelRetrySchedule(thirty + ",1s");  // 31 attempts
  EXPECT_FALSE(long_list.ok());
  EXPECT_NE(long_list.message().find("at most 30 attempts"), std::string_view::npos) << long_list;
  std::string hundred_and_one = "0";
  for (int i = 1; i < 101; ++i) hundred_and_one += ",0";
  EXPECT_NE(CheckChannelRetrySchedule(hundred_and_one).message().find("at most 30 attempts"),
            std::string_view::npos);
  EXPECT_FALSE(CheckChannelRetrySchedule("0,169h").ok());  // over 7 days in all
  EXPECT_FALSE(CheckChannelRetrySchedule("0,8d").ok());
  EXPECT_OK(CheckChannelRetrySchedule("1d,2d,3d,1d"));
  EXPECT_FALSE(CheckChannelRetrySchedule("1d,2d,3d,1d,1ms").ok());
  for (const char* bad : {"", "soon", "0,,1s", "-1s"}) {
    EXPECT_FALSE(CheckChannelRetrySchedule(bad).ok()) << bad;
  }
}

TEST(RetryScheduleTest, OwnFirstDelayReadsOnlyTheFirstEntry) {
  HttpChannel own;
  own.retry_schedule = " 2m,1s";
  EXPECT_EQ(OwnFirstDelayMs(own), 120000);
  own.retry_schedule = "5s";
  EXPECT_EQ(OwnFirstDelayMs(own), 5000);
  EXPECT_EQ(OwnFirstDelayMs(HttpChannel{}), std::nullopt);
  EXPECT_EQ(OwnFirstDelayMs(SlackChannel{}), std::nullopt);
}

// A webhook channel with its own retry_schedule follows it; other channels follow the
// notifier's.
TEST(DecideOutcomeTest, AChannelsOwnScheduleReplacesTheNotifiers) {
  RetrySchedule flag = *RetrySchedule::Parse("0,1s,2s,3s");
  HttpChannel own;
  own.retry_schedule = "0,10s";
  TimePoint now = std::chrono::system_clock::from_time_t(1000);
  TransportResult r;
  r.status_code = 503;
  Verdict retry{Verdict::Outcome::kRetry, "HTTP 503", std::nullopt};
  AttemptOutcome first = DecideOutcome(SampleDelivery(), own, r, retry, flag, now, 0.5);
  EXPECT_EQ(first.delivery.state, DeliveryState::kPending);
  EXPECT_EQ(first.delivery.next_attempt_ms, 1000 * 1000 + 10000);
  Delivery second = SampleDelivery();
  second.attempts = 1;
  AttemptOutcome last = DecideOutcome(second, own, r, retry, flag, now, 0.5);
  EXPECT_EQ(last.delivery.state, DeliveryState::kFailed);  // its 2 attempts, not the flag's 4
  EXPECT_NE(last.attempt.error.find("gave up after 2 attempts"), std::string::npos);
  AttemptOutcome other = DecideOutcome(second, HttpChannel{}, r, retry, flag, now, 0.5);
  EXPECT_EQ(other.delivery.state, DeliveryState::kPending);
  EXPECT_EQ(other.delivery.next_attempt_ms, 1000 * 1000 + 2000);
}

}  // namespace
}  // namespace webhooks

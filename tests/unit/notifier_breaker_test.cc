// EndpointBreaker: which results count as unanswered, when an endpoint opens and closes, and
// which endpoints it leaves alone.
#include <gtest/gtest.h>

#include "notifier/endpoint_breaker.h"

namespace webhooks {
namespace {

using Change = EndpointBreaker::Change;

TransportResult Status(int code) {
  TransportResult r;
  r.status_code = code;
  return r;
}

TEST(EndpointBreakerTest, OnlyNoResponseTooManyRequestsAndServerErrorsAreUnanswered) {
  TransportResult timeout;
  timeout.error = "Timeout was reached";
  timeout.timed_out = true;
  EXPECT_FALSE(EndpointBreaker::Answered(timeout));
  EXPECT_FALSE(EndpointBreaker::Answered(Status(0)));
  EXPECT_FALSE(EndpointBreaker::Answered(Status(429)));
  EXPECT_FALSE(EndpointBreaker::Answered(Status(500)));
  EXPECT_FALSE(EndpointBreaker::Answered(Status(503)));
  EXPECT_TRUE(EndpointBreaker::Answered(Status(200)));
  EXPECT_TRUE(EndpointBreaker::Answered(Status(404)));  // alive, just not happy with us
  EXPECT_TRUE(EndpointBreaker::Answered(Status(410)));
}

TEST(EndpointBreakerTest, OpensAfterConsecutiveFailuresAndClosesOnAnAnswer) {
  EndpointBreaker breaker(3);
  const std::string e = "https://hooks.example:443";
  EXPECT_EQ(breaker.Record(e, false), Change::kNone);
  EXPECT_EQ(breaker.Record(e, false), Change::kNone);
  EXPECT_EQ(breaker.Record(e, true), Change::kNone);  // an answer starts the count again
  EXPECT_EQ(breaker.Record(e, false), Change::kNone);
  EXPECT_EQ(breaker.Record(e, false), Change::kNone);
  EXPECT_FALSE(breaker.IsOpen(e));
  EXPECT_EQ(breaker.open_count(), 0u);
  EXPECT_EQ(breaker.Record(e, false), Change::kOpened);
  EXPECT_TRUE(breaker.IsOpen(e));
  EXPECT_EQ(breaker.open_count(), 1u);
  EXPECT_EQ(breaker.Record(e, false), Change::kNone);  // reported once
  EXPECT_TRUE(breaker.IsOpen(e));
  EXPECT_FALSE(breaker.IsOpen("https://other.example:443"));
  EXPECT_EQ(breaker.Record(e, true), Change::kClosed);
  EXPECT_FALSE(breaker.IsOpen(e));
  EXPECT_EQ(breaker.open_count(), 0u);
}

TEST(EndpointBreakerTest, OperatorServicesAndAZeroThresholdNeverOpen) {
  EndpointBreaker breaker(1);
  for (const char* e : {"smtp:smtp://127.0.0.1:25", "twilio:https://api.twilio.com", "slack:C01"}) {
    EXPECT_EQ(breaker.Record(e, false), Change::kNone) << e;
    EXPECT_FALSE(breaker.IsOpen(e)) << e;
  }
  EndpointBreaker off(0);
  EXPECT_EQ(off.Record("https://a.example:443", false), Change::kNone);
  EXPECT_FALSE(off.IsOpen("https://a.example:443"));
}

TEST(EndpointBreakerTest, ForgetsEveryoneBeyondItsBound) {
  EndpointBreaker breaker(1, /*max_tracked=*/2);
  EXPECT_EQ(breaker.Record("https://a:443", false), Change::kOpened);
  EXPECT_EQ(breaker.Record("https://b:443", false), Change::kOpened);
  EXPECT_EQ(breaker.Record("https://c:443", false), Change::kOpened);  // a and b forgotten
  EXPECT_FALSE(breaker.IsOpen("https://a:443"));
  EXPECT_TRUE(breaker.IsOpen("https://c:443"));
  EXPECT_EQ(breaker.open_count(), 1u);
}

}  // namespace
}  // namespace webhooks

// A webhook channel's rate_limit: EndpointPacer's spacing, and the dispatcher starting a
// rate-limited channel's attempts one interval apart while other channels of the same origin
// go at full speed.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>

#include "eventlog/memory_event_log.h"
#include "model/event.h"
#include "notifier/dispatcher.h"
#include "notifier/endpoint_pacer.h"
#include "notifier/fanout.h"
#include "tests/unit/notifier_fakes.h"
#include "tests/unit/notifier_lmdb_fixture.h"

namespace webhooks {
namespace {

TEST(EndpointPacerTest, StartsOnePerIntervalAndNeverBanksMissedTime) {
  EndpointPacer pacer;
  const std::string e = "https://a.example:443#wh_1.0";
  EXPECT_TRUE(pacer.TryStart(e, 4, 1000000));  // 4/s: one every 250 ms
  EXPECT_EQ(pacer.NextStartUs(e, 1000000), 1250000);
  EXPECT_FALSE(pacer.TryStart(e, 4, 1000000));
  EXPECT_FALSE(pacer.TryStart(e, 4, 1249999));
  EXPECT_TRUE(pacer.TryStart(e, 4, 1250000));
  // Two seconds idle give no burst: the next start after this one is an interval away again.
  EXPECT_TRUE(pacer.TryStart(e, 4, 3250000));
  EXPECT_FALSE(pacer.TryStart(e, 4, 3250001));
  EXPECT_EQ(pacer.NextStartUs(e, 3250001), 3500000);
  // Other endpoints, and channels without a limit, are not held.
  EXPECT_TRUE(pacer.TryStart("https://b.example:443#wh_2.0", 4, 3250001));
  EXPECT_TRUE(pacer.TryStart(e, 0, 3250001));
  EXPECT_TRUE(pacer.TryStart(e, 0, 3250001));
  EXPECT_EQ(pacer.NextStartUs("https://c.example:443", 5), 5);
}

TEST(EndpointPacerTest, IntervalsRoundUpAndARestampCountsFromTheLaterSend) {
  EndpointPacer pacer;
  EXPECT_TRUE(pacer.TryStart("e", 3, 0));
  EXPECT_EQ(pacer.NextStartUs("e", 0), 333334);  // 4 starts never fit in one second
  pacer.Restamp("e", 3, 250000);                 // it went out at 0.25 s
  EXPECT_EQ(pacer.NextStartUs("e", 250000), 583334);
  EXPECT_FALSE(pacer.TryStart("e", 3, 583333));
  EXPECT_TRUE(pacer.TryStart("e", 3, 583334));
  pacer.Restamp("forgotten", 3, 1);  // a slot forgotten meanwhile is kept again
  EXPECT_EQ(pacer.NextStartUs("forgotten", 1), 333335);
  pacer.Restamp("free", 0, 1);  // no limit: nothing kept
  EXPECT_EQ(pacer.NextStartUs("free", 1), 1);
}

TEST(EndpointPacerTest, AClockGoingBackDoesNotHoldAnEndpointUntilItCatchesUp) {
  EndpointPacer pacer;
  const std::string e = "https://a.example:443#wh_1.0";
  EXPECT_TRUE(pacer.TryStart(e, 1, 100000000));   // 1/s at t = 100 s
  EXPECT_FALSE(pacer.TryStart(e, 1, 100500000));  // within the interval
  EXPECT_EQ(pacer.NextStartUs(e, 50000000), 50000000);
  EXPECT_TRUE(pacer.TryStart(e, 1, 50000000));  // 50 s back: not held until t = 101 s
  EXPECT_FALSE(pacer.TryStart(e, 1, 50000001));
}

TEST(EndpointPacerTest, ForgetsOnlyEndpointsFreeToStartBeyondItsBound) {
  EndpointPacer pacer(/*max_tracked=*/2);
  EXPECT_TRUE(pacer.TryStart("a", 1, 0));
  EXPECT_TRUE(pacer.TryStart("b", 10, 0));
  EXPECT_TRUE(pacer.TryStart("c", 1, 200000));  // b (free again) is forgotten, a is kept
  EXPECT_FALSE(pacer.TryStart("a", 1, 200000));
  EXPECT_FALSE(pacer.TryStart("c", 1, 200000));
  EXPECT_TRUE(pacer.TryStart("b", 10, 200000));
}

class DispatcherPacingTest : public NotifierLmdbTest {
 protected:
  void EmitAndFanOut(int events) {
    for (int i = 0; i < events; ++i) {
      ASSERT_TRUE(log_.Append(EventRecord()).ok());
    }
    Fanout fanout(*store_, *deliveries_, log_, schedule_, SystemClock());
    while (*fanout.Step() > 0) {
    }
  }
  static HttpChannel Http(const std::string& url, std::optional<uint32_t> rate_limit) {
    HttpChannel http;
    http.url = url;
    http.rate_limit = rate_limit;
    return http;
  }
  // The dispatcher's clock: a second past the fan-out's (so everything queued is due), moved
  // by the test.
  Clock TestClock() {
    return [this] { return base_ + std::chrono::milliseconds(offset_ms_.load()); };
  }

  // The pace's steady clock, moved with the same offset.
  std::function<int64_t()> PaceClock() {
    return [this] { return int64_t{7'000'000'000} + offset_ms_.load() * 1000; };
  }

  MemoryEventLog log_;
  RetrySchedule schedule_ = *RetrySchedule::Parse("0,1s");
  TimePoint base_ = SystemClock()() + std::chrono::seconds(1);
  std::atomic<int64_t> offset_ms_{0};
};

TEST_F(DispatcherPacingTest, ARateLimitedChannelStartsOneAttemptPerIntervalAndHoldsNoOther) {
  AddWebhook({Http("https://8.8.8.8/paced", 2)});  // one attempt every 500 ms
  AddWebhook({Http("https://8.8.8.8/free", std::nullopt)});
  EmitAndFanOut(5);
  FakeTransport transport;
  DispatcherOptions options;
  options.per_endpoint_concurrency = 4;
  options.pace_clock_us = PaceClock();
  std::atomic<int> steps{0};
  options.wake = [&](bool scan) { steps += scan ? 0 : 1; };
  Outcomes outcomes;
  Dispatcher dispatcher(options, schedule_, *store_, *deliveries_, transport, TestClock(),
                        outcomes.Sink());
  ASSERT_TRUE(dispatcher.Step().ok());
  ASSERT_TRUE(transport.WaitPending("https://8.8.8.8/free", 4));
  ASSERT_TRUE(transport.WaitPending("https://8.8.8.8/paced", 1));
  EXPECT_EQ(transport.Pending("https://8.8.8.8/paced"), 1u);
  EXPECT_EQ(dispatcher.paced_endpoints(), 1u);
  ASSERT_TRUE(dispatcher.PacedStartDelay().has_value());
  EXPECT_EQ(*dispatcher.PacedStartDelay(), std::chrono::milliseconds(500));

  // An answer does not start the next one early; it asks the dispatch loop to wait for it.
  const int steps_before = steps;
  EXPECT_EQ(transport.Answer("https://8.8.8.8/paced", 200), 1);
  EXPECT_EQ(steps, steps_before + 1);
  offset_ms_ = 499;
  ASSERT_TRUE(dispatcher.Step(false).ok());
  EXPECT_EQ(transport.Pending("https://8.8.8.8/paced"), 0u);
  EXPECT_EQ(*dispatcher.PacedStartDelay(), std::chrono::milliseconds(1));
  offset_ms_ = 500;
  ASSERT_TRUE(dispatcher.Step(false).ok());
  EXPECT_TRUE(transport.WaitPending("https://8.8.8.8/paced", 1));

  // Meanwhile the other channel of the same origin went at full speed: all 5 without waiting.
  EXPECT_EQ(transport.Answer("https://8.8.8.8/free", 200), 4);
  EXPECT_TRUE(transport.WaitPending("https://8.8.8.8/free", 1));
  EXPECT_EQ(transport.Answer("https://8.8.8.8/free", 200), 1);

  // The last three paced ones, at 1.0, 1.5 and 2.0 s. The channel keeps 4 waiting here, so
  // the fifth is read from the durable queue by a scan (as the notifier runs one when the
  // dispatcher asks with wake(true)).
  EXPECT_EQ(transport.Answer("https://8.8.8.8/paced", 200), 1);
  for (int64_t at : {1000, 1500, 2000}) {
    offset_ms_ = at - 1;
    ASSERT_TRUE(dispatcher.Step().ok());
    EXPECT_EQ(transport.Pending("https://8.8.8.8/paced"), 0u) << at;
    offset_ms_ = at;
    ASSERT_TRUE(dispatcher.Step().ok());
    ASSERT_TRUE(transport.WaitPending("https://8.8.8.8/paced", 1)) << at;
    EXPECT_EQ(transport.Answer("https://8.8.8.8/paced", 200), 1);
  }
  EXPECT_EQ(outcomes.Record(*deliveries_, dispatcher).size(), 10u);
  ASSERT_TRUE(dispatcher.Step(false).ok());
  EXPECT_FALSE(dispatcher.PacedStartDelay().has_value());  // nothing held back any more
  EXPECT_EQ(dispatcher.paced_endpoints(), 0u);
}

// The pace counts from when an attempt leaves for the transport: attempts started while the
// SSRF guard's lookup of the host is slow wait for it, then go out one interval apart, not
// together when it answers.
TEST_F(DispatcherPacingTest, AttemptsStartedDuringASlowLookupStillGoOutOneIntervalApart) {
  AddWebhook({Http("https://paced.example/in", 10)});  // one attempt every 100 ms
  EmitAndFanOut(3);
  FakeTransport transport;
  DispatcherOptions options;
  options.pace_clock_us = PaceClock();
  std::promise<void> answer;
  std::shared_future<void> answered = answer.get_future().share();
  options.resolve = [answered](const std::string&) -> absl::StatusOr<std::string> {
    answered.wait();  // a slow DNS server
    return std::string("93.184.216.34");
  };
  std::atomic<int> steps{0};
  options.wake = [&](bool scan) { steps += scan ? 0 : 1; };
  Outcomes outcomes;
  Dispatcher dispatcher(options, schedule_, *store_, *deliveries_, transport, TestClock(),
                        outcomes.Sink());
  ASSERT_TRUE(dispatcher.Step().ok());   // the first starts, and waits for the lookup
  for (int64_t at : {100, 200, 1000}) {  // intervals pass: nothing more starts meanwhile
    offset_ms_ = at;
    ASSERT_TRUE(dispatcher.Step(false).ok());
    EXPECT_EQ(dispatcher.paced_endpoints(), 1u) << at;
  }
  EXPECT_EQ(transport.Pending("https://paced.example"), 0u);
  answer.set_value();  // at 1.0 s: the first goes out, and the next waits until 1.1 s
  ASSERT_TRUE(transport.WaitPending("https://paced.example", 1));
  EXPECT_GE(steps, 1);  // the dispatch loop was asked to wait for the next start
  ASSERT_TRUE(dispatcher.PacedStartDelay().has_value());
  EXPECT_EQ(*dispatcher.PacedStartDelay(), std::chrono::milliseconds(100));
  offset_ms_ = 1099;
  ASSERT_TRUE(dispatcher.Step(false).ok());
  EXPECT_EQ(transport.Pending("https://paced.example"), 1u);
  offset_ms_ = 1100;
  ASSERT_TRUE(dispatcher.Step(false).ok());
  EXPECT_EQ(transport.Pending("https://paced.example"), 2u);  // the lookup is cached now
  EXPECT_EQ(transport.Answer("https://paced.example", 200), 2);
  offset_ms_ = 1200;
  ASSERT_TRUE(dispatcher.Step(false).ok());
  EXPECT_EQ(transport.Answer("https://paced.example", 200), 1);
  EXPECT_EQ(outcomes.Record(*deliveries_, dispatcher).size(), 3u);
}

// A paced channel keeps 4 deliveries waiting in memory; as its starts drain them, the
// dispatch loop's own Step asks for a scan to refill it (no answer needed).
TEST_F(DispatcherPacingTest, APacedChannelKeepsFourWaitingAndAsksForARefillAsItDrains) {
  AddWebhook({Http("https://8.8.8.8/paced", 100)});  // one attempt every 10 ms
  EmitAndFanOut(10);
  FakeTransport transport;
  DispatcherOptions options;
  options.pace_clock_us = PaceClock();
  std::atomic<int> scans{0};
  options.wake = [&](bool scan) { scans += scan ? 1 : 0; };
  Outcomes outcomes;
  Dispatcher dispatcher(options, schedule_, *store_, *deliveries_, transport, TestClock(),
                        outcomes.Sink());
  // The scan reads 4 (its waiting cap) and starts one; 3 waiting with 6 more on disk: the same
  // Step asks for a refill.
  ASSERT_TRUE(dispatcher.Step().ok());
  ASSERT_TRUE(transport.WaitPending("https://8.8.8.8/paced", 1));
  EXPECT_EQ(dispatcher.known(), 4u);
  EXPECT_EQ(scans, 1);
  offset_ms_ = 10;
  ASSERT_TRUE(dispatcher.Step(false).ok());  // starts one more; one request per full scan
  ASSERT_TRUE(transport.WaitPending("https://8.8.8.8/paced", 2));
  EXPECT_EQ(scans, 1);
  ASSERT_TRUE(dispatcher.Step().ok());  // the scan it asked for: back to 4 waiting
  EXPECT_EQ(dispatcher.known(), 6u);
  EXPECT_EQ(transport.Pending("https://8.8.8.8/paced"), 2u);  // the pace holds until 20 ms
  offset_ms_ = 20;
  ASSERT_TRUE(dispatcher.Step(false).ok());  // drains below 4 again: asks again
  ASSERT_TRUE(transport.WaitPending("https://8.8.8.8/paced", 3));
  EXPECT_EQ(scans, 2);
}

}  // namespace
}  // namespace webhooks

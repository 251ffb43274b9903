// Fan-out, the dispatcher's caches and dispatch isolation (caps, the endpoint breaker, slow
// DNS), on an LMDB store in a temp dir, an in-memory event log and a fake transport.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "common/ids.h"
#include "eventlog/memory_event_log.h"
#include "model/event.h"
#include "notifier/dispatcher.h"
#include "notifier/fanout.h"
#include "store/lmdb_delivery_store.h"
#include "store/lmdb_store.h"
#include "tests/test_util.h"
#include "tests/unit/notifier_fakes.h"

namespace webhooks {
namespace {

// An update for WebhookStore::UpdateWebhook: pauses the webhook.
absl::Status Deactivate(Webhook& webhook) {
  webhook.spec.is_active = false;
  return absl::OkStatus();
}

using testing::TempDir;

class NotifierCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LmdbOptions fast;
    fast.durable = false;  // durability is the LMDB tests' subject, not this one's
    auto opened = LmdbStore::Open(dir_.path(), fast);
    ASSERT_TRUE(opened.ok());
    store_ = *std::move(opened);
    deliveries_ = std::make_unique<LmdbDeliveryStore>(store_->env());
    org_ = NewOrganizationId();
    ASSERT_OK(store_->CreateOrganization({org_, "o", "2026-01-01T00:00:00Z"}));
  }
  std::string AddWebhook(const std::string& url, std::vector<std::string> types = {"*"},
                         bool active = true) {
    Webhook w;
    w.webhook_id = NewWebhookId();
    w.internal_id = org_;
    w.spec.webhook_name = "w";
    w.spec.event_types = std::move(types);
    HttpChannel http;
    http.url = url;
    w.spec.channels.push_back(http);
    w.spec.is_active = active;
    w.created_at = w.updated_at = "2026-01-01T00:00:00Z";
    EXPECT_OK(store_->CreateWebhook(&w));
    return w.webhook_id;
  }
  void Emit(const std::string& type, const std::string& id = "") {
    Event e;
    e.internal_id = org_;
    e.event_id = id.empty() ? "evt_" + NewWebhookId() : id;
    e.client_event_id = !id.empty();
    e.event_type = type;
    e.occurred_at = "2026-01-01T00:00:00Z";
    ASSERT_TRUE(log_.Append(EncodeEventRecord(e)).ok());
  }
  // Queues the deliveries of every event in the log.
  void FanOutAll() {
    Fanout fanout(*store_, *deliveries_, log_, schedule_, SystemClock());
    while (*fanout.Step() > 0) {
    }
  }
  void EmitAndFanOut(int events) {
    for (int i = 0; i < events; ++i) Emit("object.created");
    FanOutAll();
  }
  // The isolation tests' caps: 4 attempts in flight and 16 waiting per endpoint.
  static DispatcherOptions SmallCaps() {
    DispatcherOptions options;
    options.per_endpoint_concurrency = 4;
    options.max_waiting_per_endpoint = 16;
    return options;
  }
  TempDir dir_;
  std::unique_ptr<LmdbStore> store_;
  std::unique_ptr<LmdbDeliveryStore> deliveries_;
  MemoryEventLog log_;
  RetrySchedule schedule_ = *RetrySchedule::Parse("0,1s");
  std::string org_;
};

TEST_F(NotifierCoreTest, FanoutQueuesMatchingActiveWebhooksOnceAndMovesTheCursor) {
  AddWebhook("https://8.8.8.8/a", {"object.created"});
  AddWebhook("https://8.8.8.8/b", {"*"});
  AddWebhook("https://8.8.8.8/c", {"object.deleted"});
  AddWebhook("https://8.8.8.8/d", {"*"}, /*active=*/false);
  Emit("object.created");
  Emit("object.created", "client-1");
  Emit("object.created", "client-1");  // the producer's retry: delivered once
  Fanout fanout(*store_, *deliveries_, log_, schedule_, SystemClock());
  absl::StatusOr<size_t> n = fanout.Step();
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 3u);
  EXPECT_EQ(*deliveries_->Cursor(), 3u);
  EXPECT_EQ(*deliveries_->PendingCount(), 4u);  // 2 events x webhooks a and b
  EXPECT_EQ(*fanout.Step(), 0u);
  // Replaying the same records (as after a crash before the cursor moved) queues nothing new.
  ASSERT_OK(deliveries_->Enqueue({}, {}, 0));
  ASSERT_TRUE(fanout.Step().ok());
  EXPECT_EQ(*deliveries_->PendingCount(), 4u);
}

// The fan-out keeps matching webhooks decoded between batches; webhooks created or paused since
// must count for the events appended after the change.
TEST_F(NotifierCoreTest, FanoutSeesWebhookChangesMadeAfterItCachedTheOrganization) {
  std::string a = AddWebhook("https://8.8.8.8/a", {"object.created"});
  Emit("object.created");
  Fanout fanout(*store_, *deliveries_, log_, schedule_, SystemClock());
  ASSERT_EQ(*fanout.Step(), 1u);
  EXPECT_EQ(*deliveries_->PendingCount(), 1u);
  std::string b = AddWebhook("https://8.8.8.8/b", {"*"});
  ASSERT_OK(store_->UpdateWebhook(org_, a, Deactivate).status());
  Emit("object.created");
  ASSERT_EQ(*fanout.Step(), 1u);
  absl::StatusOr<std::vector<Delivery>> due = deliveries_->Due(INT64_MAX, 10, nullptr, nullptr);
  ASSERT_OK(due.status());
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].webhook_id, a);  // the first event, before the change
  EXPECT_EQ((*due)[1].webhook_id, b);  // the second: b only (a is paused)
}

TEST_F(NotifierCoreTest, ABlackHoleEndpointHoldsOnlyItsOwnSlots) {
  AddWebhook("https://8.8.8.8/x", {"*"});
  AddWebhook("https://1.1.1.1/x", {"*"});
  EmitAndFanOut(200);
  FakeTransport transport;
  DispatcherOptions options = SmallCaps();
  options.max_known = 64;
  Outcomes outcomes;
  Dispatcher dispatcher(options, schedule_, *store_, *deliveries_, transport, SystemClock(),
                        outcomes.Sink());
  // Attempts reach the transport after the SSRF guard's lookup, on resolver threads: the loop
  // is bounded in time, not in rounds, so that a busy machine only makes it slower.
  int good = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (good < 200 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(dispatcher.Step().ok());
    EXPECT_LE(transport.Pending("https://8.8.8.8"), 4u);  // never more than its cap
    const int answered = transport.Answer("https://1.1.1.1", 200);
    good += answered;
    outcomes.Record(*deliveries_, dispatcher);
    if (answered == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(good, 200);  // every delivery to the good endpoint went out
  EXPECT_TRUE(transport.WaitPending("https://8.8.8.8", 4));
  EXPECT_EQ(transport.Pending("https://8.8.8.8"), 4u);
}

// With `wake` set (as the notifier runs it), an answer starts its endpoint's next waiting
// delivery on the answering thread: no Step, and no wake-up of the dispatch loop.
TEST_F(NotifierCoreTest, AnAnswerStartsItsEndpointsNextDeliveryAtOnce) {
  AddWebhook("https://8.8.8.8/x", {"*"});
  EmitAndFanOut(10);
  FakeTransport transport;
  DispatcherOptions options = SmallCaps();
  std::atomic<int> wakes{0};
  options.wake = [&](bool) { ++wakes; };
  Outcomes outcomes;
  Dispatcher dispatcher(options, schedule_, *store_, *deliveries_, transport, SystemClock(),
                        outcomes.Sink());
  ASSERT_TRUE(dispatcher.Step().ok());  // 4 in flight, 6 waiting
  ASSERT_TRUE(transport.WaitPending("https://8.8.8.8", 4));
  EXPECT_EQ(transport.Answer("https://8.8.8.8", 200), 4);
  EXPECT_EQ(transport.Pending("https://8.8.8.8"), 4u);
  EXPECT_EQ(transport.Answer("https://8.8.8.8", 200), 4);
  EXPECT_EQ(transport.Answer("https://8.8.8.8", 200), 2);
  EXPECT_EQ(transport.Pending("https://8.8.8.8"), 0u);
  EXPECT_EQ(outcomes.Record(*deliveries_, dispatcher).size(), 10u);
  EXPECT_EQ(wakes, 0);
  EXPECT_EQ(dispatcher.in_flight(), 0u);
}

// An endpoint that drains its waiting deliveries while the durable queue holds more of them asks
// for a scan (`wake(true)`), once per scan that found it full: a fast endpoint is refilled as it
// drains instead of at the next poll, and an endpoint with nothing more queued never asks.
TEST_F(NotifierCoreTest, ADrainingEndpointWithMoreQueuedAsksForAScan) {
  AddWebhook("https://8.8.8.8/x", {"*"});
  EmitAndFanOut(60);
  FakeTransport transport;
  DispatcherOptions options = SmallCaps();
  std::atomic<int> scans{0}, steps{0};
  options.wake = [&](bool scan) { ++(scan ? scans : steps); };
  Outcomes outcomes;
  Dispatcher dispatcher(options, schedule_, *store_, *deliveries_, transport, SystemClock(),
                        outcomes.Sink());
  ASSERT_TRUE(dispatcher.Step().ok());  // 4 in flight, 12 waiting, 44 left in the queue
  ASSERT_TRUE(transport.WaitPending("https://8.8.8.8", 4));
  EXPECT_EQ(transport.Answer("https://8.8.8.8", 200), 4);
  EXPECT_EQ(scans, 1);  // the first answer asked; the next three had nothing new to ask for
  EXPECT_EQ(transport.Answer("https://8.8.8.8", 200), 4);
  EXPECT_EQ(scans, 1);
  size_t recorded = outcomes.Record(*deliveries_, dispatcher).size();
  ASSERT_TRUE(dispatcher.Step().ok());  // refilled to 16 waiting: full again
  EXPECT_EQ(transport.Answer("https://8.8.8.8", 200), 4);
  EXPECT_EQ(scans, 2);
  EXPECT_EQ(steps, 0);
  // Drained to the end. Once a scan finds room for all that is left (20: 4 in flight and 16
  // waiting), the answers after it do not ask again.
  for (int round = 0; round < 40 && recorded < 60; ++round) {
    recorded += outcomes.Record(*deliveries_, dispatcher).size();
    const size_t left = *deliveries_->PendingCount();
    ASSERT_TRUE(dispatcher.Step().ok());
    const int before = scans;
    transport.Answer("https://8.8.8.8", 200);
    if (left <= 20) {
      EXPECT_EQ(scans, before) << "round " << round;
    }
  }
  EXPECT_EQ(recorded, 60u);
}

// A delivery started that way which fails at once (its target refused) leaves the next start to
// the dispatch loop (`wake`) instead of starting it inside the failed one: no recursion.
TEST_F(NotifierCoreTest, AStartThatFailsAtOnceWakesTheDispatchLoop) {
  AddWebhook("https://8.8.8.8/x", {"*"});
  EmitAndFanOut(10);
  FakeTransport transport;
  DispatcherOptions options = SmallCaps();
  std::promise<void> resolving;
  std::shared_future<void> answer = resolving.get_future().share();
  options.resolve = [answer](const std::string&) -> absl::StatusOr<std::string> {
    answer.wait();
    return absl::PermissionDeniedError("refused for the test");
  };
  std::atomic<int> wakes{0};
  options.wake = [&](bool) { ++wakes; };
  Outcomes outcomes;
  Dispatcher dispatcher(options, schedule_, *store_, *deliveries_, transport, SystemClock(),
                        outcomes.Sink());
  ASSERT_TRUE(dispatcher.Step().ok());  // 4 started (waiting for the resolver), 6 waiting
  resolving.set_value();
  // The 4 refusals, on the resolver's thread, start the 6 waiting deliveries without a Step;
  // each of those is refused inside its start and wakes the loop instead of starting more.
  size_t recorded = 0;
  for (int i = 0; i < 500 && recorded < 10; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    recorded += outcomes.Record(*deliveries_, dispatcher).size();
  }
  EXPECT_EQ(recorded, 10u);
  EXPECT_EQ(wakes, 6);
  EXPECT_EQ(dispatcher.in_flight(), 0u);
  EXPECT_EQ(transport.Pending("https://8.8.8.8"), 0u);
}

// A scan reads no more of an endpoint's deliveries than its waiting queue has room for (read
// beyond it, they would be dropped again at once and read again by a later scan).
TEST_F(NotifierCoreTest, AScanReadsOnlyWhatTheEndpointHasRoomFor) {
  AddWebhook("https://8.8.8.8/x", {"*"});
  EmitAndFanOut(200);
  FakeTransport transport;
  Outcomes outcomes;
  CountingStore counting(*deliveries_);
  Dispatcher dispatcher(SmallCaps(), schedule_, *store_, counting, transport, SystemClock(),
                        outcomes.Sink());
  ASSERT_TRUE(dispatcher.Step().ok());  // learns the endpoint: 4 in flight, 12 waiting
  ASSERT_TRUE(transport.WaitPending("https://8.8.8.8", 4));
  const size_t first = counting.read();
  ASSERT_TRUE(dispatcher.Step().ok());
  EXPECT_EQ(counting.read() - first, 4u);  // room for 4 more waiting
  EXPECT_EQ(dispatcher.known(), 20u);
  ASSERT_TRUE(dispatcher.Step().ok());
  EXPECT_EQ(counting.read() - first, 4u);  // full: nothing read
}

// An endpoint that stops answering gets one attempt at a time and one delivery waiting, so it
// holds two deliveries in memory instead of its share; one answer gives it its concurrency back.
TEST_F(NotifierCoreTest, AnEndpointThatStopsAnsweringIsProbedOneAtATime) {
  AddWebhook("https://8.8.8.8/x", {"*"});
  EmitAndFanOut(60);
  FakeTransport transport;
  DispatcherOptions options = SmallCaps();
  options.open_circuit_after = 4;
  Outcomes outcomes;
  Dispatcher dispatcher(options, schedule_, *store_, *deliveries_, transport, SystemClock(),
                        outcomes.Sink());
  ASSERT_TRUE(dispatcher.Step().ok());
  ASSERT_TRUE(transport.WaitPending("https://8.8.8.8", 4));
  EXPECT_EQ(dispatcher.known(), 16u);                      // taken: 4 in flight, 12 waiting
  EXPECT_EQ(transport.Answer("https://8.8.8.8", 503), 4);  // the 4th opens it
  outcomes.Record(*deliveries_, dispatcher);
  for (int round = 0; round < 5; ++round) {
    ASSERT_TRUE(dispatcher.Step().ok());
    EXPECT_EQ(transport.Pending("https://8.8.8.8"), 1u) << "round " << round;
    EXPECT_LE(dispatcher.known(), 2u) << "round " << round;
    EXPECT_EQ(transport.Answer("https://8.8.8.8", 503), 1);
    outcomes.Record(*deliveries_, dispatcher);
  }
  ASSERT_TRUE(dispatcher.Step().ok());
  EXPECT_EQ(transport.Answer("https://8.8.8.8", 200), 1);  // it answers: closed again
  outcomes.Record(*deliveries_, dispatcher);
  ASSERT_TRUE(dispatcher.Step().ok());
  EXPECT_EQ(transport.Pending("https://8.8.8.8"), 4u);
}

// The dispatcher keeps webhooks decoded between Steps; a change made after it cached one (a
// pause through the API, a channel disabled by a 410) must still stop the next delivery.
TEST_F(NotifierCoreTest, ChangesAfterTheWebhookWasCachedStopTheNextDeliveries) {
  std::string id = AddWebhook("https://8.8.8.8/x", {"*"});
  for (int i = 0; i < 3; ++i) Emit("object.created");
  FanOutAll();
  FakeTransport transport;
  DispatcherOptions options;
  options.max_admit_per_step = 1;
  Outcomes outcomes;
  Dispatcher dispatcher(options, schedule_, *store_, *deliveries_, transport, SystemClock(),
                        outcomes.Sink());
  auto record = [&] { return outcomes.Record(*deliveries_, dispatcher); };
  // First delivery: sent, answered 410, which disables the channel.
  ASSERT_TRUE(dispatcher.Step().ok());
  ASSERT_TRUE(transport.WaitPending("https://8.8.8.8", 1));
  ASSERT_EQ(transport.Answer("https://8.8.8.8", 410), 1);
  ASSERT_EQ(record().size(), 1u);
  // Second: the cached webhook is stale (its channel is now disabled): cancelled, not sent.
  ASSERT_TRUE(dispatcher.Step().ok());
  EXPECT_EQ(transport.Pending("https://8.8.8.8"), 0u);
  std::vector<AttemptOutcome> done = record();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].delivery.state, DeliveryState::kCancelled);
  // A PUT re-enables the channel; then a pause: the third is cancelled because of the pause.
  ASSERT_OK(deliveries_->EnableChannels(org_, id).status());
  ASSERT_OK(store_->UpdateWebhook(org_, id, Deactivate).status());
  ASSERT_TRUE(dispatcher.Step().ok());
  EXPECT_EQ(transport.Pending("https://8.8.8.8"), 0u);
  done = record();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].delivery.state, DeliveryState::kCancelled);
  EXPECT_EQ(*deliveries_->PendingCount(), 0u);
}

// A name whose DNS answer never comes holds only its own deliveries: the dispatch loop and the
// other endpoints go on.
TEST_F(NotifierCoreTest, ASlowDnsAnswerHoldsOnlyItsOwnEndpoint) {
  AddWebhook("https://slow.example/x", {"*"});
  AddWebhook("https://8.8.8.8/x", {"*"});
  for (int i = 0; i < 3; ++i) Emit("object.created");
  FanOutAll();
  std::mutex dns_mu;
  std::condition_variable dns_cv;
  bool answer_slow = false;
  int lookups = 0;
  FakeTransport transport;
  DispatcherOptions options;
  options.resolve = [&](const std::string& url) -> absl::StatusOr<std::string> {
    std::unique_lock<std::mutex> lock(dns_mu);
    ++lookups;
    if (url.find("slow.example") != std::string::npos) {
      dns_cv.wait(lock, [&] { return answer_slow; });
      return std::string("93.184.216.34");
    }
    return std::string("8.8.8.8");
  };
  std::atomic<int> outcomes{0};
  Dispatcher dispatcher(options, schedule_, *store_, *deliveries_, transport, SystemClock(),
                        [&](AttemptOutcome) { ++outcomes; });
  auto release_dns = [&] {
    std::lock_guard<std::mutex> lock(dns_mu);
    answer_slow = true;
    dns_cv.notify_all();
  };
  // Step returns although slow.example is still being resolved (were DNS on the dispatch
  // thread, it would not: the step is released after 5 s and the test fails).
  auto step = std::async(std::launch::async, [&] { return dispatcher.Step(); });
  if (step.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    release_dns();
    FAIL() << "Step waited for DNS";
  }
  ASSERT_TRUE(step.get().ok());
  EXPECT_TRUE(transport.WaitPending("https://8.8.8.8", 3));
  EXPECT_EQ(transport.Pending("https://slow.example"), 0u);
  EXPECT_EQ(transport.Answer("https://8.8.8.8", 200), 3);
  release_dns();
  EXPECT_TRUE(transport.WaitPending("https://slow.example", 3));
  std::lock_guard<std::mutex> lock(dns_mu);
  EXPECT_EQ(lookups, 2);  // one per endpoint: later deliveries use the cached answer
}

}  // namespace
}  // namespace webhooks

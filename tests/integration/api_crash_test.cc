// webhook-api killed with SIGKILL in the middle of a burst of appends (its log's tail may be
// torn; the restarted API repairs it before its first append): every event it answered 202 is
// delivered, and producers that retry what got no 202 with the same event_id (as they should)
// get every event delivered, each once. (An event appended but unanswered at the kill, then
// retried, is one the API or the fan-out recognises by its id; few or none of the requests in
// flight at the kill are such, so this test does not exercise that deduplication much: the
// notifier's tests do.)
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/sinks_harness.h"

namespace webhooks::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kEmitters = 4;
constexpr int kPerEmitter = 250;
constexpr int kKillAfterAcks = 200;  // 202s counted before the SIGKILL

class ApiCrashTest : public NotifierTestBase {};

TEST_F(ApiCrashTest, KillNineMidBurstLosesNoAcknowledgedEvent) {
  ASSERT_NO_FATAL_FAILURE(StartStack());
  ASSERT_NO_FATAL_FAILURE(StartNotifier(NotifierArgs("0,300ms,300ms,300ms")));
  ASSERT_FALSE(CreateHttpWebhook("burst", {"/burst"}).empty());

  // Each emitter posts its ids in order; an id that got no 202 (the API was down) is kept for
  // a retry with the same event_id.
  std::atomic<int> acks{0};
  std::vector<std::vector<std::string>> acked(kEmitters), unacked(kEmitters);
  auto post = [&](const std::string& id) {
    HttpResult r =
        stack_->Request("POST", "/v1/events",
                        R"({"event_type": "object.created", "event_id": ")" + id + "\"}", key_);
    return r.status == 202;
  };
  std::vector<std::thread> emitters;
  for (int t = 0; t < kEmitters; ++t) {
    emitters.emplace_back([&, t] {
      for (int i = 0; i < kPerEmitter; ++i) {
        const std::string id = "e" + std::to_string(t) + "-" + std::to_string(i);
        if (post(id)) {
          acked[t].push_back(id);
          ++acks;
        } else {
          unacked[t].push_back(id);
        }
      }
    });
  }
  // The emitters are joined before any assertion can return from the test.
  const bool reached = WaitUntil([&] { return acks.load() >= kKillAfterAcks; }, seconds(30));
  int status = 0;
  const bool restarted = stack_->RestartApi(SIGKILL, &status);
  for (std::thread& t : emitters) t.join();
  ASSERT_TRUE(reached) << acks.load() << " acknowledged";
  ASSERT_TRUE(restarted);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;

  size_t total_acked = 0, retried = 0;
  std::map<std::string, int> expected;  // every id, once
  for (int t = 0; t < kEmitters; ++t) {
    for (const std::string& id : acked[t]) expected[id] = 1;
    total_acked += acked[t].size();
    for (const std::string& id : unacked[t]) {
      ASSERT_TRUE(post(id)) << id;  // the API is back: the retry is acknowledged
      expected[id] = 1;
      ++retried;
    }
  }
  EXPECT_GT(retried, 0u) << "no request met the dead API: the kill came after the burst";
  std::printf("[ info ] %zu acknowledged, %zu retried after the kill\n", total_acked, retried);

  std::map<std::string, int> delivered;
  auto collect = [&] {
    delivered.clear();
    for (const ReceivedRequest& r : http_->Requests("/burst")) {
      ++delivered[StringMember(ParseJsonText(r.body), "event_id")];
    }
    return delivered.size() >= expected.size();
  };
  ASSERT_TRUE(WaitUntil(collect, seconds(60)))
      << delivered.size() << " of " << expected.size() << " delivered; " << total_acked
      << " acknowledged before or across the kill, " << retried << " retried";
  std::this_thread::sleep_for(milliseconds(500));  // room for a stray second delivery
  collect();
  EXPECT_EQ(delivered, expected);  // each once: the retries of appended events are deduplicated
}

}  // namespace
}  // namespace webhooks::testing

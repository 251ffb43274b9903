// The notifier killed with SIGKILL in the middle of a burst: after a restart every event is
// delivered at least once, and a redelivery carries the webhook-id of the original (so the
// receiver can deduplicate).
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "tests/integration/sinks_harness.h"

namespace webhooks::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kEvents = 1000;
constexpr int kEmitters = 4;
constexpr size_t kKillAfter = 200;  // requests seen by the receiver before the SIGKILL

class NotifierIntegrationCrash : public NotifierTestBase {};

TEST_F(NotifierIntegrationCrash, KillNineMidBurstLosesNothing) {
  ASSERT_NO_FATAL_FAILURE(StartStack());
  ASSERT_NO_FATAL_FAILURE(StartNotifier(NotifierArgs("0,300ms,300ms,300ms,300ms")));
  const std::string id =
      StringMember(CreateWebhook(R"({"webhook_name": "burst", "event_types": ["*"], "channels": [
        {"channel": "webhook", "configs": {"url": ")" +
                                 http_->Url("/burst") + R"("}}]})"),
                   "webhook_id");
  ASSERT_FALSE(id.empty());

  // The burst: kEvents POST /v1/events from kEmitters threads.
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  std::vector<std::vector<std::string>> emitted(kEmitters);
  std::atomic<int> rejected{0};
  std::vector<std::thread> emitters;
  for (int t = 0; t < kEmitters; ++t) {
    emitters.emplace_back([&, t] {
      for (int i = t; i < kEvents; i += kEmitters) {
        HttpResult r = stack_->Request(
            "POST", "/v1/events",
            R"({"event_type": "object.created", "metadata": {"seq": )" + std::to_string(i) + "}}",
            key_);
        rapidjson::Document d;
        d.Parse(r.body.c_str());
        if (r.status != 202 || !d.IsObject() || !d.HasMember("event_id")) {
          ++rejected;
          continue;
        }
        emitted[t].push_back(d["event_id"].GetString());
      }
    });
  }
  bool reached = WaitUntil([&] { return http_->Count("/burst") >= kKillAfter; }, seconds(30));
  const size_t seen_at_kill = http_->Count("/burst");
  const double killed_at = elapsed();
  const int status = notifier_->Kill(SIGKILL);
  for (std::thread& t : emitters) t.join();
  const double emitted_at = elapsed();
  ASSERT_TRUE(reached) << "the receiver saw only " << seen_at_kill << " requests";
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  ASSERT_EQ(rejected.load(), 0);
  EXPECT_LT(seen_at_kill, static_cast<size_t>(kEvents)) << "the kill came after the burst";
  ASSERT_TRUE(notifier_->Restart());

  std::set<std::string> all;
  for (const auto& v : emitted) all.insert(v.begin(), v.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kEvents));

  // event_id -> the webhook-id of each request that carried it.
  std::map<std::string, std::vector<std::string>> by_event;
  auto collect = [&] {
    by_event.clear();
    for (const ReceivedRequest& r : http_->Requests("/burst")) {
      by_event[StringMember(ParseJsonText(r.body), "event_id")].push_back(r.header("webhook-id"));
    }
    return by_event.size() >= all.size();
  };
  bool complete = WaitUntil(collect, seconds(60), milliseconds(100));
  collect();
  size_t missing = 0;
  for (const std::string& e : all) missing += by_event.count(e) == 0;
  ASSERT_TRUE(complete) << missing << " of " << kEvents << " events never arrived";
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(by_event.size(), all.size()) << "requests for events nobody emitted";

  size_t duplicates = 0;
  std::set<std::string> webhook_ids;
  for (const auto& [event_id, ids] : by_event) {
    duplicates += ids.size() - 1;
    for (const std::string& wid : ids) {
      EXPECT_EQ(wid, ids[0]) << "a redelivery of " << event_id << " changed its webhook-id";
    }
    EXPECT_FALSE(ids[0].empty());
    EXPECT_TRUE(webhook_ids.insert(ids[0]).second) << "webhook-id reused across events";
  }
  std::cerr << "[ crash    ] SIGKILL at " << killed_at << " s after " << seen_at_kill
            << " requests; burst emitted at " << emitted_at << " s; all delivered at " << elapsed()
            << " s; " << duplicates << " duplicate deliveries\n";
  RecordProperty("seen_at_kill", static_cast<int>(seen_at_kill));
  RecordProperty("duplicates", static_cast<int>(duplicates));
}

// A SIGHUP (config reload) replaces the running notifier instance inside the same process: the
// new instance must deliver as the first did.
TEST_F(NotifierIntegrationCrash, DeliveriesGoOnAfterAConfigReload) {
  ASSERT_NO_FATAL_FAILURE(StartStack());
  ASSERT_NO_FATAL_FAILURE(StartNotifier(NotifierArgs("0,300ms")));
  CreateWebhook(R"({"webhook_name": "reload", "event_types": ["*"], "channels": [)"
                R"({"channel": "webhook", "configs": {"url": ")" +
                http_->Url("/reload") + R"("}}]})");
  ASSERT_FALSE(Emit("object.created").empty());
  ASSERT_TRUE(WaitUntil([&] { return http_->Count("/reload") >= 1; }, seconds(10)))
      << notifier_->LogTail();
  ASSERT_EQ(kill(notifier_->pid(), SIGHUP), 0);
  ASSERT_TRUE(
      WaitUntil([&] { return notifier_->LogTail().find("config reloaded") != std::string::npos; },
                seconds(10)))
      << notifier_->LogTail();
  ASSERT_FALSE(Emit("object.created").empty());
  EXPECT_TRUE(WaitUntil([&] { return http_->Count("/reload") >= 2; }, seconds(10)))
      << notifier_->LogTail();
}

}  // namespace
}  // namespace webhooks::testing

// The notifier's transport reuses libcurl handles from one request to the next (HTTP ones stay
// configured; only the per-request options change), and spreads requests over several send
// threads; an endpoint that stops answering is sent one attempt at a time. These tests check
// what a reused handle must not carry over, that every thread count delivers (and names its
// threads), and the breaker against a receiver that really hangs.
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "tests/integration/sinks_harness.h"

namespace webhooks::testing {
namespace {

using std::chrono::seconds;

constexpr char kTwilioPath[] = "/twilio/2010-04-01/Accounts/ACtest0123456789/Messages.json";

class NotifierIntegrationTransport : public NotifierTestBase {};

// The names of the threads of process `pid` (/proc/PID/task/*/comm).
std::multiset<std::string> ThreadNames(pid_t pid) {
  std::multiset<std::string> names;
  const std::string task = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& entry : std::filesystem::directory_iterator(task)) {
    std::ifstream comm(entry.path() / "comm");
    std::string name;
    if (std::getline(comm, name)) names.insert(name);
  }
  return names;
}

// SMS requests carry Twilio's Basic credentials; webhook requests to the same receiver, sent
// on the handles the SMS requests used before (one send thread, ten rounds), must not.
TEST_F(NotifierIntegrationTransport, AReusedHandleCarriesNoCredentialsOfAnEarlierRequest) {
  ASSERT_NO_FATAL_FAILURE(StartStack(std::string(R"({")") + kTwilioPath + R"(": ["twilio"]})"));
  std::vector<std::string> args = NotifierArgs("0,300ms,300ms");
  args.insert(args.end(), {"--transport-threads", "1"});
  ASSERT_NO_FATAL_FAILURE(StartNotifier(args));
  rapidjson::Document w = CreateWebhook(R"({
    "webhook_name": "sms and webhook",
    "event_types": ["object.created"],
    "channels": [
      {"channel": "sms", "configs": {"phone_numbers": ["+15551230001"]}},
      {"channel": "webhook", "configs": {"url": ")" +
                                        http_->Url("/hook") + R"("}}
    ]})");
  ASSERT_FALSE(StringMember(w, "webhook_id").empty());

  constexpr size_t kRounds = 10;
  for (size_t i = 1; i <= kRounds; ++i) {
    ASSERT_FALSE(Emit("object.created").empty());
    // One round at a time, so the next round's requests start on the handles just freed.
    ASSERT_TRUE(WaitUntil(
        [&] { return http_->Count("/hook") >= i && http_->Count(kTwilioPath) >= i; }, seconds(15)))
        << "round " << i;
  }
  const std::string basic = "Basic " + Base64(std::string(kTwilioSid) + ":" + kTwilioToken);
  for (const ReceivedRequest& r : http_->Requests(kTwilioPath)) {
    EXPECT_EQ(r.header("authorization"), basic);
  }
  std::set<std::string> ids;
  for (const ReceivedRequest& r : http_->Requests("/hook")) {
    EXPECT_EQ(r.header("authorization"), "") << "webhook request carried credentials";
    EXPECT_EQ(r.header("content-type"), "application/json");
    ids.insert(r.header("webhook-id"));
  }
  EXPECT_EQ(ids.size(), kRounds);
}

// Every event reaches the receiver exactly once whatever the number of send threads.
TEST_F(NotifierIntegrationTransport, EveryThreadCountDeliversEachEventOnce) {
  ASSERT_NO_FATAL_FAILURE(StartStack());
  rapidjson::Document w = CreateWebhook(R"({
    "webhook_name": "threads", "event_types": ["object.created"],
    "channels": [{"channel": "webhook", "configs": {"url": ")" +
                                        http_->Url("/hook") + R"("}}]})");
  ASSERT_FALSE(StringMember(w, "webhook_id").empty());
  size_t expected = 0;
  for (const char* threads : {"1", "3"}) {
    std::vector<std::string> args = NotifierArgs("0,300ms,300ms");
    args.insert(args.end(), {"--transport-threads", threads});
    ASSERT_NO_FATAL_FAILURE(StartNotifier(args));
    // Each thread says what it does (top -H, perf): one per send thread, and the others.
    // The fan-out, recorder and history threads start once the notifier is ready, a little after
    // the "notifier started" line StartNotifier waits for, and a new thread has the process's name
    // until it names itself: wait for both to settle.
    std::multiset<std::string> names;
    EXPECT_TRUE(WaitUntil(
        [&] {
          names = ThreadNames(notifier_->pid());
          return names.count("wh-fanout") > 0 && names.count("wh-recorder") > 0 &&
                 names.count("wh-history") > 0 && names.count("webhook-notifie") == 1;
        },
        seconds(5)));
    for (const char* role :
         {"wh-fanout", "wh-recorder", "wh-history", "wh-signals", "wh-status", "wh-trim"}) {
      EXPECT_EQ(names.count(role), 1u) << role;
    }
    EXPECT_EQ(names.count("wh-send-0"), 1u);
    EXPECT_EQ(names.count("wh-send-2"), std::string(threads) == "3" ? 1u : 0u);
    EXPECT_EQ(names.count("webhook-notifie"), 1u);  // the main thread keeps the process name
    std::set<std::string> sent;
    for (int i = 0; i < 30; ++i) sent.insert(Emit("object.created"));
    expected += sent.size();
    ASSERT_TRUE(WaitUntil([&] { return http_->Count("/hook") >= expected; }, seconds(15)))
        << threads << " threads: " << http_->Count("/hook") << " of " << expected;
    std::set<std::string> got;
    for (const ReceivedRequest& r : http_->Requests("/hook")) {
      got.insert(StringMember(ParseJsonText(r.body), "event_id"));
    }
    for (const std::string& id : sent) EXPECT_EQ(got.count(id), 1u) << id;
    notifier_.reset();  // SIGTERM; the next round starts a new one on the same store
  }
  EXPECT_EQ(http_->Count("/hook"), expected);
}

// Proxies named in the environment are not used: one would connect to the target itself and
// bypass the SSRF guard's pinned address. The "proxy" here is a second receiver, which would
// see the request (with an absolute URL) if libcurl used it.
TEST_F(NotifierIntegrationTransport, ProxiesFromTheEnvironmentAreIgnored) {
  ASSERT_NO_FATAL_FAILURE(StartStack());
  std::unique_ptr<HttpReceiver> proxy = HttpReceiver::Start(Dir(), "proxy");
  ASSERT_NE(proxy, nullptr);
  const std::string proxy_url = "http://127.0.0.1:" + std::to_string(proxy->port());
  // Only the notifier's environment: this test's own API calls must not go through it.
  for (const char* name : {"http_proxy", "HTTPS_PROXY", "ALL_PROXY"}) {
    setenv(name, proxy_url.c_str(), 1);
  }
  StartNotifier(NotifierArgs("0,300ms,300ms"));
  for (const char* name : {"http_proxy", "HTTPS_PROXY", "ALL_PROXY"}) unsetenv(name);
  ASSERT_NE(notifier_, nullptr);
  rapidjson::Document w = CreateWebhook(R"({
    "webhook_name": "no proxy", "event_types": ["object.created"],
    "channels": [{"channel": "webhook", "configs": {"url": ")" +
                                        http_->Url("/hook") + R"("}}]})");
  ASSERT_FALSE(StringMember(w, "webhook_id").empty());
  ASSERT_FALSE(Emit("object.created").empty());
  EXPECT_TRUE(WaitUntil([&] { return http_->Count("/hook") == 1; }, seconds(15)))
      << notifier_->LogTail();
  EXPECT_EQ(proxy->Count(), 0u);
}

// A receiver that hangs: once 10 attempts in a row timed out (2 at a time), the endpoint gets
// one attempt at a time; its first answer gives it both slots back, and everything arrives.
TEST_F(NotifierIntegrationTransport, AnEndpointThatHangsIsProbedOneAtATimeUntilItAnswers) {
  ASSERT_NO_FATAL_FAILURE(StartStack());
  std::string rules = R"({"/dead": [)";
  for (int i = 0; i < 12; ++i) rules += R"("sleep:30", )";
  rules += R"("200"]})";
  std::unique_ptr<HttpReceiver> dead = HttpReceiver::Start(Dir(), "dead", rules);
  ASSERT_NE(dead, nullptr);
  std::vector<std::string> args = NotifierArgs("0,200ms,200ms,200ms,200ms,200ms");
  args.insert(args.end(), {"--per-endpoint-concurrency", "2"});
  ASSERT_NO_FATAL_FAILURE(StartNotifier(args));
  rapidjson::Document w = CreateWebhook(R"({
    "webhook_name": "hangs", "event_types": ["object.created"],
    "channels": [{"channel": "webhook", "configs": {"url": ")" +
                                        dead->Url("/dead") + R"(", "timeout": 1}}]})");
  const std::string id = StringMember(w, "webhook_id");
  ASSERT_FALSE(id.empty());
  for (int i = 0; i < 6; ++i) ASSERT_FALSE(Emit("object.created").empty());

  std::vector<ApiAttempt> attempts;
  auto succeeded = [&] {
    attempts = Attempts(id);
    return std::count_if(attempts.begin(), attempts.end(),
                         [](const ApiAttempt& a) { return a.status == "succeeded"; });
  };
  ASSERT_TRUE(WaitUntil([&] { return succeeded() == 6; }, seconds(30)))
      << succeeded() << " of 6 succeeded\n"
      << notifier_->LogTail();
  std::vector<ReceivedRequest> got = dead->Requests("/dead");
  ASSERT_GE(got.size(), 13u);
  // Before: two at a time. After the 10th timeout: the 11th, 12th (hanging) and 13th (answered)
  // each start once the one before timed out.
  EXPECT_LT(got[1].t - got[0].t, 0.5);
  EXPECT_GE(got[11].t - got[10].t, 0.9);
  EXPECT_GE(got[12].t - got[11].t, 0.9);
  const std::string log = notifier_->LogTail(20000);
  const size_t opened = log.find("endpoint not answering");
  ASSERT_NE(opened, std::string::npos) << log;
  EXPECT_NE(log.find("endpoint answers again", opened), std::string::npos) << log;
}

}  // namespace
}  // namespace webhooks::testing

// Failed deliveries sent again through the API, one (.../deliveries/{delivery_id}/retry) or
// those of a time window (.../deliveries/retry), against a real receiver; and one delivery's
// state (GET .../deliveries/{delivery_id}) as it goes from failed to queued to succeeded.
#include <signal.h>

#include <algorithm>
#include <set>
#include <thread>

#include "tests/integration/sinks_harness.h"

namespace webhooks::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class NotifierIntegrationManualRetry : public NotifierTestBase {};

TEST_F(NotifierIntegrationManualRetry, AFailedDeliveryRetriedThroughTheApiIsSentAgain) {
  ASSERT_NO_FATAL_FAILURE(StartStack(R"({"/recovers": ["503", "503", "200"]})"));
  ASSERT_NO_FATAL_FAILURE(StartNotifier(NotifierArgs("0,300ms")));
  const std::string id = CreateHttpWebhook("recovers", {"/recovers"});
  ASSERT_FALSE(id.empty());
  const std::string event_id = Emit("object.created");
  std::vector<ApiAttempt> attempts;
  ASSERT_TRUE(WaitUntil(
      [&] {
        attempts = Attempts(id);
        return attempts.size() == 2 && attempts[1].next_attempt_at.empty();
      },
      seconds(15)))
      << Describe(attempts);  // the schedule gave up after two 503s
  const std::string delivery = attempts[1].delivery_id;

  // Unknown deliveries, and a webhook paused in the meantime, are refused without a change.
  HttpResult unknown =
      stack_->Request("POST", RetryPath(id, "msg_000000000000ffffffffffff"), "", key_);
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  EXPECT_NE(unknown.body.find("NotFoundError"), std::string::npos) << unknown.body;
  for (const std::string& bad : {std::string(600, 'a'), std::string("msg_%2e%2e")}) {
    HttpResult not_an_id = stack_->Request("POST", RetryPath(id, bad), "", key_);
    EXPECT_EQ(not_an_id.status, 404) << not_an_id.body;
  }
  const std::string spec = R"({"webhook_name": "recovers", "event_types": ["*"], "channels": [)" +
                           HttpChannels(*http_, {"/recovers"}) + "], \"is_active\": ";
  ASSERT_EQ(
      stack_->Request("PUT", "/v1/organizations/webhooks/" + id, spec + "false}", key_).status,
      200);
  HttpResult paused = stack_->Request("POST", RetryPath(id, delivery), "", key_);
  EXPECT_EQ(paused.status, 409) << paused.body;
  EXPECT_NE(paused.body.find("inactive"), std::string::npos) << paused.body;
  ASSERT_EQ(stack_->Request("PUT", "/v1/organizations/webhooks/" + id, spec + "true}", key_).status,
            200);
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(http_->Count("/recovers"), 2u);

  // By name, as every {identifier} allows; with the notifier stopped, and the API killed (-9)
  // right after its 202: the acknowledged re-queue is on disk, and a new notifier sends it.
  ASSERT_EQ(notifier_->Kill(SIGTERM), 0);
  HttpResult retry = stack_->Request("POST", RetryPath("recovers", delivery), "", key_);
  ASSERT_EQ(retry.status, 202) << retry.body;
  ASSERT_TRUE(stack_->RestartApi(SIGKILL));
  ASSERT_TRUE(notifier_->Restart());
  rapidjson::Document body = ParseJsonText(retry.body);
  EXPECT_EQ(StringMember(body, "delivery_id"), delivery);
  EXPECT_EQ(StringMember(body, "event_id"), event_id);
  EXPECT_EQ(StringMember(body, "status"), "pending");
  ASSERT_TRUE(WaitUntil(
      [&] {
        attempts = OfChannel(Attempts(id), 0);
        return attempts.size() == 3;
      },
      seconds(15)))
      << Describe(attempts);
  // The retry is attempt 1 of a fresh schedule, for the same delivery (same webhook-id).
  const ApiAttempt& last = *std::max_element(
      attempts.begin(), attempts.end(),
      [](const ApiAttempt& a, const ApiAttempt& b) { return a.attempt_id < b.attempt_id; });
  EXPECT_EQ(last.status, "succeeded");
  EXPECT_EQ(last.attempt, 1);
  EXPECT_EQ(last.delivery_id, delivery);
  std::vector<ReceivedRequest> got = http_->Requests("/recovers");
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].header("webhook-id"), delivery);
  EXPECT_EQ(StringMember(ParseJsonText(got[2].body), "event_id"), event_id);
  EXPECT_TRUE(GetWebhook(id)["last_error"].IsNull());

  // Succeeded: nothing left to retry.
  HttpResult again = stack_->Request("POST", RetryPath(id, delivery), "", key_);
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_NE(again.body.find("has status succeeded"), std::string::npos) << again.body;
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(http_->Count("/recovers"), 3u);
}

TEST_F(NotifierIntegrationManualRetry, FailedDeliveriesOfAWindowAreRetriedTogether) {
  // Three events fail (one attempt each), then the receiver answers 200.
  ASSERT_NO_FATAL_FAILURE(StartStack(R"({"/outage": ["503", "503", "503", "200"]})"));
  ASSERT_NO_FATAL_FAILURE(StartNotifier(NotifierArgs("0")));
  const std::string id = CreateHttpWebhook("outage", {"/outage"});
  ASSERT_FALSE(id.empty());
  const std::string path = "/v1/organizations/webhooks/" + id + "/deliveries/retry";
  std::vector<std::string> events;
  for (int i = 0; i < 3; ++i) {
    events.push_back(Emit("object.created"));
    ASSERT_TRUE(WaitUntil([&] { return Attempts(id).size() == events.size(); }, seconds(15)));
  }
  const std::vector<ApiAttempt> failed = Attempts(id);
  for (const ApiAttempt& a : failed) ASSERT_EQ(a.status, "failed") << Describe(failed);

  // Bad bodies change nothing.
  for (const char* bad :
       {"", "[]", R"({"since": "yesterday"})", R"({"until": "2025-01-01T00:00:00Z"})",
        R"({"since": "2025-01-02T00:00:00Z", "until": "2025-01-01T00:00:00Z"})",
        R"({"since": "2025-01-01T00:00:00Z", "cursor": "not-a-cursor"})"}) {
    HttpResult r = stack_->Request("POST", path, bad, key_);
    EXPECT_EQ(r.status, 422) << bad << ": " << r.body;
  }
  // A window after the failures takes none of them.
  HttpResult later = stack_->Request("POST", path, R"({"since": "2200-01-01T00:00:00Z"})", key_);
  ASSERT_EQ(later.status, 202) << later.body;
  EXPECT_EQ(later.body, R"({"retried":0,"complete":true,"next_cursor":null})");
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(http_->Count("/outage"), 3u);

  // The window of the outage: all three again, each with its own webhook-id, and they succeed.
  const std::string since = failed.front().attempted_at;
  HttpResult r = stack_->Request("POST", path, R"({"since": ")" + since + R"("})", key_);
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.body, R"({"retried":3,"complete":true,"next_cursor":null})");
  std::vector<ApiAttempt> attempts;
  ASSERT_TRUE(WaitUntil(
      [&] {
        attempts = Attempts(id);
        return std::count_if(attempts.begin(), attempts.end(),
                             [](const ApiAttempt& a) { return a.status == "succeeded"; }) == 3;
      },
      seconds(15)))
      << Describe(attempts);
  std::vector<ReceivedRequest> got = http_->Requests("/outage");
  ASSERT_EQ(got.size(), 6u);
  std::set<std::string> first_ids, second_ids;
  for (size_t i = 0; i < 3; ++i) first_ids.insert(got[i].header("webhook-id"));
  for (size_t i = 3; i < 6; ++i) second_ids.insert(got[i].header("webhook-id"));
  EXPECT_EQ(first_ids.size(), 3u);
  EXPECT_EQ(first_ids, second_ids);

  // Nothing failed is left: a second call takes none.
  r = stack_->Request("POST", path, R"({"since": ")" + since + R"("})", key_);
  EXPECT_EQ(r.body, R"({"retried":0,"complete":true,"next_cursor":null})");
}

TEST_F(NotifierIntegrationManualRetry, OneDeliverysStateFollowsItsAttempts) {
  ASSERT_NO_FATAL_FAILURE(StartStack(R"({"/flaky": ["503", "200"]})"));
  ASSERT_NO_FATAL_FAILURE(StartNotifier(NotifierArgs("0")));  // one attempt, then failed
  const std::string id = CreateHttpWebhook("flaky", {"/flaky"});
  ASSERT_FALSE(id.empty());
  const std::string event_id = Emit("object.created");
  std::vector<ApiAttempt> attempts;
  ASSERT_TRUE(WaitUntil([&] { return (attempts = Attempts(id)).size() == 1; }, seconds(15)));
  const std::string delivery = attempts[0].delivery_id;
  const std::string base = "/v1/organizations/webhooks/";
  auto state = [&] {
    return ParseJsonText(
        stack_->Request("GET", base + id + "/deliveries/" + delivery, "", key_).body);
  };
  ASSERT_TRUE(WaitUntil([&] { return StringMember(state(), "status") == "failed"; }, seconds(5)));
  rapidjson::Document failed = state();
  EXPECT_EQ(StringMember(failed, "event_id"), event_id);
  EXPECT_EQ(failed["attempts"].GetInt(), 1);
  EXPECT_TRUE(failed["next_attempt_at"].IsNull());
  // Unknown, and another webhook's: 404.
  const std::string other = CreateHttpWebhook("other", {"/other"});
  for (const std::string& path : {base + id + "/deliveries/msg_000000000000ffffffffffff",
                                  base + other + "/deliveries/" + delivery}) {
    EXPECT_EQ(stack_->Request("GET", path, "", key_).status, 404) << path;
  }
  // Retried with the notifier stopped: queued, due now, no attempt yet.
  ASSERT_EQ(notifier_->Kill(SIGTERM), 0);
  ASSERT_EQ(stack_->Request("POST", RetryPath(id, delivery), "", key_).status, 202);
  rapidjson::Document queued = state();
  EXPECT_EQ(StringMember(queued, "status"), "pending");
  EXPECT_EQ(queued["attempts"].GetInt(), 0);
  EXPECT_TRUE(queued["next_attempt_at"].IsString());
  ASSERT_TRUE(notifier_->Restart());
  ASSERT_TRUE(
      WaitUntil([&] { return StringMember(state(), "status") == "succeeded"; }, seconds(15)));
  EXPECT_EQ(state()["attempts"].GetInt(), 1);
  EXPECT_TRUE(state()["next_attempt_at"].IsNull());
}

}  // namespace
}  // namespace webhooks::testing

// The notifier's retry semantics against a real receiver: the schedule, HTTP 410 disabling a
// channel (and a retry of its delivery after the owner's fix), a channel disabled after failing
// for --disable-after, and Retry-After on 429/503.
#include <algorithm>
#include <thread>

#include "model/json_input.h"
#include "tests/integration/sinks_harness.h"

namespace webhooks::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class NotifierIntegrationRetry : public NotifierTestBase {};

// `webhookctl channels failing --json` on the stack's store, parsed (the operator's view).
rapidjson::Document FailingChannels(const std::string& data_dir) {
  int rc = -1;
  const std::string out =
      RunCommand({WH_CTL_BIN, "--data-dir", data_dir, "channels", "failing", "--json"}, &rc);
  EXPECT_EQ(rc, 0) << out;
  return ParseJsonText(out);
}

TEST_F(NotifierIntegrationRetry, FailingTwiceThenSucceedingTakesThreeAttempts) {
  ASSERT_NO_FATAL_FAILURE(StartStack(R"({"/flaky": ["500", "500", "200"]})"));
  ASSERT_NO_FATAL_FAILURE(StartNotifier(NotifierArgs("0,300ms,300ms,300ms")));
  const std::string id = CreateHttpWebhook("flaky", {"/flaky"});
  ASSERT_FALSE(id.empty());
  const std::string event_id = Emit("object.updated");
  ASSERT_FALSE(event_id.empty());

  std::vector<ApiAttempt> attempts;
  ASSERT_TRUE(WaitUntil(
      [&] {
        attempts = Attempts(id);
        return std::any_of(attempts.begin(), attempts.end(),
                           [](const ApiAttempt& a) { return a.status == "succeeded"; });
      },
      seconds(15)))
      << Describe(attempts);
  // A fourth attempt would come 300 ms later: wait past that.
  std::this_thread::sleep_for(milliseconds(600));
  attempts = OfChannel(Attempts(id), 0);
  ASSERT_EQ(attempts.size(), 3u) << Describe(attempts);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(attempts[i].attempt, i + 1);
    EXPECT_EQ(attempts[i].event_id, event_id);
    EXPECT_EQ(attempts[i].delivery_id, attempts[0].delivery_id);
  }
  EXPECT_EQ(attempts[0].status, "failed");
  EXPECT_EQ(attempts[0].status_code, 500);
  EXPECT_FALSE(attempts[0].next_attempt_at.empty());
  EXPECT_EQ(attempts[1].status, "failed");
  EXPECT_EQ(attempts[1].status_code, 500);
  EXPECT_EQ(attempts[2].status, "succeeded");
  EXPECT_EQ(attempts[2].status_code, 200);

  std::vector<ReceivedRequest> got = http_->Requests("/flaky");
  ASSERT_EQ(got.size(), 3u);
  for (const ReceivedRequest& r : got) {
    EXPECT_EQ(r.header("webhook-id"), got[0].header("webhook-id"));
    EXPECT_EQ(StringMember(ParseJsonText(r.body), "event_id"), event_id);
  }
  EXPECT_EQ(got[0].header("webhook-id"), attempts[0].delivery_id);
  // The attempt log filtered by event: all three for this event, none for another.
  const std::string log = "/v1/organizations/webhooks/" + id + "/deliveries?event_id=";
  HttpResult mine = stack_->Request("GET", log + event_id, "", key_);
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_EQ(ParseJsonText(mine.body)["results"].Size(), 3u) << mine.body;
  HttpResult other = stack_->Request("GET", log + "evt_not_sent", "", key_);
  EXPECT_EQ(ParseJsonText(other.body)["results"].Size(), 0u) << other.body;
  // The schedule's 300 ms (+-20% jitter) separate the attempts.
  EXPECT_GE(got[1].t - got[0].t, 0.2);
  EXPECT_GE(got[2].t - got[1].t, 0.2);
  // The success cleared the channel's last_error.
  EXPECT_TRUE(GetWebhook(id)["last_error"].IsNull());
}

TEST_F(NotifierIntegrationRetry, FailsAfterTheLastScheduledAttempt) {
  ASSERT_NO_FATAL_FAILURE(StartStack(R"({"/down": ["503"]})"));
  ASSERT_NO_FATAL_FAILURE(StartNotifier(NotifierArgs("0,300ms,300ms")));
  const std::string id = CreateHttpWebhook("down", {"/down"});
  ASSERT_FALSE(id.empty());
  Emit("trigger.fired");

  std::vector<ApiAttempt> attempts;
  ASSERT_TRUE(WaitUntil(
      [&] {
        attempts = Attempts(id);
        return attempts.size() == 3;
      },
      seconds(15)))
      << Describe(attempts);
  std::this_thread::sleep_for(milliseconds(700));  // no fourth attempt
  attempts = OfChannel(Attempts(id), 0);
  ASSERT_EQ(attempts.size(), 3u) << Describe(attempts);
  EXPECT_EQ(http_->Count("/down"), 3u);
  for (const ApiAttempt& a : attempts) {
    EXPECT_EQ(a.status, "failed");
    EXPECT_EQ(a.status_code, 503);
  }
  EXPECT_FALSE(attempts[1].next_attempt_at.empty());
  EXPECT_TRUE(attempts[2].next_attempt_at.empty()) << attempts[2].next_attempt_at;
  EXPECT_NE(attempts[2].error.find("gave up after 3 attempts"), std::string::npos)
      << attempts[2].error;
  rapidjson::Document w = GetWebhook(id);
  ASSERT_TRUE(w["last_error"].IsObject());
  EXPECT_EQ(w["last_error"]["status_code"].GetInt(), 503);
  EXPECT_FALSE(w.HasMember("disabled_channels"));
}

// A webhook channel's own retry_schedule replaces the notifier's for that channel only.
TEST_F(NotifierIntegrationRetry, AChannelsOwnScheduleLimitsItsAttempts) {
  ASSERT_NO_FATAL_FAILURE(StartStack(R"({"/own": ["503"], "/flag": ["503"]})"));
  ASSERT_NO_FATAL_FAILURE(StartNotifier(NotifierArgs("0,200ms,200ms,200ms")));
  const std::string id =
      StringMember(CreateWebhook(R"({"webhook_name": "own", "event_types": ["*"], "channels": [
        {"channel": "webhook", "configs": {"url": ")" +
                                 http_->Url("/own") + R"(", "retry_schedule": "0,300ms"}},
        {"channel": "webhook", "configs": {"url": ")" +
                                 http_->Url("/flag") + R"("}}]})"),
                   "webhook_id");
  ASSERT_FALSE(id.empty());
  EXPECT_STREQ(GetWebhook(id)["channels"][0]["configs"]["retry_schedule"].GetString(), "0,300ms");
  Emit("object.created");

  std::vector<ApiAttempt> attempts;
  ASSERT_TRUE(WaitUntil(
      [&] {
        attempts = Attempts(id);
        return attempts.size() == 6;
      },
      seconds(15)))
      << Describe(attempts);
  std::this_thread::sleep_for(milliseconds(700));  // no more
  std::vector<ApiAttempt> own = OfChannel(Attempts(id), 0);
  ASSERT_EQ(own.size(), 2u) << Describe(own);
  EXPECT_NE(own[1].error.find("gave up after 2 attempts"), std::string::npos) << own[1].error;
  EXPECT_EQ(OfChannel(Attempts(id), 1).size(), 4u);
  EXPECT_EQ(http_->Count("/own"), 2u);
  EXPECT_EQ(http_->Count("/flag"), 4u);
  std::vector<ReceivedRequest> got = http_->Requests("/own");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_GE(got[1].t - got[0].t, 0.2);  // 300 ms, -20% jitter at most
}

TEST_F(NotifierIntegrationRetry, SlackErrorsRetryOnlyWhenTransient) {
  // chat.postMessage answers 200 with ok:false: "ratelimited" is retried, "channel_not_found"
  // is final.
  ASSERT_NO_FATAL_FAILURE(StartStack(
      R"({"/slack/chat.postMessage": ["slack-error:ratelimited", "slack-error:channel_not_found"]})"));
  ASSERT_NO_FATAL_FAILURE(StartNotifier(NotifierArgs("0,300ms,300ms,300ms")));
  const std::string id =
      StringMember(CreateWebhook(R"({"webhook_name": "slack", "event_types": ["*"],
      "channels": [{"channel": "slack", "configs": {"bot_token": "xoxb-1", "channel_id": "C1"}}]})"),
                   "webhook_id");
  ASSERT_FALSE(id.empty());
  Emit("alert.triggered");

  std::vector<ApiAttempt> attempts;
  ASSERT_TRUE(WaitUntil(
      [&] {
        attempts = Attempts(id);
        return attempts.size() == 2;
      },
      seconds(15)))
      << Describe(attempts);
  std::this_thread::sleep_for(milliseconds(700));  // no third attempt
  attempts = OfChannel(Attempts(id), 0);
  ASSERT_EQ(attempts.size(), 2u) << Describe(attempts);
  EXPECT_EQ(http_->Count("/slack/chat.postMessage"), 2u);
  EXPECT_EQ(attempts[0].status, "failed");
  EXPECT_NE(attempts[0].error.find("ratelimited"), std::string::npos) << attempts[0].error;
  EXPECT_FALSE(attempts[0].next_attempt_at.empty());
  EXPECT_EQ(attempts[1].status, "failed");
  EXPECT_NE(attempts[1].error.find("channel_not_found"), std::string::npos) << attempts[1].error;
  EXPECT_TRUE(attempts[1].next_attempt_at.empty()) << attempts[1].next_attempt_at;
  rapidjson::Document w = GetWebhook(id);
  ASSERT_TRUE(w["last_error"].IsObject());
  EXPECT_NE(StringMember(w["last_error"], "message").find("channel_not_found"), std::string::npos);
}

TEST_F(NotifierIntegrationRetry, GoneDisablesTheChannel) {
  ASSERT_NO_FATAL_FAILURE(StartStack(R"({"/gone": ["410"]})"));
  // A 410 disables whatever --disable-after says.
  std::vector<std::string> args = NotifierArgs("0,300ms,300ms");
  args.insert(args.end(), {"--disable-after", "never"});
  ASSERT_NO_FATAL_FAILURE(StartNotifier(args));
  const std::string id = CreateHttpWebhook("gone", {"/gone", "/ok"});
  ASSERT_FALSE(id.empty());
  const std::string first = Emit("object.created");

  std::vector<ApiAttempt> attempts;
  ASSERT_TRUE(WaitUntil(
      [&] {
        attempts = Attempts(id);
        return OfChannel(attempts, 0).size() == 1 && OfChannel(attempts, 1).size() == 1;
      },
      seconds(15)))
      << Describe(attempts);
  std::vector<ApiAttempt> gone = OfChannel(attempts, 0);
  EXPECT_EQ(gone[0].status, "failed");
  EXPECT_EQ(gone[0].status_code, 410);
  EXPECT_EQ(gone[0].event_id, first);
  EXPECT_TRUE(gone[0].next_attempt_at.empty()) << gone[0].next_attempt_at;
  EXPECT_EQ(OfChannel(attempts, 1)[0].status, "succeeded");

  rapidjson::Document w;
  ASSERT_TRUE(WaitUntil(
      [&] {
        w = GetWebhook(id);
        return w.HasMember("disabled_channels");
      },
      seconds(5)));
  ASSERT_TRUE(w["last_error"].IsObject());
  EXPECT_EQ(w["last_error"]["status_code"].GetInt(), 410);
  EXPECT_EQ(w["last_error"]["channel_index"].GetInt(), 0);
  EXPECT_FALSE(StringMember(w["last_error"], "message").empty());
  ASSERT_TRUE(w["disabled_channels"].IsArray());
  ASSERT_EQ(w["disabled_channels"].Size(), 1u);
  EXPECT_EQ(w["disabled_channels"][0]["channel_index"].GetInt(), 0);
  rapidjson::Document failing = FailingChannels(stack_->data_dir());  // the operator sees it
  ASSERT_TRUE(failing.IsArray() && failing.Size() == 1u) << ToJson(failing);
  EXPECT_EQ(StringMember(failing[0], "webhook_id"), id);
  EXPECT_EQ(StringMember(failing[0], "state"), "disabled");
  EXPECT_EQ(failing[0]["channel_index"].GetUint64(), 0u);

  // A later event reaches the other channel only.
  const std::string second = Emit("object.updated");
  ASSERT_TRUE(WaitUntil([&] { return http_->Count("/ok") == 2; }, seconds(15)));
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(http_->Count("/gone"), 1u);
  attempts = Attempts(id);
  EXPECT_EQ(OfChannel(attempts, 0).size(), 1u) << Describe(attempts);
  std::vector<ReceivedRequest> ok = http_->Requests("/ok");
  EXPECT_EQ(StringMember(ParseJsonText(ok[1].body), "event_id"), second);

  // Retrying the refused delivery is pointless while its channel is disabled: 409.
  HttpResult refused = stack_->Request("POST", RetryPath(id, gone[0].delivery_id), "", key_);
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_NE(refused.body.find("is disabled"), std::string::npos) << refused.body;

  // The owner fixes the endpoint with a PUT: the channel is enabled again and receives events.
  HttpResult put =
      stack_->Request("PUT", "/v1/organizations/webhooks/" + id,
                      R"({"webhook_name": "gone", "event_types": ["*"], "channels": [)" +
                          HttpChannels(*http_, {"/moved", "/ok"}) + "]}",
                      key_);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_FALSE(ParseJsonText(put.body).HasMember("disabled_channels")) << put.body;
  const std::string third = Emit("object.deleted");
  ASSERT_TRUE(WaitUntil([&] { return http_->Count("/moved") == 1; }, seconds(15)));
  EXPECT_EQ(StringMember(ParseJsonText(http_->Requests("/moved")[0].body), "event_id"), third);
  // ... and the delivery that the 410 failed can now be sent again, to the new URL.
  HttpResult retry = stack_->Request("POST", RetryPath(id, gone[0].delivery_id), "", key_);
  ASSERT_EQ(retry.status, 202) << retry.body;
  ASSERT_TRUE(WaitUntil([&] { return http_->Count("/moved") == 2; }, seconds(15)));
  ReceivedRequest resent = http_->Requests("/moved")[1];
  EXPECT_EQ(StringMember(ParseJsonText(resent.body), "event_id"), first);
  EXPECT_EQ(resent.header("webhook-id"), gone[0].delivery_id);
}

// With --disable-after 2s and one attempt per delivery, events every 300 ms to a channel that
// always answers 500: the first delivery that fails for good 2 s or more after the first failure
// disables the channel. Later events reach the other channel only, until a PUT.
TEST_F(NotifierIntegrationRetry, AChannelFailingTooLongIsDisabled) {
  ASSERT_NO_FATAL_FAILURE(StartStack(R"({"/down": ["500"]})"));
  std::vector<std::string> args = NotifierArgs("0");
  args.insert(args.end(), {"--disable-after", "2s"});
  ASSERT_NO_FATAL_FAILURE(StartNotifier(args));
  const std::string id = CreateHttpWebhook("down", {"/down", "/ok"});
  ASSERT_FALSE(id.empty());

  rapidjson::Document w;
  std::string counting;  // failing_channels as a GET showed it before the channel was disabled
  ASSERT_TRUE(WaitUntil(
      [&] {
        Emit("object.created");
        std::this_thread::sleep_for(milliseconds(300));
        w = GetWebhook(id);
        if (w.HasMember("failing_channels") && !w.HasMember("disabled_channels")) {
          counting = ToJson(w["failing_channels"]);
        }
        return w.HasMember("disabled_channels");
      },
      seconds(15)))
      << notifier_->LogTail();
  // Owners see the count running: channel 0 only, with when it began and the latest failure.
  EXPECT_NE(counting.find(R"([{"channel_index":0,"failing_since":")"), std::string::npos)
      << counting;
  EXPECT_NE(counting.find(R"(","last_failure_at":")"), std::string::npos) << counting;
  ASSERT_EQ(w["disabled_channels"].Size(), 1u);
  EXPECT_EQ(w["disabled_channels"][0]["channel_index"].GetInt(), 0);
  const std::string reason = StringMember(w["disabled_channels"][0], "reason");
  EXPECT_EQ(reason.find("every attempt failed since "), 0u) << reason;
  EXPECT_NE(reason.find(", for 2s or more"), std::string::npos) << reason;
  // Not before 2 s of failures: the first /down request came 2 s or more before the poll that
  // saw the channel disabled (polls are 300 ms apart, so disabling at an earlier failure would
  // have been seen sooner).
  const double seen_disabled =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::vector<ReceivedRequest> failed = http_->Requests("/down");
  ASSERT_GE(failed.size(), 2u);
  EXPECT_GE(seen_disabled - failed.front().t, 2.0);
  const std::string log = notifier_->LogTail(20000);
  EXPECT_NE(log.find("msg=\"channel disabled\" internal_id="), std::string::npos) << log;
  EXPECT_NE(log.find("webhook_id=" + id + " channel_index=0 cause=failing"), std::string::npos)
      << log;

  // Deliveries still queued for it are cancelled; a new event reaches /ok only.
  std::this_thread::sleep_for(milliseconds(500));
  const size_t down = http_->Count("/down");
  const size_t ok = http_->Count("/ok");
  Emit("object.updated");
  ASSERT_TRUE(WaitUntil([&] { return http_->Count("/ok") == ok + 1; }, seconds(15)));
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(http_->Count("/down"), down);

  // The owner's PUT enables it again, with a fresh count: the next failure does not disable it.
  HttpResult put =
      stack_->Request("PUT", "/v1/organizations/webhooks/" + id,
                      R"({"webhook_name": "down", "event_types": ["*"], "channels": [)" +
                          HttpChannels(*http_, {"/down", "/ok"}) + "]}",
                      key_);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_FALSE(ParseJsonText(put.body).HasMember("disabled_channels")) << put.body;
  EXPECT_FALSE(ParseJsonText(put.body).HasMember("failing_channels")) << put.body;
  Emit("object.deleted");
  ASSERT_TRUE(WaitUntil([&] { return http_->Count("/down") == down + 1; }, seconds(15)));
  ASSERT_TRUE(WaitUntil([&] { return GetWebhook(id).HasMember("failing_channels"); }, seconds(5)));
  EXPECT_FALSE(GetWebhook(id).HasMember("disabled_channels"));
}

TEST_F(NotifierIntegrationRetry, RetryAfterIsHonoured) {
  ASSERT_NO_FATAL_FAILURE(StartStack(
      R"({"/busy": ["429:retry-after=1", "200"], "/unavailable": ["503:retry-after=1", "200"]})"));
  ASSERT_NO_FATAL_FAILURE(StartNotifier(NotifierArgs("0,300ms,300ms")));
  const std::string id = CreateHttpWebhook("busy", {"/busy", "/unavailable"});
  ASSERT_FALSE(id.empty());
  Emit("cluster.execution.completed");

  ASSERT_TRUE(
      WaitUntil([&] { return http_->Count("/busy") >= 2 && http_->Count("/unavailable") >= 2; },
                seconds(15)));
  for (const char* path : {"/busy", "/unavailable"}) {
    std::vector<ReceivedRequest> got = http_->Requests(path);
    ASSERT_EQ(got.size(), 2u) << path;
    // Retry-After: 1 replaces the schedule's 300 ms.
    EXPECT_GE(got[1].t - got[0].t, 0.95) << path;
    EXPECT_LT(got[1].t - got[0].t, 5.0) << path;
    EXPECT_EQ(got[0].header("webhook-id"), got[1].header("webhook-id")) << path;
  }
  std::vector<ApiAttempt> attempts;
  ASSERT_TRUE(WaitUntil(
      [&] {
        attempts = Attempts(id);
        return attempts.size() == 4 && std::count_if(attempts.begin(), attempts.end(), [](auto& a) {
                                         return a.status == "succeeded";
                                       }) == 2;
      },
      seconds(5)))
      << Describe(attempts);
  for (int channel : {0, 1}) {
    std::vector<ApiAttempt> of = OfChannel(attempts, channel);
    ASSERT_EQ(of.size(), 2u);
    EXPECT_EQ(of[0].status_code, channel == 0 ? 429 : 503);
    EXPECT_EQ(of[0].status, "failed");
    EXPECT_FALSE(of[0].next_attempt_at.empty());
    EXPECT_EQ(of[1].status, "succeeded");
  }
}

}  // namespace
}  // namespace webhooks::testing

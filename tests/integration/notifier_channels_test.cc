// The notifier end to end: events posted to the API reach the real stand-ins of each channel
// (an HTTP receiver, a Slack and a Twilio stand-in, an aiosmtpd SMTP server) in the expected
// shape, only for active subscribed webhooks, signed so that the receivers' own library
// (npm standardwebhooks) accepts them, and never to loopback without --allow-cidr.
#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

#include "tests/integration/sinks_harness.h"

namespace webhooks::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kTwilioPath[] = "/twilio/2010-04-01/Accounts/ACtest0123456789/Messages.json";

// The header block of an RFC 5322 message, lines unfolded, as (lower-cased name, value).
std::vector<std::pair<std::string, std::string>> MailHeaders(const std::string& message) {
  std::string head = message.substr(0, message.find("\r\n\r\n"));
  std::vector<std::pair<std::string, std::string>> out;
  std::stringstream in(head);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !out.empty()) {
      out.back().second += line;
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(tolower(c));
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    out.emplace_back(name, value);
  }
  return out;
}

std::string HeaderValue(const std::vector<std::pair<std::string, std::string>>& headers,
                        const std::string& name) {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return "";
}

size_t CountSucceeded(const std::vector<ApiAttempt>& attempts) {
  return std::count_if(attempts.begin(), attempts.end(),
                       [](const ApiAttempt& a) { return a.status == "succeeded"; });
}

class NotifierIntegrationChannels : public NotifierTestBase {};

TEST_F(NotifierIntegrationChannels, EveryChannelReceivesItsRequest) {
  ASSERT_NO_FATAL_FAILURE(StartStack(std::string(R"({"/slack/chat.postMessage": ["slack-ok"], ")") +
                                         kTwilioPath + R"(": ["twilio"]})",
                                     /*with_smtp=*/true));
  ASSERT_NO_FATAL_FAILURE(StartNotifier(NotifierArgs("0,300ms,300ms")));
  rapidjson::Document w = CreateWebhook(R"({
    "webhook_name": "every channel",
    "event_types": ["object.created"],
    "channels": [
      {"channel": "webhook", "configs": {"url": ")" +
                                        http_->Url("/hook") +
                                        R"(", "headers": {"X-Custom": "yes"}}},
      {"channel": "slack", "configs": {"bot_token": "xoxb-test-token", "channel_id": "C0123456789",
                                       "workspace_id": "T0123456789"}},
      {"channel": "slack", "configs": {"webhook_url": ")" +
                                        http_->Url("/slack-incoming") +
                                        R"(", "channel": "#alerts", "username": "hooks"}},
      {"channel": "email", "configs": {"to_addresses": ["to@example.test"],
                                       "cc_addresses": ["cc@example.test"],
                                       "bcc_addresses": ["hidden@example.test"],
                                       "content_type": "plain_text"}},
      {"channel": "sms", "configs": {"phone_numbers": ["+15551230001", "+15551230002"]}}
    ]})");
  const std::string id = StringMember(w, "webhook_id");
  ASSERT_FALSE(id.empty());

  const std::string event_id =
      Emit("object.created", R"("subject": {"type": "object", "id": "obj_42"},
                                "metadata": {"source": "integration"})");
  ASSERT_FALSE(event_id.empty());
  // Six deliveries: webhook, 2 x slack, email, 2 x sms.
  std::vector<ApiAttempt> attempts;
  ASSERT_TRUE(WaitUntil(
      [&] {
        attempts = Attempts(id);
        return CountSucceeded(attempts) == 6;
      },
      seconds(15)))
      << Describe(attempts);
  EXPECT_EQ(attempts.size(), 6u) << Describe(attempts);

  // The HTTP webhook: the signed envelope with the configured header.
  std::vector<ReceivedRequest> hook = http_->Requests("/hook");
  ASSERT_EQ(hook.size(), 1u);
  EXPECT_EQ(hook[0].method, "POST");
  EXPECT_EQ(hook[0].header("content-type"), "application/json");
  EXPECT_EQ(hook[0].header("x-custom"), "yes");
  EXPECT_FALSE(hook[0].header("webhook-id").empty());
  EXPECT_FALSE(hook[0].header("webhook-timestamp").empty());
  EXPECT_EQ(hook[0].header("webhook-signature").rfind("v1,", 0), 0u)
      << hook[0].header("webhook-signature");
  rapidjson::Document envelope = ParseJsonText(hook[0].body);
  EXPECT_EQ(StringMember(envelope, "event_id"), event_id);
  EXPECT_EQ(StringMember(envelope, "event_type"), "object.created");
  EXPECT_EQ(StringMember(envelope["subject"], "id"), "obj_42");
  EXPECT_FALSE(envelope.HasMember("internal_id"));

  // Slack Web API: chat.postMessage with the bot token, JSON {channel, text}.
  std::vector<ReceivedRequest> slack = http_->Requests("/slack/chat.postMessage");
  ASSERT_EQ(slack.size(), 1u);
  EXPECT_EQ(slack[0].header("authorization"), "Bearer xoxb-test-token");
  EXPECT_EQ(slack[0].header("content-type").rfind("application/json", 0), 0u);
  rapidjson::Document slack_body = ParseJsonText(slack[0].body);
  EXPECT_EQ(StringMember(slack_body, "channel"), "C0123456789");
  EXPECT_NE(StringMember(slack_body, "text").find("object.created"), std::string::npos)
      << slack[0].body;
  EXPECT_NE(StringMember(slack_body, "text").find(event_id), std::string::npos) << slack[0].body;

  // Slack incoming webhook: JSON {channel, text, username} to the webhook_url, no token.
  std::vector<ReceivedRequest> incoming = http_->Requests("/slack-incoming");
  ASSERT_EQ(incoming.size(), 1u);
  EXPECT_EQ(incoming[0].header("authorization"), "");
  rapidjson::Document incoming_body = ParseJsonText(incoming[0].body);
  EXPECT_EQ(StringMember(incoming_body, "channel"), "#alerts");
  EXPECT_EQ(StringMember(incoming_body, "username"), "hooks");
  EXPECT_NE(StringMember(incoming_body, "text").find(event_id), std::string::npos);

  // Twilio: one form POST per number, Basic auth with the account SID and token.
  std::vector<ReceivedRequest> sms = http_->Requests(kTwilioPath);
  ASSERT_EQ(sms.size(), 2u);
  std::set<std::string> to;
  for (const ReceivedRequest& r : sms) {
    EXPECT_EQ(r.header("authorization"),
              "Basic " + Base64(std::string(kTwilioSid) + ":" + kTwilioToken));
    EXPECT_EQ(r.header("content-type"), "application/x-www-form-urlencoded");
    std::map<std::string, std::string> form = ParseForm(r.body);
    to.insert(form["To"]);
    EXPECT_EQ(form["From"], kSmsFrom);
    EXPECT_NE(form["Body"].find("object.created"), std::string::npos) << r.body;
  }
  EXPECT_EQ(to, (std::set<std::string>{"+15551230001", "+15551230002"}));

  // E-mail: one SMTP transaction to to + cc + bcc; the Bcc is in the envelope only.
  std::vector<ReceivedMail> mails = smtp_->Mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].mail_from, "noreply@webhooks.test");
  std::set<std::string> rcpt(mails[0].rcpt_tos.begin(), mails[0].rcpt_tos.end());
  EXPECT_EQ(rcpt,
            (std::set<std::string>{"to@example.test", "cc@example.test", "hidden@example.test"}));
  auto headers = MailHeaders(mails[0].content);
  EXPECT_NE(HeaderValue(headers, "subject"), "");
  EXPECT_NE(HeaderValue(headers, "subject").find("object.created"), std::string::npos);
  EXPECT_EQ(HeaderValue(headers, "message-id").front(), '<');
  EXPECT_EQ(HeaderValue(headers, "auto-submitted"), "auto-generated");
  EXPECT_EQ(HeaderValue(headers, "to"), "to@example.test");
  EXPECT_EQ(HeaderValue(headers, "cc"), "cc@example.test");
  EXPECT_EQ(HeaderValue(headers, "from"), kSmtpFrom);
  EXPECT_EQ(HeaderValue(headers, "bcc"), "");
  EXPECT_EQ(mails[0].content.find("hidden@example.test"), std::string::npos) << mails[0].content;

  // Nothing went anywhere else (e.g. no stray retries).
  EXPECT_EQ(http_->Count(), 5u);
  EXPECT_TRUE(GetWebhook(id)["last_error"].IsNull());
}

TEST_F(NotifierIntegrationChannels, InactiveAndUnsubscribedWebhooksGetNothing) {
  ASSERT_NO_FATAL_FAILURE(StartStack());
  ASSERT_NO_FATAL_FAILURE(StartNotifier(NotifierArgs("0,300ms,300ms")));
  auto hook = [&](const std::string& name, const std::string& types, const std::string& path,
                  bool active) {
    rapidjson::Document w =
        CreateWebhook(R"({"webhook_name": ")" + name + R"(", "event_types": )" + types +
                      R"(, "is_active": )" + (active ? "true" : "false") +
                      R"(, "channels": [{"channel": "webhook", "configs": {"url": ")" +
                      http_->Url(path) + R"("}}]})");
    return StringMember(w, "webhook_id");
  };
  const std::string created_only = hook("created", R"(["object.created"])", "/created", true);
  const std::string paused = hook("paused", R"(["*"])", "/paused", false);
  const std::string deleted_only =
      hook("deleted", R"(["object.deleted", "object.updated"])", "/deleted", true);
  ASSERT_FALSE(created_only.empty() || paused.empty() || deleted_only.empty());

  std::set<std::string> created_ids = {Emit("object.created"), Emit("object.created")};
  Emit("collection.created");  // nobody active subscribes to it
  const std::string sentinel = Emit("object.deleted");
  ASSERT_TRUE(WaitUntil(
      [&] { return http_->Count("/deleted") >= 1 && http_->Count("/created") >= 2; }, seconds(15)));
  // Fan-out is in log order, so everything emitted earlier has been fanned out by now; give
  // any (wrong) stray delivery a moment to arrive.
  std::this_thread::sleep_for(milliseconds(500));

  EXPECT_EQ(http_->Count("/paused"), 0u);
  EXPECT_TRUE(Attempts(paused).empty());
  std::vector<ReceivedRequest> deleted = http_->Requests("/deleted");
  ASSERT_EQ(deleted.size(), 1u);
  EXPECT_EQ(StringMember(ParseJsonText(deleted[0].body), "event_id"), sentinel);
  std::set<std::string> got;
  for (const ReceivedRequest& r : http_->Requests("/created")) {
    got.insert(StringMember(ParseJsonText(r.body), "event_id"));
  }
  EXPECT_EQ(got, created_ids);
  EXPECT_EQ(http_->Count(), 3u);
}

TEST_F(NotifierIntegrationChannels, SsrfGuardRefusesLoopbackWithoutAllowCidr) {
  ASSERT_NO_FATAL_FAILURE(StartStack());
  ASSERT_NO_FATAL_FAILURE(StartNotifier(NotifierArgs("0,300ms", /*allow_loopback=*/false)));
  rapidjson::Document w = CreateWebhook(R"({"webhook_name": "internal", "event_types": ["*"],
    "channels": [{"channel": "webhook", "configs": {"url": ")" +
                                        http_->Url("/literal") + R"("}},
                 {"channel": "webhook", "configs": {"url": "http://localhost:)" +
                                        std::to_string(http_->port()) + R"(/by-name"}}]})");
  const std::string id = StringMember(w, "webhook_id");
  ASSERT_FALSE(id.empty());
  ASSERT_FALSE(Emit("object.created").empty());

  std::vector<ApiAttempt> attempts;
  auto refused = [&](int channel) {
    return std::any_of(attempts.begin(), attempts.end(), [&](const ApiAttempt& a) {
      return a.channel_index == channel && a.status == "failed" &&
             a.error.find("SSRF guard") != std::string::npos;
    });
  };
  ASSERT_TRUE(WaitUntil(
      [&] {
        attempts = Attempts(id);
        return refused(0) && refused(1);
      },
      seconds(15)))
      << Describe(attempts);
  for (const ApiAttempt& a : attempts) {
    EXPECT_EQ(a.status, "failed");
    EXPECT_EQ(a.status_code, 0);
    EXPECT_NE(a.error.find("refused by SSRF guard"), std::string::npos) << a.error;
    EXPECT_NE(a.error.find("loopback"), std::string::npos) << a.error;
  }
  rapidjson::Document got = GetWebhook(id);
  ASSERT_TRUE(got["last_error"].IsObject()) << StringMember(got, "webhook_name");
  EXPECT_NE(StringMember(got["last_error"], "message").find("SSRF guard"), std::string::npos);
  // Let the retry (300 ms) happen too: still nothing may reach the receiver.
  std::this_thread::sleep_for(milliseconds(700));
  EXPECT_EQ(http_->Count(), 0u);
}

// Installs the receivers' npm packages from package-lock.json when they are missing.
bool EnsureNodeModules() {
  if (std::filesystem::exists(ReceiversDir() + "/node_modules/standardwebhooks/package.json")) {
    return true;
  }
  int rc = 0;
  std::string out = RunCommand(
      {"npm", "ci", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", ReceiversDir()},
      &rc);
  EXPECT_EQ(rc, 0) << "npm ci in " << ReceiversDir() << " failed: " << out;
  return rc == 0;
}

TEST_F(NotifierIntegrationChannels, SignaturesVerifyWithStandardWebhooksLibrary) {
  ASSERT_TRUE(EnsureNodeModules());
  ASSERT_NO_FATAL_FAILURE(StartStack(R"({"/signed-retried": ["500", "200"]})"));
  ASSERT_NO_FATAL_FAILURE(StartNotifier(NotifierArgs("0,300ms,300ms")));
  rapidjson::Document w = CreateWebhook(R"({"webhook_name": "signed", "event_types": ["*"],
    "channels": [{"channel": "webhook", "configs": {"url": ")" +
                                        http_->Url("/signed") +
                                        R"(", "headers": {"X-Tenant": "t1"}}},
                 {"channel": "webhook", "configs": {"url": ")" +
                                        http_->Url("/signed-retried") + R"("}}]})");
  const std::string id = StringMember(w, "webhook_id");
  ASSERT_FALSE(id.empty());
  const std::string secret = StringMember(w["channels"][0]["configs"], "signing_secret");
  const std::string retried_secret = StringMember(w["channels"][1]["configs"], "signing_secret");
  ASSERT_EQ(secret.rfind("whsec_", 0), 0u) << secret;
  ASSERT_EQ(retried_secret.rfind("whsec_", 0), 0u) << retried_secret;
  EXPECT_NE(secret, retried_secret);

  Emit("object.created", R"("metadata": {"note": "h\u00e9llo \u2713 \"quoted\" <b>&amp;</b>"})");
  Emit("collection.documents.written",
       R"("subject": {"type": "collection", "id": "col_1"}, "namespace_id": "ns_9")");
  Emit("alert.triggered", R"("metadata": {"nested": {"list": [1, 2.5, null, true]}})");
  // 3 on /signed; 4 on /signed-retried (the first attempt fails, then it is retried).
  ASSERT_TRUE(WaitUntil(
      [&] { return http_->Count("/signed") == 3 && http_->Count("/signed-retried") == 4; },
      seconds(15)))
      << http_->Count("/signed") << " " << http_->Count("/signed-retried");

  const std::string verify = ReceiversDir() + "/verify_standardwebhooks.js";
  int rc = -1;
  std::string out = RunCommand({"node", verify, http_->log_path(), secret, "/signed"}, &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "verified 3");
  out = RunCommand({"node", verify, http_->log_path(), retried_secret, "/signed-retried"}, &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "verified 4");
  // The check has teeth: another channel's secret does not verify.
  out = RunCommand({"node", verify, http_->log_path(), retried_secret, "/signed"}, &rc);
  EXPECT_NE(rc, 0) << out;
}

// A PUT with a new signing_secret rotates it: deliveries carry signatures with both secrets for
// 24 hours, so receivers on either secret accept them, through the real API and notifier.
TEST_F(NotifierIntegrationChannels, RotatedSecretSignsWithTheOldAndTheNewSecret) {
  ASSERT_TRUE(EnsureNodeModules());
  ASSERT_NO_FATAL_FAILURE(StartStack());
  ASSERT_NO_FATAL_FAILURE(StartNotifier(NotifierArgs("0,300ms,300ms")));
  const std::string body_head = R"({"webhook_name": "rotated", "event_types": ["*"],
    "channels": [{"channel": "webhook", "configs": {"url": ")" +
                                http_->Url("/rotated") + "\"";
  rapidjson::Document w = CreateWebhook(body_head + "}}]}");
  const std::string id = StringMember(w, "webhook_id");
  const std::string old_secret = StringMember(w["channels"][0]["configs"], "signing_secret");
  ASSERT_FALSE(id.empty());
  const std::string new_secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
  HttpResult put =
      stack_->Request("PUT", "/v1/organizations/webhooks/" + id,
                      body_head + R"(, "signing_secret": ")" + new_secret + "\"}}]}", key_);
  ASSERT_EQ(put.status, 200) << put.body;
  rapidjson::Document updated = ParseJsonText(put.body);
  EXPECT_EQ(StringMember(updated["channels"][0]["configs"], "previous_signing_secret"), old_secret);

  Emit("object.created", R"("metadata": {"note": "after the rotation"})");
  ASSERT_TRUE(WaitUntil([&] { return http_->Count("/rotated") == 1; }, seconds(15)));
  const std::string verify = ReceiversDir() + "/verify_standardwebhooks.js";
  for (const std::string& secret : {old_secret, new_secret}) {
    int rc = -1;
    std::string out = RunCommand({"node", verify, http_->log_path(), secret, "/rotated"}, &rc);
    EXPECT_EQ(rc, 0) << secret << ": " << out;
    EXPECT_EQ(out, "verified 1");
  }
  int rc = -1;
  std::string out = RunCommand(
      {"node", verify, http_->log_path(), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "/rotated"},
      &rc);
  EXPECT_NE(rc, 0) << "an unrelated secret verified: " << out;
}

TEST_F(NotifierIntegrationChannels, TestEndpointSendsToThatWebhookOnly) {
  ASSERT_NO_FATAL_FAILURE(StartStack());
  ASSERT_NO_FATAL_FAILURE(StartNotifier(NotifierArgs("0,300ms,300ms")));
  auto hook = [&](const std::string& name, const std::string& path) {
    return StringMember(CreateWebhook(R"({"webhook_name": ")" + name +
                                      R"(", "event_types": ["trigger.fired", "object.created"],
                         "channels": [{"channel": "webhook", "configs": {"url": ")" +
                                      http_->Url(path) + R"("}}]})"),
                        "webhook_id");
  };
  const std::string a = hook("a", "/a");
  const std::string b = hook("b", "/b");
  ASSERT_FALSE(a.empty() || b.empty());

  HttpResult r = stack_->Request("POST", "/v1/organizations/webhooks/" + a + "/test", "", key_);
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string event_id = StringMember(ParseJsonText(r.body), "event_id");
  ASSERT_FALSE(event_id.empty()) << r.body;

  std::vector<ApiAttempt> attempts;
  ASSERT_TRUE(WaitUntil(
      [&] {
        attempts = Attempts(a);
        return CountSucceeded(attempts) == 1;
      },
      seconds(15)))
      << Describe(attempts);
  std::this_thread::sleep_for(milliseconds(300));
  std::vector<ReceivedRequest> got = http_->Requests("/a");
  ASSERT_EQ(got.size(), 1u);
  rapidjson::Document envelope = ParseJsonText(got[0].body);
  EXPECT_EQ(StringMember(envelope, "event_id"), event_id);
  EXPECT_EQ(StringMember(envelope, "event_type"), "trigger.fired");
  EXPECT_EQ(StringMember(envelope["subject"], "id"), a);
  EXPECT_EQ(attempts[0].event_id, event_id);
  EXPECT_EQ(attempts[0].delivery_id, got[0].header("webhook-id"));
  EXPECT_EQ(http_->Count("/b"), 0u);
  EXPECT_TRUE(Attempts(b).empty());
  EXPECT_EQ(http_->Count(), 1u);
}

}  // namespace
}  // namespace webhooks::testing

// Disable notices end to end: a 410 disables a webhook channel, and the people behind the
// webhook's e-mail and Slack channels are told, through the real SMTP server and the Slack
// stand-in, with the notice's own text rather than the channels' event templates.
#include <algorithm>
#include <thread>

#include "model/json_input.h"
#include "tests/integration/sinks_harness.h"

namespace webhooks::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class NotifierIntegrationNotice : public NotifierTestBase {};

// The Subject header of a raw message ("" when absent).
std::string Subject(const std::string& message) {
  const size_t at = message.find("\r\nSubject: ");
  if (at == std::string::npos) return "";
  const size_t start = at + 11;
  return message.substr(start, message.find("\r\n", start) - start);
}

TEST_F(NotifierIntegrationNotice, ADisabledChannelIsAnnouncedOnTheOthers) {
  ASSERT_NO_FATAL_FAILURE(StartStack(R"({"/gone": ["410"]})", /*with_smtp=*/true));
  std::vector<std::string> args = NotifierArgs("0,300ms,300ms");
  args.insert(args.end(), {"--disable-after", "never"});
  ASSERT_NO_FATAL_FAILURE(StartNotifier(args));
  rapidjson::Document created = CreateWebhook(R"({
    "webhook_name": "billing",
    "event_types": ["*"],
    "channels": [
      {"channel": "webhook", "configs": {"url": ")" +
                                              http_->Url("/gone") + R"("}},
      {"channel": "email", "configs": {"to_addresses": ["ops@example.test"],
                                       "subject_template": "event {{ event_type }}",
                                       "content_type": "plain_text"}},
      {"channel": "slack", "configs": {"webhook_url": ")" +
                                              http_->Url("/slack-incoming") + R"("}},
      {"channel": "webhook", "configs": {"url": ")" +
                                              http_->Url("/ok") + R"("}}
    ]})");
  const std::string id = StringMember(created, "webhook_id");
  ASSERT_FALSE(id.empty());
  const std::string event = Emit("object.created");

  // The event reaches all four channels; the 410 then queues one notice each for e-mail and
  // Slack, never for the other webhook channel.
  std::vector<ReceivedMail> mails;
  ASSERT_TRUE(WaitUntil(
      [&] {
        mails = smtp_->Mails();
        return mails.size() >= 2 && http_->Count("/slack-incoming") >= 2;
      },
      seconds(15)))
      << mails.size() << " mails, " << http_->Count("/slack-incoming") << " Slack messages";
  std::this_thread::sleep_for(milliseconds(500));  // nothing more follows
  mails = smtp_->Mails();
  ASSERT_EQ(mails.size(), 2u);
  EXPECT_EQ(http_->Count("/slack-incoming"), 2u);
  EXPECT_EQ(http_->Count("/gone"), 1u);
  EXPECT_EQ(http_->Count("/ok"), 1u);

  std::vector<std::string> subjects = {Subject(mails[0].content), Subject(mails[1].content)};
  std::sort(subjects.begin(), subjects.end());
  EXPECT_EQ(subjects, (std::vector<std::string>{"[webhooks] billing: a channel was disabled",
                                                "event object.created"}));
  std::vector<ReceivedRequest> slack = http_->Requests("/slack-incoming");
  std::string notice_text;
  for (const ReceivedRequest& r : slack) {
    rapidjson::Document body = ParseJsonText(r.body);
    if (body.HasMember("blocks")) notice_text = body["blocks"][0]["text"]["text"].GetString();
  }
  EXPECT_EQ(notice_text.rfind("Channel 0 (webhook to 127.0.0.1:", 0), 0u) << notice_text;
  EXPECT_NE(notice_text.find("of webhook \"billing\" (" + id + ") was disabled: "),
            std::string::npos)
      << notice_text;
  EXPECT_NE(notice_text.find("410"), std::string::npos) << notice_text;

  // The attempt log shows the notices as deliveries of their own event, after the event's.
  std::vector<ApiAttempt> attempts = Attempts(id);
  ASSERT_EQ(attempts.size(), 6u);
  size_t notices = 0;
  for (const ApiAttempt& a : attempts) {
    if (a.event_id == event) continue;
    ++notices;
    EXPECT_EQ(a.event_type, "webhook.channel_disabled");
    EXPECT_EQ(a.event_id.rfind("evt_disabled_" + id + "_0_", 0), 0u) << a.event_id;
    EXPECT_TRUE(a.channel_index == 1 || a.channel_index == 2) << a.channel_index;
    EXPECT_EQ(a.status, "succeeded");
  }
  EXPECT_EQ(notices, 2u);
  const std::string log = notifier_->LogTail(20000);
  EXPECT_NE(log.find("webhook_id=" + id + " channel_index=0 cause=gone notices=2"),
            std::string::npos)
      << log;
}

}  // namespace
}  // namespace webhooks::testing

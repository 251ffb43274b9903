// Disable notices on the wire: each channel that reaches people sends the notice's own text
// (metadata.message), not the templates its owner wrote for events.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/crypto.h"
#include "model/json_input.h"
#include "notifier/channel_format.h"
#include "store/disable_notice.h"
#include "tests/unit/notifier_format_fixture.h"

namespace webhooks {
namespace {

// The notice for channel 0 (a webhook) of a webhook whose channel 1 is `channel`.
DeliveryContext NoticeCtx(const Channel& channel, size_t target = 0) {
  Webhook w;
  w.webhook_id = "wh_aaaaaaaaaa";
  w.internal_id = "int_AAAAAAAAAAAAAAAAAAAAAAAA";
  w.spec.webhook_name = "Billing <prod> & co";
  HttpChannel http;
  http.url = "https://hooks.example.com/in";
  w.spec.channels = {http, channel};
  std::vector<Delivery> n = ChannelDisabledNotices(w, {0}, 0, "receiver answered 410", kNow);
  EXPECT_FALSE(n.empty());
  DeliveryContext ctx = Ctx(n.empty() ? "{}" : n[0].envelope_json, target);
  ctx.notice = true;
  return ctx;
}

std::string Message(const DeliveryContext& ctx) {
  rapidjson::Document env;
  EXPECT_TRUE(ParseJson(ctx.envelope_json, &env).ok());
  return env["metadata"]["message"].GetString();
}

std::string FormBody(std::string_view body) {
  std::string out;
  const size_t at = body.find("&Body=");
  for (size_t i = at + 6; i < body.size(); ++i) {
    if (body[i] == '+') {
      out += ' ';
    } else if (body[i] == '%' && i + 2 < body.size()) {
      out += static_cast<char>(std::stoi(std::string(body.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += body[i];
    }
  }
  return out;
}

TEST(NotifierFormatNoticeTest, EmailSendsTheNoticeAsPlainText) {
  EmailChannel c;
  c.to_addresses = {"ops@example.com"};
  c.subject_template = "Invoice {{ subject.id }}";
  c.body_template = "<h1>{{ metadata.amount }}</h1>";
  c.content_type = EmailContentType::kHtml;
  const DeliveryContext ctx = NoticeCtx(c);
  ChannelEndpoints e;
  e.smtp_url = "smtp://127.0.0.1:2525";
  e.smtp_from = "noreply@example.com";
  absl::StatusOr<Outbound> out = BuildRequest(c, ctx, e);
  ASSERT_TRUE(out.ok()) << out.status();
  const std::string& mail = std::get<OutboundMail>(*out).message;
  EXPECT_NE(mail.find("Subject: [webhooks] Billing <prod> & co: a channel was disabled\r\n"),
            std::string::npos)
      << mail;
  EXPECT_NE(mail.find("Content-Type: text/plain; charset=utf-8\r\n"), std::string::npos);
  const size_t split = mail.find("\r\n\r\n");
  std::string encoded;
  for (char ch : mail.substr(split + 4)) {
    if (ch != '\r' && ch != '\n') encoded += ch;
  }
  EXPECT_EQ(Base64Decode(encoded).value_or(""), Message(ctx) + "\r\n");
  EXPECT_NE(Message(ctx).find("Billing <prod> & co"), std::string::npos);
  EXPECT_NE(Message(ctx).find("receiver answered 410"), std::string::npos);
  // The same channel sends events with its own templates.
  DeliveryContext event = ctx;
  event.notice = false;
  absl::StatusOr<Outbound> normal = BuildRequest(c, event, e);
  ASSERT_TRUE(normal.ok());
  EXPECT_NE(std::get<OutboundMail>(*normal).message.find("Subject: Invoice wh_aaaaaaaaaa\r\n"),
            std::string::npos);
}

TEST(NotifierFormatNoticeTest, SmsSendsTheNoticeToEachNumber) {
  SmsChannel c = Sms();
  c.message_template = "paid {{ metadata.amount }}";
  for (size_t target : {0u, 1u}) {
    const DeliveryContext ctx = NoticeCtx(c, target);
    OutboundHttp out = BuildHttpRequest(c, ctx, SmsEndpoints());
    EXPECT_EQ(FormBody(out.body), Message(ctx));
    EXPECT_NE(out.body.find(target == 0 ? "To=%2B15558675310" : "To=%2B15558675311"),
              std::string::npos)
        << out.body;
  }
}

TEST(NotifierFormatNoticeTest, SlackSendsTheNoticeAsASectionBlock) {
  SlackChannel c;
  c.bot_token = "xoxb-123";
  c.channel_id = "C123";
  c.blocks_template = R"([{"type":"section","text":{"type":"mrkdwn","text":"{{ subject.id }}"}}])";
  const DeliveryContext ctx = NoticeCtx(c);
  ChannelEndpoints e;
  e.slack_api_url = "https://slack.test/api";
  OutboundHttp out = BuildHttpRequest(c, ctx, e);
  rapidjson::Document body;
  ASSERT_TRUE(ParseJson(out.body, &body).ok()) << out.body;
  ASSERT_TRUE(body["blocks"].IsArray()) << out.body;
  ASSERT_EQ(body["blocks"].Size(), 1u);
  std::string expected = Message(ctx);  // as Slack's mrkdwn wants &, < and > escaped
  for (auto [from, to] : {std::pair{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}}) {
    for (size_t at = 0; (at = expected.find(from, at)) != std::string::npos; at += 4) {
      expected.replace(at, 1, to);
    }
  }
  EXPECT_EQ(std::string(body["blocks"][0]["text"]["text"].GetString()), expected);
  EXPECT_EQ(std::string(body["text"].GetString()), expected);  // in notifications too
  EXPECT_STREQ(body["channel"].GetString(), "C123");
}

}  // namespace
}  // namespace webhooks

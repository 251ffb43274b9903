// E-mail channels: the MIME message (headers, encodings, HTML, plain text, Markdown and JSON
// bodies), invalid configurations, and how SMTP replies are interpreted.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/crypto.h"
#include "model/webhook.h"
#include "notifier/channel_format.h"
#include "notifier/format_internal.h"
#include "notifier/outbound.h"
#include "tests/unit/notifier_format_fixture.h"

namespace webhooks {
namespace {

EmailChannel Email(EmailContentType type = EmailContentType::kHtml) {
  EmailChannel c;
  c.to_addresses = {"a@example.com", "b@example.com"};
  c.cc_addresses = {"c@example.com"};
  c.bcc_addresses = {"hidden@example.com"};
  c.content_type = type;
  return c;
}

ChannelEndpoints MailEndpoints() {
  ChannelEndpoints e;
  e.smtp_url = "smtp://127.0.0.1:2525";
  e.smtp_from = "Webhooks <noreply@example.com>";
  e.mail_domain = "mail.example.com";
  return e;
}

struct Mail {
  OutboundMail out;
  std::string headers;  // through the blank line
  std::string body;     // base64-decoded
};

Mail BuildMail(const EmailChannel& channel, const DeliveryContext& ctx = Ctx()) {
  Mail m;
  absl::StatusOr<Outbound> out = BuildRequest(channel, ctx, MailEndpoints());
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok() || !std::holds_alternative<OutboundMail>(*out)) return m;
  m.out = std::get<OutboundMail>(*out);
  size_t split = m.out.message.find("\r\n\r\n");
  EXPECT_NE(split, std::string::npos);
  m.headers = m.out.message.substr(0, split + 4);
  std::string encoded;
  std::string_view rest = std::string_view(m.out.message).substr(split + 4);
  while (!rest.empty()) {
    size_t eol = rest.find("\r\n");
    EXPECT_NE(eol, std::string_view::npos) << "body must end with CRLF";
    if (eol == std::string_view::npos) break;
    EXPECT_LE(eol, 76u);
    encoded += rest.substr(0, eol);
    rest.remove_prefix(eol + 2);
  }
  m.body = Base64Decode(encoded).value_or("<bad base64>");
  return m;
}

std::string MailHeaders(const std::string& subject, const std::string& content_type) {
  return "From: Webhooks <noreply@example.com>\r\n"
         "To: a@example.com, b@example.com\r\n"
         "Cc: c@example.com\r\n"
         "Subject: " +
         subject +
         "\r\n"
         "Date: Wed, 01 Jan 2025 00:00:00 +0000\r\n"
         "Message-ID: <dlv_abc@mail.example.com>\r\n"
         "Auto-Submitted: auto-generated\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: " +
         content_type +
         "\r\n"
         "Content-Transfer-Encoding: base64\r\n\r\n";
}

TEST(NotifierFormatEmailTest, DefaultHtmlMessage) {
  Mail m = BuildMail(Email());
  EXPECT_EQ(m.out.smtp_url, "smtp://127.0.0.1:2525");
  EXPECT_EQ(m.out.from, "noreply@example.com");
  EXPECT_EQ(m.out.recipients, (std::vector<std::string>{"a@example.com", "b@example.com",
                                                        "c@example.com", "hidden@example.com"}));
  EXPECT_EQ(m.headers, MailHeaders("[webhooks] invoice.paid evt_1", "text/html; charset=utf-8"));
  EXPECT_EQ(m.out.message.find("hidden@example.com"), std::string::npos);
  EXPECT_EQ(m.out.message.find("Bcc"), std::string::npos);
  EXPECT_NE(m.body.find("<h1>invoice.paid</h1>"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("<tr><th align=\"left\">event_id</th><td>evt_1</td></tr>"),
            std::string::npos);
  EXPECT_NE(m.body.find("Zoë &lt;b&gt;"), std::string::npos);
  EXPECT_EQ(m.body.find("<b>"), std::string::npos);
  EXPECT_EQ(m.body.find("<script>"), std::string::npos);
  EXPECT_EQ(m.body.find("namespace_id"), std::string::npos);  // null fields are left out
  EXPECT_EQ(m.body.find('\n'), m.body.find("\r\n") + 1);      // CRLF lines
}

TEST(NotifierFormatEmailTest, MessageIdIsStableAcrossRetries) {
  DeliveryContext later = Ctx();
  later.timestamp_s = kNow + 3600;
  Mail first = BuildMail(Email());
  Mail retry = BuildMail(Email(), later);
  EXPECT_NE(retry.headers.find("Message-ID: <dlv_abc@mail.example.com>\r\n"), std::string::npos);
  EXPECT_NE(retry.headers.find("Date: Wed, 01 Jan 2025 01:00:00 +0000\r\n"), std::string::npos);
  EXPECT_EQ(first.body, retry.body);
}

TEST(NotifierFormatEmailTest, SubjectTemplateAndEncoding) {
  EmailChannel c = Email(EmailContentType::kPlainText);
  c.subject_template = "Paid: {{subject.id}} {metadata.amount}";
  EXPECT_EQ(BuildMail(c).headers, MailHeaders("Paid: cus_9 42", "text/plain; charset=utf-8"));
  c.subject_template = "Zahlung {{metadata.name}}";
  EXPECT_EQ(BuildMail(c).headers, MailHeaders("=?UTF-8?B?" + Base64Encode("Zahlung Zoë <b>") + "?=",
                                              "text/plain; charset=utf-8"));
}

TEST(NotifierFormatEmailTest, SubjectCannotInjectHeaders) {
  EmailChannel c = Email(EmailContentType::kPlainText);
  c.subject_template = "Hi\r\nBcc: evil@example.com {{metadata.crlf}}\n";
  Mail m = BuildMail(c);
  EXPECT_EQ(m.headers, MailHeaders("Hi  Bcc: evil@example.com a  Bcc: evil@example.com ",
                                   "text/plain; charset=utf-8"));
  EXPECT_EQ(m.out.message.find("\r\nBcc:"), std::string::npos);
}

TEST(NotifierFormatEmailTest, EncodeHeaderText) {
  using format_internal::EncodeHeaderText;
  EXPECT_EQ(EncodeHeaderText("plain ascii"), "plain ascii");
  EXPECT_EQ(EncodeHeaderText(""), "");
  EXPECT_EQ(EncodeHeaderText("Zoë"), "=?UTF-8?B?Wm/Dqw==?=");
  EXPECT_EQ(EncodeHeaderText("=?x?="), "=?UTF-8?B?" + Base64Encode("=?x?=") + "?=");
  EXPECT_EQ(EncodeHeaderText("tab\there"), "=?UTF-8?B?" + Base64Encode("tab\there") + "?=");
  std::string long_text;
  for (int i = 0; i < 40; ++i) long_text += "ünï ";
  std::string encoded = EncodeHeaderText(long_text);
  std::string decoded;
  size_t pos = 0;
  while (pos < encoded.size()) {
    size_t end = encoded.find("\r\n ", pos);
    std::string word = encoded.substr(pos, end == std::string::npos ? end : end - pos);
    EXPECT_LE(word.size(), 75u);
    ASSERT_EQ(word.rfind("=?UTF-8?B?", 0), 0u) << word;
    ASSERT_EQ(word.substr(word.size() - 2), "?=");
    std::optional<std::string> part = Base64Decode(word.substr(10, word.size() - 12));
    ASSERT_TRUE(part.has_value());
    EXPECT_NE(static_cast<unsigned char>((*part)[0]) & 0xC0, 0x80u);  // whole characters
    decoded += *part;
    pos = end == std::string::npos ? encoded.size() : end + 3;
  }
  EXPECT_EQ(decoded, long_text);
}

TEST(NotifierFormatEmailTest, DateAndBase64Lines) {
  using format_internal::Base64Lines;
  using format_internal::Rfc5322Date;
  EXPECT_EQ(Rfc5322Date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(Rfc5322Date(951782400), "Tue, 29 Feb 2000 00:00:00 +0000");
  EXPECT_EQ(Rfc5322Date(1731705121), "Fri, 15 Nov 2024 21:12:01 +0000");
  EXPECT_EQ(Base64Lines(""), "");
  EXPECT_EQ(Base64Lines("abc"), "YWJj\r\n");
  std::string line57(57, 'a');
  EXPECT_EQ(Base64Lines(line57), Base64Encode(line57) + "\r\n");
  std::string two = Base64Lines(line57 + "b");
  EXPECT_EQ(two, Base64Encode(line57 + "b").substr(0, 76) + "\r\n" +
                     Base64Encode(line57 + "b").substr(76) + "\r\n");
}

TEST(NotifierFormatEmailTest, PlainTextTemplateIsNotEscaped) {
  EmailChannel c = Email(EmailContentType::kPlainText);
  c.body_template = "Event {{event_type}} <i>{{metadata.name}}</i>\nline2";
  EXPECT_EQ(BuildMail(c).body, "Event invoice.paid <i>Zoë <b></i>\r\nline2");
  c.body_template.reset();
  std::string body = BuildMail(c).body;
  EXPECT_EQ(body.rfind("Event invoice.paid\r\n\r\nevent_id: evt_1\r\n", 0), 0u) << body;
  EXPECT_NE(body.find("subject: {\"type\":\"customer\",\"id\":\"cus_9\"}\r\n"), std::string::npos);
}

TEST(NotifierFormatEmailTest, HtmlTemplateEscapesValues) {
  EmailChannel c = Email(EmailContentType::kHtml);
  c.body_template = "<p class=\"x\">{{metadata.name}} {{metadata.evil}}</p>";
  EXPECT_EQ(BuildMail(c).body,
            "<p class=\"x\">Zoë &lt;b&gt; &lt;!channel&gt; &quot;}] "
            "&lt;script&gt;x&lt;/script&gt;</p>");
}

TEST(NotifierFormatEmailTest, MarkdownIsRenderedSafely) {
  EmailChannel c = Email(EmailContentType::kMarkdown);
  c.body_template =
      "# Hi {{event_type}}\n\n<script>alert(1)</script>\n\n**{{metadata.name}}** "
      "{{metadata.evil}} [x](javascript:alert(1)) <img src=x onerror=alert(1)>\n";
  Mail m = BuildMail(c);
  EXPECT_NE(m.headers.find("Content-Type: text/html; charset=utf-8\r\n"), std::string::npos);
  EXPECT_NE(m.body.find("<h1>Hi invoice.paid</h1>"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("<strong>Zoë &lt;b&gt;</strong>"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("raw HTML omitted"), std::string::npos) << m.body;
  EXPECT_EQ(m.body.find("<script"), std::string::npos) << m.body;
  EXPECT_EQ(m.body.find("<img"), std::string::npos) << m.body;
  EXPECT_EQ(m.body.find("javascript:"), std::string::npos) << m.body;
  EXPECT_EQ(m.body.find("<b>"), std::string::npos) << m.body;

  c.body_template.reset();
  m = BuildMail(c);
  EXPECT_NE(m.body.find("<h1>invoice.paid</h1>"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("<li><strong>event_id</strong>: evt_1</li>"), std::string::npos);
  EXPECT_EQ(m.body.find("<script"), std::string::npos) << m.body;
}

TEST(NotifierFormatEmailTest, JsonBody) {
  Mail m = BuildMail(Email(EmailContentType::kJson));
  EXPECT_EQ(m.headers, MailHeaders("[webhooks] invoice.paid evt_1", "application/json"));
  EXPECT_EQ(m.body, kEnvelope);
  EmailChannel c = Email(EmailContentType::kJson);
  c.body_template = R"({"id":"{event_id}","amount":"{{metadata.amount}}"})";
  EXPECT_EQ(BuildMail(c).body, R"({"id":"evt_1","amount":42})");
}

TEST(NotifierFormatEmailTest, LongRecipientListsAreFolded) {
  EmailChannel c = Email();
  c.to_addresses.clear();
  for (int i = 0; i < 20; ++i)
    c.to_addresses.push_back("user" + std::to_string(i) + "@example.com");
  Mail m = BuildMail(c);
  size_t start = 0;
  while (start < m.headers.size()) {
    size_t eol = m.headers.find("\r\n", start);
    EXPECT_LE(eol - start, 78u) << m.headers.substr(start, eol - start);
    start = eol + 2;
  }
  EXPECT_NE(m.headers.find("user0@example.com, user1@example.com"), std::string::npos);
  EXPECT_NE(m.headers.find(",\r\n user"), std::string::npos);
  EXPECT_EQ(m.out.recipients.size(), 22u);
}

TEST(NotifierFormatEmailTest, InvalidConfigurations) {
  ChannelEndpoints e = MailEndpoints();
  e.smtp_url.clear();
  EXPECT_EQ(BuildRequest(Email(), Ctx(), e).status().code(), absl::StatusCode::kInvalidArgument);
  e = MailEndpoints();
  e.smtp_from.clear();
  EXPECT_EQ(BuildRequest(Email(), Ctx(), e).status().code(), absl::StatusCode::kInvalidArgument);
  EmailChannel c = Email();
  c.bcc_addresses = {"x@example.com\r\nRCPT TO:<y@example.com>"};
  EXPECT_EQ(BuildRequest(c, Ctx(), MailEndpoints()).status().code(),
            absl::StatusCode::kInvalidArgument);
  c = Email();
  c.to_addresses.clear();
  EXPECT_EQ(BuildRequest(c, Ctx(), MailEndpoints()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(NotifierFormatEmailTest, Interpret) {
  TransportResult rejected = Response(550, "", {});
  rejected.error = "Failed sending data to the peer";
  TransportResult ok_but_error = Response(250);
  ok_but_error.error = "connection reset";
  ExpectVerdicts(
      Email(),
      {
          {Response(250), Outcome::kSuccess, ""},
          {Response(251), Outcome::kSuccess, ""},
          {Response(221), Outcome::kSuccess, ""},
          {Response(421, "try later"), Outcome::kRetry, "SMTP 421: try later"},
          {Response(450), Outcome::kRetry, "SMTP 450"},
          {Response(550, "no such user"), Outcome::kFail, "SMTP 550: no such user"},
          {Response(554), Outcome::kFail, "SMTP 554"},
          {rejected, Outcome::kFail, "SMTP 550: Failed sending data to the peer"},
          {ok_but_error, Outcome::kRetry, "SMTP 250: connection reset"},
          {Failure("Couldn't connect to server"), Outcome::kRetry, "Couldn't connect to server"},
          {Response(0), Outcome::kRetry, "no SMTP reply"},
      });
}

}  // namespace
}  // namespace webhooks

// Per-channel requests and response interpretation: HTTP webhooks, Slack, e-mail, SMS.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "common/crypto.h"
#include "model/json_input.h"
#include "notifier/channel_format.h"
#include "notifier/format_internal.h"
#include "notifier/signer.h"

namespace webhooks {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;
using Outcome = Verdict::Outcome;

constexpr char kEnvelope[] =
    R"({"event_id":"evt_1","event_type":"invoice.paid","occurred_at":"2025-01-01T00:00:00Z",)"
    R"("namespace_id":null,"subject":{"type":"customer","id":"cus_9"},)"
    R"("metadata":{"amount":42,"name":"Zoë <b>","evil":"<!channel> \"}] <script>x</script>",)"
    R"("crlf":"a\r\nBcc: evil@example.com"},"cache_scope":null})";
constexpr char kSecret[] = "whsec_plJ3nmyCDGBKInavdOK15jsl";
constexpr int64_t kNow = 1735689600;  // 2025-01-01T00:00:00Z, a Wednesday

DeliveryContext Ctx(std::string envelope = kEnvelope, size_t target = 0) {
  return DeliveryContext{"dlv_abc", std::move(envelope), kNow, target};
}

OutboundHttp BuildHttpRequest(const Channel& channel, const DeliveryContext& ctx = Ctx(),
                              const ChannelEndpoints& endpoints = {}) {
  absl::StatusOr<Outbound> out = BuildRequest(channel, ctx, endpoints);
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok() || !std::holds_alternative<OutboundHttp>(*out)) return {};
  return std::get<OutboundHttp>(*out);
}

rapidjson::Document Json(std::string_view text) {
  rapidjson::Document doc;
  EXPECT_TRUE(ParseJson(text, &doc).ok()) << text;
  return doc;
}

TransportResult Response(int status, std::string body = "",
                         std::map<std::string, std::string> headers = {}) {
  TransportResult r;
  r.status_code = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

TransportResult Failure(std::string error) {
  TransportResult r;
  r.error = std::move(error);
  return r;
}

struct VerdictCase {
  TransportResult result;
  Outcome outcome;
  std::string error;
  std::optional<int64_t> retry_after_ms = std::nullopt;
};

void ExpectVerdicts(const Channel& channel, const std::vector<VerdictCase>& cases) {
  for (const VerdictCase& c : cases) {
    Verdict v = Interpret(channel, c.result);
    SCOPED_TRACE("status " + std::to_string(c.result.status_code) + " body '" + c.result.body +
                 "' error '" + c.result.error + "'");
    EXPECT_EQ(v.outcome, c.outcome);
    EXPECT_EQ(v.error, c.error);
    EXPECT_EQ(v.retry_after_ms, c.retry_after_ms);
  }
}

// ---------------------------------------------------------------------------------------------
// Targets.

TEST(NotifierFormatTest, TargetCount) {
  EXPECT_EQ(TargetCount(HttpChannel{}), 1u);
  EXPECT_EQ(TargetCount(SlackChannel{}), 1u);
  EXPECT_EQ(TargetCount(EmailChannel{{"a@x", "b@x"}, {"c@x"}, {}, {}, {}, {}}), 1u);
  SmsChannel sms;
  sms.phone_numbers = {"+15550000001", "+15550000002", "+15550000003"};
  EXPECT_EQ(TargetCount(sms), 3u);
}

// ---------------------------------------------------------------------------------------------
// HTTP webhooks.

HttpChannel Http() {
  HttpChannel c;
  c.url = "https://hooks.example.com/in";
  c.headers = {{"X-Api-Key", "k1"}, {"X-Tenant", "acme"}};
  c.timeout_seconds = 7.5;
  c.signing_secret = kSecret;
  return c;
}

TEST(NotifierFormatHttpTest, BuildsSignedPost) {
  OutboundHttp out = BuildHttpRequest(Http());
  EXPECT_EQ(out.url, "https://hooks.example.com/in");
  EXPECT_EQ(out.body, kEnvelope);
  EXPECT_EQ(out.timeout_seconds, 7.5);
  EXPECT_TRUE(out.guard_target);
  EXPECT_FALSE(out.basic_auth.has_value());
  const Headers want = {
      {"X-Api-Key", "k1"},
      {"X-Tenant", "acme"},
      {"Content-Type", "application/json"},
      {"User-Agent", "webhooks-notifier/1"},
      {"webhook-id", "dlv_abc"},
      {"webhook-timestamp", "1735689600"},
      {"webhook-signature", SignatureHeader(kSecret, "dlv_abc", kNow, kEnvelope)},
  };
  EXPECT_EQ(out.headers, want);
  EXPECT_TRUE(VerifySignatureHeader(kSecret, "dlv_abc", kNow, out.body, out.headers[6].second));
}

TEST(NotifierFormatHttpTest, SvixVectorThroughTheChannel) {
  HttpChannel c = Http();
  DeliveryContext ctx{"msg_loFOjxBNrRLzqYUf", R"({"event_type":"ping","data":{"success":true}})",
                      1731705121, 0};
  OutboundHttp out = BuildHttpRequest(c, ctx);
  EXPECT_EQ(out.headers.back(),
            std::make_pair(std::string("webhook-signature"),
                           std::string("v1,rAvfW3dJ/X/qxhsaXPOyyCGmRKsaKWcsNccKXlIktD0=")));
}

TEST(NotifierFormatHttpTest, UnsignedWithoutSecret) {
  HttpChannel c = Http();
  c.signing_secret.clear();
  c.headers.clear();
  OutboundHttp out = BuildHttpRequest(c);
  const Headers want = {{"Content-Type", "application/json"},
                        {"User-Agent", "webhooks-notifier/1"},
                        {"webhook-id", "dlv_abc"},
                        {"webhook-timestamp", "1735689600"}};
  EXPECT_EQ(out.headers, want);
}

TEST(NotifierFormatHttpTest, PayloadTemplateIsRenderedAndSigned) {
  HttpChannel c = Http();
  c.payload_template =
      R"({"type":"{{event_type}}","who":"{subject}","amount":"{{metadata.amount}}",)"
      R"("text":"Paid {metadata.amount} by {{ subject.id }}","none":"{{nope}}"})";
  OutboundHttp out = BuildHttpRequest(c);
  EXPECT_EQ(out.body,
            R"({"type":"invoice.paid","who":{"type":"customer","id":"cus_9"},"amount":42,)"
            R"("text":"Paid 42 by cus_9","none":null})");
  EXPECT_EQ(out.headers.back().second, SignatureHeader(kSecret, "dlv_abc", kNow, out.body));
}

TEST(NotifierFormatHttpTest, ReservedAndUnsafeConfiguredHeadersAreDropped) {
  HttpChannel c = Http();
  c.signing_secret.clear();
  c.headers = {{"content-type", "text/plain"}, {"Webhook-Signature", "v1,forged"},
               {"Host", "internal"},           {"X-Bad", "a\r\nInjected: 1"},
               {"User-Agent", "custom/2"},     {"X-Ok", "1"}};
  OutboundHttp out = BuildHttpRequest(c);
  const Headers want = {{"User-Agent", "custom/2"},
                        {"X-Ok", "1"},
                        {"Content-Type", "application/json"},
                        {"webhook-id", "dlv_abc"},
                        {"webhook-timestamp", "1735689600"}};
  EXPECT_EQ(out.headers, want);
}

TEST(NotifierFormatHttpTest, MissingUrlIsInvalid) {
  absl::StatusOr<Outbound> out = BuildRequest(HttpChannel{}, Ctx(), {});
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(NotifierFormatHttpTest, Interpret) {
  std::string long_body(5000, 'z');
  ExpectVerdicts(
      Http(),
      {
          {Response(200), Outcome::kSuccess, ""},
          {Response(201, "created"), Outcome::kSuccess, ""},
          {Response(204), Outcome::kSuccess, ""},
          {Response(299), Outcome::kSuccess, ""},
          {Failure("Connection refused"), Outcome::kRetry, "Connection refused"},
          {Failure("Timeout was reached"), Outcome::kRetry, "Timeout was reached"},
          {Response(0), Outcome::kRetry, "no response"},
          {Response(410, "bye"), Outcome::kDisable, "receiver answered 410 Gone"},
          {Response(429, "slow down", {{"retry-after", "30"}}), Outcome::kRetry,
           "HTTP 429: slow down", 30000},
          {Response(503, "", {{"retry-after", "120"}}), Outcome::kRetry, "HTTP 503", 120000},
          {Response(429), Outcome::kRetry, "HTTP 429"},
          {Response(429, "", {{"retry-after", "soon"}}), Outcome::kRetry, "HTTP 429"},
          {Response(301, "", {{"location", "http://169.254.169.254/"}}), Outcome::kRetry,
           "redirect not followed (status 301)"},
          {Response(302), Outcome::kRetry, "redirect not followed (status 302)"},
          {Response(307), Outcome::kRetry, "redirect not followed (status 307)"},
          {Response(400, "bad thing"), Outcome::kRetry, "HTTP 400: bad thing"},
          {Response(404, "  not\r\nfound\t "), Outcome::kRetry, "HTTP 404: not  found"},
          {Response(500, "oops"), Outcome::kRetry, "HTTP 500: oops"},
          {Response(502), Outcome::kRetry, "HTTP 502"},
          {Response(500, long_body), Outcome::kRetry, "HTTP 500: " + std::string(200, 'z')},
          {Response(100), Outcome::kRetry, "HTTP 100"},
      });
  // An excerpt never splits a UTF-8 character.
  std::string accents;
  for (int i = 0; i < 150; ++i) accents += "é";
  Verdict v = Interpret(Http(), Response(500, accents));
  EXPECT_EQ(v.error, "HTTP 500: " + accents.substr(0, 200));
}

// ---------------------------------------------------------------------------------------------
// Slack.

SlackChannel SlackBot() {
  SlackChannel c;
  c.bot_token = "xoxb-123";
  c.channel_id = "C123";
  return c;
}

SlackChannel SlackHook() {
  SlackChannel c;
  c.webhook_url = "https://hooks.slack.test/services/T/B/X";
  return c;
}

ChannelEndpoints SlackEndpoints() {
  ChannelEndpoints e;
  e.slack_api_url = "https://slack.test/api/";
  return e;
}

TEST(NotifierFormatSlackTest, BuildsWebApiRequest) {
  OutboundHttp out = BuildHttpRequest(SlackBot(), Ctx(), SlackEndpoints());
  EXPECT_EQ(out.url, "https://slack.test/api/chat.postMessage");
  EXPECT_FALSE(out.guard_target);
  const Headers want = {{"Authorization", "Bearer xoxb-123"},
                        {"Content-Type", "application/json; charset=utf-8"},
                        {"User-Agent", "webhooks-notifier/1"}};
  EXPECT_EQ(out.headers, want);
  EXPECT_EQ(out.body,
            R"x({"channel":"C123","text":"*invoice.paid* event evt_1 (subject customer cus_9)"})x");
}

TEST(NotifierFormatSlackTest, DefaultTextEscapesValues) {
  OutboundHttp out = BuildHttpRequest(
      SlackBot(), Ctx(R"({"event_id":"<!channel> & co","event_type":"x.y","subject":null})"),
      SlackEndpoints());
  EXPECT_EQ(Json(out.body)["text"].GetString(),
            std::string("*x.y* event &lt;!channel&gt; &amp; co"));
  out = BuildHttpRequest(SlackBot(),
                         Ctx(R"({"event_id":"e","event_type":"t",)"
                             R"("subject":{"type":"user"}})"),
                         SlackEndpoints());
  EXPECT_EQ(Json(out.body)["text"].GetString(), std::string("*t* event e (subject user)"));
}

TEST(NotifierFormatSlackTest, BlocksFromJsonTemplate) {
  SlackChannel c = SlackBot();
  c.username = "bot";
  c.blocks_template =
      R"([{"type":"section","text":{"type":"mrkdwn","text":"*{{event_type}}* {{metadata.evil}}"}},)"
      R"({"type":"context","elements":[{"type":"plain_text","text":"{{metadata.amount}}"}]}])";
  OutboundHttp out = BuildHttpRequest(c, Ctx(), SlackEndpoints());
  rapidjson::Document body = Json(out.body);
  EXPECT_STREQ(body["username"].GetString(), "bot");
  ASSERT_TRUE(body["blocks"].IsArray());
  EXPECT_EQ(std::string(body["blocks"][0]["text"]["text"].GetString()),
            "*invoice.paid* &lt;!channel&gt; \"}] &lt;script&gt;x&lt;/script&gt;");
  EXPECT_EQ(body["blocks"][1]["elements"][0]["text"].GetInt(), 42);
}

TEST(NotifierFormatSlackTest, BlocksFromTextTemplate) {
  SlackChannel c = SlackBot();
  c.blocks_template = R"([{"n": {{metadata.amount}}, "t": "{{metadata.evil}}"}])";
  rapidjson::Document body = Json(BuildHttpRequest(c, Ctx(), SlackEndpoints()).body);
  ASSERT_TRUE(body.HasMember("blocks"));
  EXPECT_EQ(body["blocks"][0]["n"].GetInt(), 42);
  EXPECT_EQ(std::string(body["blocks"][0]["t"].GetString()),
            "&lt;!channel&gt; \"}] &lt;script&gt;x&lt;/script&gt;");
  EXPECT_EQ(body["blocks"].Size(), 1u);
}

TEST(NotifierFormatSlackTest, BlocksOmittedUnlessArray) {
  for (const char* tmpl : {R"({"type":"section"})", "not json {{", "{{metadata.amount}}", "[",
                           R"([{"x": {{subject}} ])"}) {
    SlackChannel c = SlackBot();
    c.blocks_template = tmpl;
    rapidjson::Document body = Json(BuildHttpRequest(c, Ctx(), SlackEndpoints()).body);
    EXPECT_FALSE(body.HasMember("blocks")) << tmpl;
    EXPECT_TRUE(body.HasMember("text")) << tmpl;
  }
}

TEST(NotifierFormatSlackTest, BuildsIncomingWebhookRequest) {
  SlackChannel c = SlackHook();
  c.channel = "#alerts";
  c.username = "webhooks";
  c.icon_emoji = ":bell:";
  c.icon_url = "https://example.com/i.png";
  OutboundHttp out = BuildHttpRequest(c, Ctx(), SlackEndpoints());
  EXPECT_EQ(out.url, "https://hooks.slack.test/services/T/B/X");
  EXPECT_TRUE(out.guard_target);
  const Headers want = {{"Content-Type", "application/json; charset=utf-8"},
                        {"User-Agent", "webhooks-notifier/1"}};
  EXPECT_EQ(out.headers, want);
  EXPECT_EQ(
      out.body,
      R"x({"channel":"#alerts","text":"*invoice.paid* event evt_1 (subject customer cus_9)",)x"
      R"("username":"webhooks","icon_emoji":":bell:","icon_url":"https://example.com/i.png"})");
  out = BuildHttpRequest(SlackHook(), Ctx(), SlackEndpoints());
  EXPECT_EQ(out.body, R"x({"text":"*invoice.paid* event evt_1 (subject customer cus_9)"})x");
}

TEST(NotifierFormatSlackTest, InvalidConfigurations) {
  EXPECT_EQ(BuildRequest(SlackChannel{}, Ctx(), SlackEndpoints()).status().code(),
            absl::StatusCode::kInvalidArgument);
  ChannelEndpoints no_api;
  no_api.slack_api_url = "";
  EXPECT_EQ(BuildRequest(SlackBot(), Ctx(), no_api).status().code(),
            absl::StatusCode::kInvalidArgument);
  SlackChannel bad = SlackBot();
  bad.bot_token = "xoxb\r\nX-Injected: 1";
  EXPECT_EQ(BuildRequest(bad, Ctx(), SlackEndpoints()).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Only a channel_id: falls back to webhook_url, which is missing.
  SlackChannel half;
  half.channel_id = "C1";
  EXPECT_EQ(BuildRequest(half, Ctx(), SlackEndpoints()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(NotifierFormatSlackTest, InterpretWebApi) {
  std::string truncated =
      R"({"ok":true,"channel":"C123","ts":"1.2","message":{"text":")" + std::string(4000, 'x');
  ExpectVerdicts(
      SlackBot(),
      {
          {Response(200, R"({"ok":true,"channel":"C123","ts":"1503435956.000247"})"),
           Outcome::kSuccess, ""},
          {Response(200, R"({ "ok" : true })"), Outcome::kSuccess, ""},
          {Response(200, truncated), Outcome::kSuccess, ""},
          {Response(200, R"({"ok":false,"error":"channel_not_found"})"), Outcome::kFail,
           "slack error: channel_not_found"},
          {Response(200, R"({"ok":false,"error":"invalid_auth"})"), Outcome::kFail,
           "slack error: invalid_auth"},
          {Response(200, R"({"ok":false})"), Outcome::kFail, "slack error: unknown"},
          {Response(200, R"({"ok":false,"error":"ratelimited"})", {{"retry-after", "3"}}),
           Outcome::kRetry, "slack error: ratelimited", 3000},
          {Response(200, R"({"ok":false,"error":"rate_limited"})"), Outcome::kRetry,
           "slack error: rate_limited"},
          {Response(200, R"({"ok":false,"error":"internal_error"})"), Outcome::kRetry,
           "slack error: internal_error"},
          {Response(200, R"({"ok":false,"error":"fatal_error"})"), Outcome::kRetry,
           "slack error: fatal_error"},
          {Response(200, R"({"ok":false,"error":"request_timeout"})"), Outcome::kRetry,
           "slack error: request_timeout"},
          {Response(200, R"({"ok":false,"error":"service_unavailable"})"), Outcome::kRetry,
           "slack error: service_unavailable"},
          {Response(200, "<html>"), Outcome::kRetry,
           "slack: unexpected response (HTTP 200: <html>)"},
          {Response(429, "", {{"retry-after", "5"}}), Outcome::kRetry, "HTTP 429", 5000},
          {Response(500, "down"), Outcome::kRetry, "HTTP 500: down"},
          {Response(503, "", {{"retry-after", "1"}}), Outcome::kRetry, "HTTP 503", 1000},
          {Response(302), Outcome::kRetry, "redirect not followed (status 302)"},
          {Response(410), Outcome::kDisable, "receiver answered 410 Gone"},
          {Failure("Could not resolve host"), Outcome::kRetry, "Could not resolve host"},
      });
}

TEST(NotifierFormatSlackTest, InterpretIncomingWebhook) {
  ExpectVerdicts(
      SlackHook(),
      {
          {Response(200, "ok"), Outcome::kSuccess, ""},
          {Response(200, R"({"ok":false,"error":"x"})"), Outcome::kSuccess, ""},
          {Response(404, "no_service"), Outcome::kRetry, "HTTP 404: no_service"},
          {Response(410, "channel_is_archived"), Outcome::kDisable, "receiver answered 410 Gone"},
          {Response(429, "", {{"retry-after", "9"}}), Outcome::kRetry, "HTTP 429", 9000},
          {Response(301), Outcome::kRetry, "redirect not followed (status 301)"},
          {Failure("timeout"), Outcome::kRetry, "timeout"},
      });
}

// ---------------------------------------------------------------------------------------------
// E-mail.

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

// ---------------------------------------------------------------------------------------------
// SMS.

SmsChannel Sms() {
  SmsChannel c;
  c.phone_numbers = {"+15558675310", "+15558675311"};
  return c;
}

ChannelEndpoints SmsEndpoints() {
  ChannelEndpoints e;
  e.twilio_api_url = "https://api.twilio.test/";
  e.twilio_account_sid = "AC123";
  e.twilio_auth_token = "tok";
  e.sms_from = "+15017122661";
  return e;
}

// Inverse of FormEncode, for checking bodies.
std::string FormDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%' && i + 2 < text.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

TEST(NotifierFormatSmsTest, BuildsTwilioRequest) {
  OutboundHttp out = BuildHttpRequest(Sms(), Ctx(kEnvelope, 1), SmsEndpoints());
  EXPECT_EQ(out.url, "https://api.twilio.test/2010-04-01/Accounts/AC123/Messages.json");
  EXPECT_FALSE(out.guard_target);
  EXPECT_EQ(out.basic_auth, std::make_pair(std::string("AC123"), std::string("tok")));
  const Headers want = {{"Content-Type", "application/x-www-form-urlencoded"},
                        {"User-Agent", "webhooks-notifier/1"}};
  EXPECT_EQ(out.headers, want);
  EXPECT_EQ(out.body, "To=%2B15558675311&From=%2B15017122661&Body=invoice.paid%3A+evt_1");
  out = BuildHttpRequest(Sms(), Ctx(kEnvelope, 0), SmsEndpoints());
  EXPECT_EQ(out.body.substr(0, 17), "To=%2B15558675310");
}

TEST(NotifierFormatSmsTest, MessageTemplate) {
  SmsChannel c = Sms();
  c.message_template = "Paid {{metadata.amount}} & more = ok? {{metadata.name}}";
  OutboundHttp out = BuildHttpRequest(c, Ctx(), SmsEndpoints());
  EXPECT_EQ(out.body.substr(out.body.find("&Body=")),
            "&Body=Paid+42+%26+more+%3D+ok%3F+Zo%C3%AB+%3Cb%3E");
}

TEST(NotifierFormatSmsTest, BodyIsCutAt1600Characters) {
  SmsChannel c = Sms();
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "é";
  c.message_template = text;
  OutboundHttp out = BuildHttpRequest(c, Ctx(), SmsEndpoints());
  std::string body = FormDecode(out.body.substr(out.body.find("&Body=") + 6));
  EXPECT_EQ(body, text.substr(0, 3200));
  c.message_template = std::string(1600, 'a');
  out = BuildHttpRequest(c, Ctx(), SmsEndpoints());
  EXPECT_EQ(FormDecode(out.body.substr(out.body.find("&Body=") + 6)), std::string(1600, 'a'));
}

TEST(NotifierFormatSmsTest, FormEncode) {
  using format_internal::FormEncode;
  EXPECT_EQ(FormEncode(""), "");
  EXPECT_EQ(FormEncode("AZaz09*-._"), "AZaz09*-._");
  EXPECT_EQ(FormEncode("a b+c/é~&=?#%\n"), "a+b%2Bc%2F%C3%A9%7E%26%3D%3F%23%25%0A");
  EXPECT_EQ(FormDecode(FormEncode("round trip: ü & +1 %")), "round trip: ü & +1 %");
}

TEST(NotifierFormatSmsTest, InvalidConfigurations) {
  for (int missing = 0; missing < 4; ++missing) {
    ChannelEndpoints e = SmsEndpoints();
    if (missing == 0) e.twilio_account_sid.clear();
    if (missing == 1) e.twilio_auth_token.clear();
    if (missing == 2) e.sms_from.clear();
    if (missing == 3) e.twilio_api_url.clear();
    EXPECT_EQ(BuildRequest(Sms(), Ctx(), e).status().code(), absl::StatusCode::kInvalidArgument)
        << missing;
  }
  EXPECT_EQ(BuildRequest(Sms(), Ctx(kEnvelope, 2), SmsEndpoints()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(NotifierFormatSmsTest, Interpret) {
  ExpectVerdicts(
      Sms(),
      {
          {Response(201, R"({"sid":"SM1","status":"queued"})"), Outcome::kSuccess, ""},
          {Response(200), Outcome::kSuccess, ""},
          {Response(429, R"({"code":20429})", {{"retry-after", "2"}}), Outcome::kRetry,
           R"(HTTP 429: {"code":20429})", 2000},
          {Response(500), Outcome::kRetry, "HTTP 500"},
          {Response(503, "busy"), Outcome::kRetry, "HTTP 503: busy"},
          {Response(400, R"({"code":21211,"message":"The 'To' number is not valid.",)"
                         R"("more_info":"https://www.twilio.com/docs/errors/21211","status":400})"),
           Outcome::kFail, "HTTP 400: twilio error 21211: The 'To' number is not valid."},
          {Response(401, R"({"code":20003,"message":"Authenticate"})"), Outcome::kFail,
           "HTTP 401: twilio error 20003: Authenticate"},
          {Response(404, R"({"message":"Not found"})"), Outcome::kFail,
           "HTTP 404: twilio error: Not found"},
          {Response(403, "Forbidden"), Outcome::kFail, "HTTP 403: Forbidden"},
          {Response(302), Outcome::kRetry, "redirect not followed (status 302)"},
          {Failure("SSL connect error"), Outcome::kRetry, "SSL connect error"},
          {Response(0), Outcome::kRetry, "no response"},
      });
}

TEST(NotifierFormatTest, NonObjectEnvelopeStillBuilds) {
  OutboundHttp sms = BuildHttpRequest(Sms(), Ctx("not json"), SmsEndpoints());
  EXPECT_EQ(sms.body.substr(sms.body.find("&Body=")), "&Body=%3A+");
  OutboundHttp http = BuildHttpRequest(Http(), Ctx("not json"));
  EXPECT_EQ(http.body, "not json");
}

}  // namespace
}  // namespace webhooks

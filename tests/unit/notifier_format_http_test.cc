// HTTP webhook channels: the signed POST, its headers and payload template, and how responses are
// interpreted.
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/webhook.h"
#include "notifier/channel_format.h"
#include "notifier/outbound.h"
#include "notifier/signer.h"
#include "tests/unit/notifier_format_fixture.h"

namespace webhooks {
namespace {

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

TEST(NotifierFormatHttpTest, RotationSignsWithBothSecretsUntilThePreviousExpires) {
  constexpr char kOld[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  HttpChannel c = Http();
  c.previous_signing_secret = kOld;
  c.previous_secret_expires_ms = (kNow + 1) * 1000;
  OutboundHttp during = BuildHttpRequest(c);
  const std::string& header = during.headers.back().second;
  EXPECT_EQ(header, SignatureHeader(kSecret, "dlv_abc", kNow, kEnvelope) + " " +
                        SignatureHeader(kOld, "dlv_abc", kNow, kEnvelope));
  // A receiver still on the old secret and one already on the new one both accept it.
  EXPECT_TRUE(VerifySignatureHeader(kSecret, "dlv_abc", kNow, during.body, header));
  EXPECT_TRUE(VerifySignatureHeader(kOld, "dlv_abc", kNow, during.body, header));

  c.previous_secret_expires_ms = kNow * 1000;  // expired at the signing second
  OutboundHttp after = BuildHttpRequest(c);
  EXPECT_EQ(after.headers.back().second, SignatureHeader(kSecret, "dlv_abc", kNow, kEnvelope));
  EXPECT_FALSE(
      VerifySignatureHeader(kOld, "dlv_abc", kNow, after.body, after.headers.back().second));
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

}  // namespace
}  // namespace webhooks

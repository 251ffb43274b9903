// Shared by the channel format tests (notifier_format_*_test.cc): the event envelope and delivery
// context, the HTTP and SMS channels, transport results and the check of Interpret's verdicts.
#ifndef WEBHOOKS_TESTS_UNIT_NOTIFIER_FORMAT_FIXTURE_H_
#define WEBHOOKS_TESTS_UNIT_NOTIFIER_FORMAT_FIXTURE_H_

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "model/webhook.h"
#include "notifier/channel_format.h"
#include "notifier/outbound.h"

namespace webhooks {

using Headers = std::vector<std::pair<std::string, std::string>>;
using Outcome = Verdict::Outcome;

inline constexpr char kEnvelope[] =
    R"({"event_id":"evt_1","event_type":"invoice.paid","occurred_at":"2025-01-01T00:00:00Z",)"
    R"("namespace_id":null,"subject":{"type":"customer","id":"cus_9"},)"
    R"("metadata":{"amount":42,"name":"Zoë <b>","evil":"<!channel> \"}] <script>x</script>",)"
    R"("crlf":"a\r\nBcc: evil@example.com"},"cache_scope":null})";
inline constexpr char kSecret[] = "whsec_plJ3nmyCDGBKInavdOK15jsl";
inline constexpr int64_t kNow = 1735689600;  // 2025-01-01T00:00:00Z, a Wednesday

inline DeliveryContext Ctx(std::string envelope = kEnvelope, size_t target = 0) {
  return DeliveryContext{"dlv_abc", std::move(envelope), kNow, target};
}

inline OutboundHttp BuildHttpRequest(const Channel& channel, const DeliveryContext& ctx = Ctx(),
                                     const ChannelEndpoints& endpoints = {}) {
  absl::StatusOr<Outbound> out = BuildRequest(channel, ctx, endpoints);
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok() || !std::holds_alternative<OutboundHttp>(*out)) return {};
  return std::get<OutboundHttp>(*out);
}

inline TransportResult Response(int status, std::string body = "",
                                std::map<std::string, std::string> headers = {}) {
  TransportResult r;
  r.status_code = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

inline TransportResult Failure(std::string error) {
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

inline void ExpectVerdicts(const Channel& channel, const std::vector<VerdictCase>& cases) {
  for (const VerdictCase& c : cases) {
    Verdict v = Interpret(channel, c.result);
    SCOPED_TRACE("status " + std::to_string(c.result.status_code) + " body '" + c.result.body +
                 "' error '" + c.result.error + "'");
    EXPECT_EQ(v.outcome, c.outcome);
    EXPECT_EQ(v.error, c.error);
    EXPECT_EQ(v.retry_after_ms, c.retry_after_ms);
  }
}

// An HTTP channel with two configured headers and a signing secret.
inline HttpChannel Http() {
  HttpChannel c;
  c.url = "https://hooks.example.com/in";
  c.headers = {{"X-Api-Key", "k1"}, {"X-Tenant", "acme"}};
  c.timeout_seconds = 7.5;
  c.signing_secret = kSecret;
  return c;
}

// An SMS channel with two numbers (two targets), and the Twilio endpoints it is sent to.
inline SmsChannel Sms() {
  SmsChannel c;
  c.phone_numbers = {"+15558675310", "+15558675311"};
  return c;
}

inline ChannelEndpoints SmsEndpoints() {
  ChannelEndpoints e;
  e.twilio_api_url = "https://api.twilio.test/";
  e.twilio_account_sid = "AC123";
  e.twilio_auth_token = "tok";
  e.sms_from = "+15017122661";
  return e;
}

}  // namespace webhooks

#endif  // WEBHOOKS_TESTS_UNIT_NOTIFIER_FORMAT_FIXTURE_H_

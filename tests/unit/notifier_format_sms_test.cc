// SMS channels: the Twilio request, its form-encoded body and message template, and how responses
// are interpreted.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "notifier/channel_format.h"
#include "notifier/format_internal.h"
#include "notifier/outbound.h"
#include "tests/unit/notifier_format_fixture.h"

namespace webhooks {
namespace {

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

}  // namespace
}  // namespace webhooks

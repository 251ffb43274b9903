// The SMS channel: Twilio Programmable Messaging, one message per phone number.
#include <string>

#include "model/json_input.h"
#include "model/template.h"
#include "notifier/format_internal.h"

namespace webhooks::format_internal {
namespace {

constexpr size_t kMaxSmsChars = 1600;  // Twilio's Body limit

// The first `max_chars` UTF-8 characters of `text`.
std::string_view FirstChars(std::string_view text, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && chars++ == max_chars) {
      return text.substr(0, i);
    }
  }
  return text;
}

// "twilio error <code>: <message>" from Twilio's JSON error body, or "" when it has neither.
std::string TwilioError(std::string_view body) {
  rapidjson::Document doc;
  if (!ParseJson(body, &doc).ok() || !doc.IsObject()) return "";
  std::string code;
  std::string message;
  if (auto it = doc.FindMember("code"); it != doc.MemberEnd() && !it->value.IsNull()) {
    code = it->value.IsString() ? it->value.GetString() : ToJson(it->value);
  }
  if (auto it = doc.FindMember("message"); it != doc.MemberEnd() && it->value.IsString()) {
    message = std::string(it->value.GetString(), it->value.GetStringLength());
  }
  if (code.empty() && message.empty()) return "";
  std::string error = "twilio error";
  if (!code.empty()) error += " " + code;
  if (!message.empty()) error += ": " + message;
  return error;
}

}  // namespace

std::string FormEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3 / 2);
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '*' || c == '-' || c == '.' || c == '_';
    if (keep) {
      out.push_back(ch);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

absl::StatusOr<Outbound> BuildSms(const SmsChannel& channel, const DeliveryContext& ctx,
                                  const ChannelEndpoints& endpoints) {
  if (endpoints.twilio_account_sid.empty() || endpoints.twilio_auth_token.empty()) {
    return absl::InvalidArgumentError("sms needs --twilio-account-sid and --twilio-auth-token");
  }
  if (endpoints.sms_from.empty()) return absl::InvalidArgumentError("sms needs --sms-from");
  if (endpoints.twilio_api_url.empty()) {
    return absl::InvalidArgumentError("sms needs --twilio-api-url");
  }
  if (ctx.target_index >= channel.phone_numbers.size()) {
    return absl::InvalidArgumentError("sms target_index " + std::to_string(ctx.target_index) +
                                      " out of range (" +
                                      std::to_string(channel.phone_numbers.size()) + " numbers)");
  }
  rapidjson::Document env = ParseEnvelope(ctx.envelope_json);
  std::string text = channel.message_template
                         ? RenderTemplate(*channel.message_template, env)
                         : Field(env, "event_type") + ": " + Field(env, "event_id");
  OutboundHttp out;
  out.url = std::string(TrimTrailingSlash(endpoints.twilio_api_url)) + "/2010-04-01/Accounts/" +
            FormEncode(endpoints.twilio_account_sid) + "/Messages.json";
  out.guard_target = false;  // the operator's configured API
  out.basic_auth.emplace(endpoints.twilio_account_sid, endpoints.twilio_auth_token);
  out.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  out.headers.emplace_back("User-Agent", std::string(kUserAgent));
  out.body = "To=" + FormEncode(channel.phone_numbers[ctx.target_index]) +
             "&From=" + FormEncode(endpoints.sms_from) +
             "&Body=" + FormEncode(FirstChars(text, kMaxSmsChars));
  return Outbound(std::move(out));
}

Verdict InterpretSms(const TransportResult& result) {
  if (!result.error.empty()) return RetryVerdict(result.error);
  const int status = result.status_code;
  if (status == 0) return RetryVerdict("no response");
  if (status >= 200 && status < 300) return SuccessVerdict();
  if (status == 429) return RetryVerdict(HttpError(result), RetryAfterMs(result));
  if (status >= 500) return RetryVerdict(HttpError(result));
  if (status >= 400) {
    std::string twilio = TwilioError(result.body);
    return FailVerdict(twilio.empty() ? HttpError(result)
                                      : "HTTP " + std::to_string(status) + ": " + twilio);
  }
  if (status >= 300) {
    return RetryVerdict("redirect not followed (status " + std::to_string(status) + ")");
  }
  return RetryVerdict(HttpError(result));
}

}  // namespace webhooks::format_internal

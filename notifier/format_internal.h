// Private to notifier/channel_format.cc and notifier/format_*.cc (and their unit tests): the
// per-channel builders and interpreters, and the small text helpers they share.
#ifndef WEBHOOKS_NOTIFIER_FORMAT_INTERNAL_H_
#define WEBHOOKS_NOTIFIER_FORMAT_INTERNAL_H_

#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "model/webhook.h"
#include "notifier/channel_format.h"
#include "notifier/outbound.h"

namespace webhooks::format_internal {

inline constexpr std::string_view kUserAgent = "webhooks-notifier/1";

// ---- Envelope and text helpers (channel_format.cc).

// The envelope parsed; an empty object when `json` is not a JSON object.
rapidjson::Document ParseEnvelope(std::string_view json);

// envelope[name] as text: strings raw, other values compact JSON, "" when absent or null.
std::string Field(const rapidjson::Value& envelope, const char* name);

// A deep copy of `value` whose strings and object keys went through `escape`: rendering a
// template against it escapes every inserted value while the template text stays as written.
rapidjson::Document EscapedCopy(const rapidjson::Value& value,
                                std::string (*escape)(std::string_view));

// &, <, >, ", ' as character references.
std::string HtmlEscape(std::string_view text);

// At most `max_bytes` bytes of `text`, cut at a UTF-8 character boundary.
std::string_view TruncateUtf8(std::string_view text, size_t max_bytes);

// `url` without trailing '/'.
std::string_view TrimTrailingSlash(std::string_view url);

// ---- Verdicts (channel_format.cc).

Verdict SuccessVerdict();
Verdict RetryVerdict(std::string error, std::optional<int64_t> retry_after_ms = std::nullopt);
Verdict FailVerdict(std::string error);

// The Retry-After header of `result` in milliseconds, when present and valid.
std::optional<int64_t> RetryAfterMs(const TransportResult& result);

// "HTTP <status>" plus ": <first ~200 bytes of the body>" (control characters blanked).
std::string HttpError(const TransportResult& result);

// Webhook receiver semantics (HTTP channel, Slack incoming webhooks): 2xx success, 410 disable,
// 429/503 retry after Retry-After, 3xx "redirect not followed", any other status retry;
// transport errors retry.
Verdict InterpretHttpStatus(const TransportResult& result);

// ---- Channels (format_http.cc, format_slack.cc, format_email.cc, format_sms.cc).

absl::StatusOr<Outbound> BuildHttp(const HttpChannel& channel, const DeliveryContext& ctx);

absl::StatusOr<Outbound> BuildSlack(const SlackChannel& channel, const DeliveryContext& ctx,
                                    const ChannelEndpoints& endpoints);
Verdict InterpretSlack(const SlackChannel& channel, const TransportResult& result);

absl::StatusOr<Outbound> BuildEmail(const EmailChannel& channel, const DeliveryContext& ctx,
                                    const ChannelEndpoints& endpoints);
Verdict InterpretEmail(const TransportResult& result);

// Message pieces exposed for tests of the e-mail format.
std::string EncodeHeaderText(std::string_view text);  // RFC 2047 when not plain ASCII
std::string Rfc5322Date(int64_t unix_seconds);        // "Wed, 01 Jan 2025 00:00:00 +0000"
std::string Base64Lines(std::string_view bytes);      // 76-char lines, each ending CRLF

absl::StatusOr<Outbound> BuildSms(const SmsChannel& channel, const DeliveryContext& ctx,
                                  const ChannelEndpoints& endpoints);
Verdict InterpretSms(const TransportResult& result);

// application/x-www-form-urlencoded: [A-Za-z0-9*-._] kept, space as '+', the rest %XX.
std::string FormEncode(std::string_view text);

}  // namespace webhooks::format_internal

#endif  // WEBHOOKS_NOTIFIER_FORMAT_INTERNAL_H_

// What a delivery attempt sends and what came back, independent of the channel and of libcurl.
#ifndef WEBHOOKS_NOTIFIER_OUTBOUND_H_
#define WEBHOOKS_NOTIFIER_OUTBOUND_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace webhooks {

// An HTTP request. Redirects are never followed.
struct OutboundHttp {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names as given
  std::string body;
  double timeout_seconds = 10.0;
  std::optional<std::pair<std::string, std::string>> basic_auth;  // (user, password)
  bool guard_target = true;  // subject to the SSRF guard (false for operator-configured APIs)
};

// An e-mail submitted over SMTP (libcurl's smtp:// / smtps://).
struct OutboundMail {
  std::string smtp_url;                 // e.g. smtp://127.0.0.1:2525
  std::string from;                     // envelope sender (MAIL FROM)
  std::vector<std::string> recipients;  // envelope recipients: to + cc + bcc
  std::string message;                  // the whole RFC 5322 message, CRLF line ends
  double timeout_seconds = 30.0;
};

using Outbound = std::variant<OutboundHttp, OutboundMail>;

inline constexpr size_t kMaxResponseExcerpt = 4096;

// The outcome of sending one Outbound.
struct TransportResult {
  int status_code = 0;  // HTTP status, or the SMTP reply code; 0 when none arrived
  std::string body;     // the response body, at most kMaxResponseExcerpt bytes
  // The response headers a verdict reads (only Retry-After, as "retry-after"), names lower-cased.
  std::map<std::string, std::string> headers;
  std::string error;  // transport failure (timeout, refused, SSRF refusal); "" if none
  bool timed_out = false;
  int64_t duration_ms = 0;
};

// What a response means for the delivery.
struct Verdict {
  enum class Outcome {
    kSuccess,  // done
    kRetry,    // try again later (per schedule, or after retry_after_ms)
    kFail,     // permanent failure for this delivery: do not retry
    kDisable,  // the receiver asked us to stop (HTTP 410): disable this channel
  };
  Outcome outcome = Outcome::kRetry;
  std::string error;                      // "" on success: why it failed
  std::optional<int64_t> retry_after_ms;  // from Retry-After (429/503)
};

}  // namespace webhooks

#endif  // WEBHOOKS_NOTIFIER_OUTBOUND_H_

// Plain HTTP request/response values: what the libfcgi adapter produces and consumes, and what
// handlers see. Nothing here knows about FastCGI.
#ifndef WEBHOOKS_FCGI_HTTP_H_
#define WEBHOOKS_FCGI_HTTP_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace webhooks {

inline constexpr size_t kMaxBodyBytes = size_t{1} << 20;  // 1 MiB, as nginx's client_max_body_size

struct HttpRequest {
  std::string method;                          // "GET", "POST", ...
  std::string path;                            // raw (still percent-encoded) path without the query
  std::string query;                           // raw query string, without '?'
  std::string content_type;                    // "" when absent
  std::string authorization;                   // the Authorization header, "" when absent
  std::optional<std::string> idempotency_key;  // the Idempotency-Key header, when present
  std::string body;
  bool body_too_large = false;  // the client declared more than kMaxBodyBytes; body is empty
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // JSON text, or empty (204)
};

HttpResponse JsonResponse(int status, std::string body);

// Decodes %XX escapes; nullopt on a malformed escape or a decoded NUL byte. With
// `plus_is_space`, '+' decodes to ' ' (query strings).
std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space = false);

// Splits "/a/b/" into decoded segments {"a", "b"} (a trailing slash is ignored).
// nullopt when a segment is malformed.
std::optional<std::vector<std::string>> PathSegments(std::string_view path);

// Decoded name/value pairs of a query string, in order; nullopt when malformed.
std::optional<std::vector<std::pair<std::string, std::string>>> ParseQuery(std::string_view query);

// The media type of a Content-Type value, lower-cased and without parameters.
std::string MediaType(std::string_view content_type);

}  // namespace webhooks

#endif  // WEBHOOKS_FCGI_HTTP_H_

#include "notifier/endpoint_key.h"

#include <curl/curl.h>

namespace webhooks {
namespace {

// scheme://host:port of an http(s) URL ("" when unparseable).
std::string Origin(const std::string& url) {
  CURLU* u = curl_url();
  std::string out;
  char *scheme = nullptr, *host = nullptr, *port = nullptr;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
    out = std::string(scheme) + "://" + host + ":" + port;
  }
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(u);
  return out;
}

}  // namespace

std::string EndpointKey(const Channel& channel, const ChannelEndpoints& endpoints,
                        const std::string& webhook_id, size_t index) {
  if (const auto* http = std::get_if<HttpChannel>(&channel)) {
    if (!http->rate_limit) return Origin(http->url);
    return Origin(http->url) + "#" + webhook_id + "." + std::to_string(index);
  }
  if (const auto* slack = std::get_if<SlackChannel>(&channel)) {
    if (slack->webhook_url) return Origin(*slack->webhook_url);
    return "slack:" + slack->channel_id.value_or("");
  }
  if (std::holds_alternative<EmailChannel>(channel)) return "smtp:" + endpoints.smtp_url;
  return "twilio:" + endpoints.twilio_api_url;
}

bool IsPacedEndpoint(std::string_view endpoint) {
  return (endpoint.starts_with("http://") || endpoint.starts_with("https://")) &&
         endpoint.find('#') != std::string_view::npos;
}

uint32_t RateLimit(const Channel& channel) {
  const auto* http = std::get_if<HttpChannel>(&channel);
  return http != nullptr ? http->rate_limit.value_or(0) : 0;
}

}  // namespace webhooks

#include "notifier/url_guard.h"

#include <curl/curl.h>

namespace webhooks {

absl::StatusOr<std::string> ResolveGuardedUrl(const std::string& url,
                                              const std::vector<Cidr>& allow) {
  CURLU* u = curl_url();
  char* host = nullptr;
  char* port = nullptr;
  bool ok = curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK;
  std::string h = ok ? host : "";
  int p = ok ? std::atoi(port) : 0;
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(u);
  if (!ok) return absl::InvalidArgumentError("cannot parse URL " + url);
  if (h.size() >= 2 && h.front() == '[') h = h.substr(1, h.size() - 2);
  return ResolveGuarded(h, p, allow);
}

}  // namespace webhooks

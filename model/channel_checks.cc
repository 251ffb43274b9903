#include "model/channel_checks.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <string>

#include "common/crypto.h"

namespace webhooks {

bool IsHttpUrl(std::string_view url) {
  if (url.empty() || url.size() > kMaxChannelUrl ||
      std::any_of(url.begin(), url.end(), [](char c) { return c <= ' ' || c == 0x7f; })) {
    return false;
  }
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> h(curl_url(), &curl_url_cleanup);
  if (!h || curl_url_set(h.get(), CURLUPART_URL, std::string(url).c_str(), 0) != CURLUE_OK) {
    return false;
  }
  char* scheme = nullptr;
  char* host = nullptr;
  bool ok = curl_url_get(h.get(), CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
            curl_url_get(h.get(), CURLUPART_HOST, &host, 0) == CURLUE_OK;
  ok = ok && (std::string_view(scheme) == "http" || std::string_view(scheme) == "https") &&
       host[0] != '\0';
  curl_free(scheme);
  curl_free(host);
  return ok;
}

bool IsEmailAddress(std::string_view a) {
  size_t at = a.rfind('@');
  if (at == std::string_view::npos || at == 0 || at > 64 || a.size() - at - 1 > 253) return false;
  std::string_view local = a.substr(0, at), domain = a.substr(at + 1);
  static constexpr std::string_view kLocalSpecial = "!#$%&'*+-/=?^_`{|}~.";
  bool local_ok = std::all_of(local.begin(), local.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           kLocalSpecial.find(c) != kLocalSpecial.npos;
  });
  if (!local_ok || local.front() == '.' || local.back() == '.') return false;
  if (domain.empty() || domain.front() == '.' || domain.back() == '.' ||
      domain.find("..") != domain.npos) {
    return false;
  }
  return std::all_of(domain.begin(), domain.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
  });
}

bool IsSigningSecret(std::string_view secret) {
  constexpr std::string_view kPrefix = "whsec_";
  if (secret.substr(0, kPrefix.size()) != kPrefix) return false;
  std::optional<std::string> key = Base64Decode(secret.substr(kPrefix.size()));
  return key && key->size() >= 24 && key->size() <= 64;
}

std::string NewSigningSecret() { return "whsec_" + Base64Encode(RandomBytes(32)); }

bool IsE164(std::string_view n) {
  return n.size() >= 3 && n.size() <= 16 && n[0] == '+' && n[1] != '0' &&
         std::all_of(n.begin() + 1, n.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace webhooks

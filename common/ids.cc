#include "common/ids.h"

#include <algorithm>
#include <cctype>

#include "common/crypto.h"

namespace webhooks {
namespace {

bool AllOf(std::string_view s, int (*pred)(int)) {
  return std::all_of(s.begin(), s.end(),
                     [pred](char c) { return pred(static_cast<unsigned char>(c)) != 0; });
}

bool HasPrefixAndBody(std::string_view id, std::string_view prefix, size_t body_len,
                      int (*pred)(int)) {
  return id.size() == prefix.size() + body_len && id.substr(0, prefix.size()) == prefix &&
         AllOf(id.substr(prefix.size()), pred);
}

}  // namespace

std::string NewWebhookId() { return "wh_" + RandomAlphanumeric(10); }
std::string NewOrganizationId() { return "int_" + RandomAlphanumeric(24); }
std::string NewApiKey() { return "sk_live_" + RandomAlphanumeric(40); }

bool IsWebhookId(std::string_view id) {
  return HasPrefixAndBody(id, "wh_", 10, isalnum) || HasPrefixAndBody(id, "wh_", 16, isxdigit);
}

bool IsOrganizationId(std::string_view id) { return HasPrefixAndBody(id, "int_", 24, isalnum); }

bool IsDeliveryId(std::string_view id) { return HasPrefixAndBody(id, "msg_", 24, isxdigit); }

std::string ApiKeyPrefix(std::string_view key) {
  constexpr std::string_view kLive = "sk_live_";
  size_t head = key.substr(0, kLive.size()) == kLive ? kLive.size() : 3;
  return std::string(key.substr(0, std::min(key.size(), head + 6)));
}

}  // namespace webhooks

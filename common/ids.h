// Identifier and secret formats. Every generated value comes from the OpenSSL CSPRNG.
#ifndef WEBHOOKS_COMMON_IDS_H_
#define WEBHOOKS_COMMON_IDS_H_

#include <string>
#include <string_view>

namespace webhooks {

// "wh_" + 10 alphanumerics (the seed's format).
std::string NewWebhookId();
// "int_" + 24 alphanumerics.
std::string NewOrganizationId();
// "sk_live_" + 40 alphanumerics (~238 bits).
std::string NewApiKey();

// True for "wh_" + 10 alphanumerics (generated here) or "wh_" + 16 hex (the current public spec,
// accepted on restore/import).
bool IsWebhookId(std::string_view id);
// True for "int_" + 24 alphanumerics.
bool IsOrganizationId(std::string_view id);
// True for "msg_" + 24 hex digits, the form of a delivery id (store/delivery_store.h).
bool IsDeliveryId(std::string_view id);

// The part of an API key that may be shown and logged: "sk_live_" + its first 6 characters.
std::string ApiKeyPrefix(std::string_view key);

}  // namespace webhooks

#endif  // WEBHOOKS_COMMON_IDS_H_

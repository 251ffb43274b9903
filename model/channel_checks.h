// Checks of single channel config values (URLs, mailboxes, secrets, phone numbers), shared by
// the channel codec and the handlers. Pure functions.
#ifndef WEBHOOKS_MODEL_CHANNEL_CHECKS_H_
#define WEBHOOKS_MODEL_CHANNEL_CHECKS_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace webhooks {

// Longest URL a channel accepts.
inline constexpr size_t kMaxChannelUrl = 2048;

// True when `url` is an absolute http:// or https:// URL with a host (libcurl's parser).
bool IsHttpUrl(std::string_view url);
// True for a plausible single mailbox "local@domain" without spaces, quotes or control bytes.
bool IsEmailAddress(std::string_view address);
// True for "whsec_" + base64 of 24..64 bytes (Standard Webhooks symmetric key).
bool IsSigningSecret(std::string_view secret);
// A fresh "whsec_" secret of 32 random bytes.
std::string NewSigningSecret();
// True for E.164: "+" then 2..15 digits, the first not 0.
bool IsE164(std::string_view number);

}  // namespace webhooks

#endif  // WEBHOOKS_MODEL_CHANNEL_CHECKS_H_

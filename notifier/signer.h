// Standard Webhooks v1 (symmetric) signatures: the `webhook-signature` header an HTTP delivery
// carries, and its verification (for tests and receivers written against this code).
#ifndef WEBHOOKS_NOTIFIER_SIGNER_H_
#define WEBHOOKS_NOTIFIER_SIGNER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace webhooks {

// The HMAC key of a Standard Webhooks secret: the base64 text after an optional "whsec_" prefix,
// decoded. nullopt when that text is not valid (padded, standard-alphabet) base64 or is empty.
std::optional<std::string> DecodeSigningKey(std::string_view whsec_secret);

// "v1,<base64 HMAC-SHA256(key, msg_id + "." + timestamp_s + "." + body)>" where key is
// DecodeSigningKey(whsec_secret). A secret that does not decode (the model validates secrets, so
// this is a misconfiguration) is used as raw key bytes rather than failing the delivery.
// REQUIRES: `msg_id` contains no '.'.
std::string SignatureHeader(std::string_view whsec_secret, std::string_view msg_id,
                            int64_t timestamp_s, std::string_view body);

// True when any "v1,<sig>" entry of the space-separated `header` matches (constant-time compare).
// Does not check the timestamp's age: that is the receiver's tolerance policy.
bool VerifySignatureHeader(std::string_view whsec_secret, std::string_view msg_id,
                           int64_t timestamp_s, std::string_view body, std::string_view header);

}  // namespace webhooks

#endif  // WEBHOOKS_NOTIFIER_SIGNER_H_

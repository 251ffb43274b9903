#include "notifier/signer.h"

#include <openssl/crypto.h>

#include "common/crypto.h"

namespace webhooks {
namespace {

constexpr std::string_view kSecretPrefix = "whsec_";

std::string RawSignature(std::string_view whsec_secret, std::string_view msg_id,
                         int64_t timestamp_s, std::string_view body) {
  std::optional<std::string> key = DecodeSigningKey(whsec_secret);
  std::string to_sign;
  to_sign.reserve(msg_id.size() + body.size() + 24);
  to_sign.append(msg_id).append(".").append(std::to_string(timestamp_s)).append(".").append(body);
  return HmacSha256(key ? std::string_view(*key) : whsec_secret, to_sign);
}

}  // namespace

std::optional<std::string> DecodeSigningKey(std::string_view whsec_secret) {
  if (whsec_secret.starts_with(kSecretPrefix)) whsec_secret.remove_prefix(kSecretPrefix.size());
  if (whsec_secret.empty()) return std::nullopt;
  return Base64Decode(whsec_secret);
}

std::string SignatureHeader(std::string_view whsec_secret, std::string_view msg_id,
                            int64_t timestamp_s, std::string_view body) {
  return "v1," + Base64Encode(RawSignature(whsec_secret, msg_id, timestamp_s, body));
}

bool VerifySignatureHeader(std::string_view whsec_secret, std::string_view msg_id,
                           int64_t timestamp_s, std::string_view body, std::string_view header) {
  const std::string expected = RawSignature(whsec_secret, msg_id, timestamp_s, body);
  bool match = false;
  while (!header.empty()) {
    size_t space = header.find(' ');
    std::string_view entry = header.substr(0, space);
    header = space == std::string_view::npos ? std::string_view() : header.substr(space + 1);
    if (!entry.starts_with("v1,")) continue;
    std::optional<std::string> sig = Base64Decode(entry.substr(3));
    if (sig && sig->size() == expected.size() &&
        CRYPTO_memcmp(sig->data(), expected.data(), expected.size()) == 0) {
      match = true;
    }
  }
  return match;
}

}  // namespace webhooks

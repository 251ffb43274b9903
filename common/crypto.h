// Cryptographic helpers over OpenSSL: hashing, secure randomness, encodings.
#ifndef WEBHOOKS_COMMON_CRYPTO_H_
#define WEBHOOKS_COMMON_CRYPTO_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace webhooks {

// Returns the 32-byte SHA-256 digest of `data`.
std::string Sha256(std::string_view data);

// Returns the 32-byte HMAC-SHA256 of `data` under `key`.
std::string HmacSha256(std::string_view key, std::string_view data);

// Returns `n` bytes from OpenSSL's CSPRNG. Aborts if the CSPRNG fails: no id or key may ever
// come from a weaker source.
std::string RandomBytes(size_t n);

// Returns `n` characters drawn uniformly from [A-Za-z0-9] with the CSPRNG (rejection sampling,
// no modulo bias).
std::string RandomAlphanumeric(size_t n);

// Lower-case hex of `bytes`.
std::string HexEncode(std::string_view bytes);

// Standard base64 with padding, and its inverse (nullopt on malformed input).
std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);

// URL-safe base64 without padding (RFC 4648 section 5), and its inverse.
std::string Base64UrlEncode(std::string_view bytes);
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace webhooks

#endif  // WEBHOOKS_COMMON_CRYPTO_H_

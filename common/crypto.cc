#include "common/crypto.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstdio>
#include <cstdlib>

#include "absl/container/flat_hash_map.h"

namespace webhooks {

namespace {

// One SHA-256 digest context per thread, with the algorithm fetched once: the one-shot SHA256()
// of OpenSSL 3 fetches it and allocates a context on every call.
class Sha256Context {
 public:
  Sha256Context() : md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)), ctx_(EVP_MD_CTX_new()) {}
  ~Sha256Context() {
    EVP_MD_CTX_free(ctx_);
    EVP_MD_free(md_);
  }
  Sha256Context(const Sha256Context&) = delete;
  Sha256Context& operator=(const Sha256Context&) = delete;

  // False if OpenSSL fails.
  bool Digest(std::string_view data, unsigned char* out) {
    return md_ != nullptr && ctx_ != nullptr && EVP_DigestInit_ex2(ctx_, md_, nullptr) == 1 &&
           EVP_DigestUpdate(ctx_, data.data(), data.size()) == 1 &&
           EVP_DigestFinal_ex(ctx_, out, nullptr) == 1;
  }

 private:
  EVP_MD* md_;
  EVP_MD_CTX* ctx_;
};

[[noreturn]] void CryptoFailed(const char* what) {
  std::fprintf(stderr, "fatal: OpenSSL %s failed\n", what);
  std::abort();
}

// HMAC-SHA256 contexts set up with their key, kept per thread and per key. OpenSSL 3's one-shot
// HMAC() fetches the algorithm and hashes the padded key on every call (about 14k of its 33k
// instructions for a 400-byte message); a keyed context only re-initialises (EVP_MAC_init with
// no key keeps the key set before).
class HmacContexts {
 public:
  HmacContexts() : mac_(EVP_MAC_fetch(nullptr, "HMAC", nullptr)) {}
  ~HmacContexts() {
    Clear();
    EVP_MAC_free(mac_);
  }
  HmacContexts(const HmacContexts&) = delete;
  HmacContexts& operator=(const HmacContexts&) = delete;

  // A context keyed with `key`, ready for EVP_MAC_update; nullptr if OpenSSL fails.
  EVP_MAC_CTX* Ready(std::string_view key) {
    auto it = by_key_.find(absl::string_view(key.data(), key.size()));
    if (it != by_key_.end()) {
      return EVP_MAC_init(it->second, nullptr, 0, nullptr) == 1 ? it->second : nullptr;
    }
    if (mac_ == nullptr) return nullptr;
    if (by_key_.size() >= kMaxKeys) {  // drop one: the others stay warm
      EVP_MAC_CTX_free(by_key_.begin()->second);
      by_key_.erase(by_key_.begin());
    }
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac_);
    // A null key would mean "keep the previous key" to EVP_MAC_init.
    static const unsigned char kNoKey = 0;
    const auto* key_bytes =
        key.empty() ? &kNoKey : reinterpret_cast<const unsigned char*>(key.data());
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    if (ctx == nullptr || EVP_MAC_init(ctx, key_bytes, key.size(), params) != 1) {
      EVP_MAC_CTX_free(ctx);
      return nullptr;
    }
    by_key_.emplace(std::string(key), ctx);
    return ctx;
  }

 private:
  static constexpr size_t kMaxKeys = 1024;
  void Clear() {
    for (auto& [key, ctx] : by_key_) EVP_MAC_CTX_free(ctx);
    by_key_.clear();
  }
  EVP_MAC* mac_;
  absl::flat_hash_map<std::string, EVP_MAC_CTX*> by_key_;
};

}  // namespace

std::string Sha256(std::string_view data) {
  thread_local Sha256Context context;
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  if (!context.Digest(data, reinterpret_cast<unsigned char*>(out.data()))) CryptoFailed("SHA-256");
  return out;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  thread_local HmacContexts contexts;
  std::string out(EVP_MAX_MD_SIZE, '\0');
  size_t len = 0;
  EVP_MAC_CTX* ctx = contexts.Ready(key);
  if (ctx == nullptr ||
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      EVP_MAC_final(ctx, reinterpret_cast<unsigned char*>(out.data()), &len, out.size()) != 1) {
    CryptoFailed("HMAC-SHA256");
  }
  out.resize(len);
  return out;
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    CryptoFailed("RAND_bytes");
  }
  return out;
}

std::string RandomAlphanumeric(size_t n) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  // 62 * 4 = 248: bytes >= 248 are rejected so every character is equally likely.
  std::string out;
  out.reserve(n);
  while (out.size() < n) {
    for (unsigned char b : RandomBytes(n)) {
      if (b < 248 && out.size() < n) out.push_back(kAlphabet[b % kAlphabet.size()]);
    }
  }
  return out;
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(3 * text.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts padding as zero bytes; drop them.
  size_t pad = 0;
  if (!text.empty() && text.back() == '=')
    pad = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
  out.resize(static_cast<size_t>(n) - pad);
  // Only the canonical encoding is accepted (no stray '=', whitespace or non-zero pad bits).
  if (Base64Encode(out) != text) return std::nullopt;
  return out;
}

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out = Base64Encode(bytes);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  std::string std_text(text);
  for (char& c : std_text) {
    if (c == '+' || c == '/' || c == '=') return std::nullopt;
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (std_text.size() % 4 != 0) std_text.push_back('=');
  std::optional<std::string> out = Base64Decode(std_text);
  if (!out || Base64UrlEncode(*out) != text) return std::nullopt;
  return out;
}

}  // namespace webhooks

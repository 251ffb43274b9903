#include "model/cursor.h"

#include <charconv>

#include "common/crypto.h"

namespace webhooks {
namespace {
constexpr std::string_view kVersion = "c1:";
}

std::string EncodeCursor(uint64_t last_seq) {
  return Base64UrlEncode(std::string(kVersion) + std::to_string(last_seq));
}

std::optional<uint64_t> DecodeCursor(std::string_view cursor) {
  if (cursor.size() > 64) return std::nullopt;
  std::optional<std::string> raw = Base64UrlDecode(cursor);
  if (!raw || raw->substr(0, kVersion.size()) != kVersion) return std::nullopt;
  std::string_view digits = std::string_view(*raw).substr(kVersion.size());
  uint64_t seq = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
    return std::nullopt;
  }
  if (EncodeCursor(seq) != cursor) return std::nullopt;  // only canonical cursors
  return seq;
}

}  // namespace webhooks

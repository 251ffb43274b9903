#include "store/keys.h"

#include "common/crypto.h"

namespace webhooks::keys {

std::string EncodeU64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) out[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
  return out;
}

std::optional<uint64_t> DecodeU64(std::string_view b) {
  if (b.size() != 8) return std::nullopt;
  uint64_t v = 0;
  for (unsigned char c : b) v = (v << 8) | c;
  return v;
}

std::string OrgPrefix(std::string_view internal_id) { return std::string(internal_id) + "/"; }

std::string Webhook(std::string_view internal_id, std::string_view webhook_id) {
  return OrgPrefix(internal_id) + std::string(webhook_id);
}

std::string Seq(std::string_view internal_id, uint64_t seq) {
  return OrgPrefix(internal_id) + EncodeU64(seq);
}

std::string Name(std::string_view internal_id, std::string_view webhook_name) {
  return OrgPrefix(internal_id) + Sha256(webhook_name);
}

std::string Count(std::string_view internal_id) { return "count/" + std::string(internal_id); }

std::string EncodeSeqIndexValue(const SeqIndexValue& v) {
  std::string out(1, v.is_active ? '\1' : '\0');
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v.event_mask >> (8 * i)) & 0xff));
  return out + v.webhook_id;
}

std::optional<SeqIndexValue> DecodeSeqIndexValue(std::string_view b) {
  if (b.size() < 6) return std::nullopt;
  SeqIndexValue v;
  v.is_active = b[0] != '\0';
  for (int i = 0; i < 4; ++i) {
    v.event_mask |= static_cast<uint32_t>(static_cast<unsigned char>(b[1 + i])) << (8 * i);
  }
  v.webhook_id = std::string(b.substr(5));
  return v;
}

}  // namespace webhooks::keys

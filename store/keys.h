// Key and index-value layouts of the LMDB databases. Every per-organization key starts with
// "<internal_id>/", so one organization's records are one contiguous range.
//
//   orgs             <internal_id>                 -> organization JSON
//   api_keys         <sha256(key), 32 bytes>       -> key record JSON
//   webhooks         <internal_id>/<webhook_id>    -> webhook JSON (Audience::kStorage)
//   webhooks_by_seq  <internal_id>/<seq, 8 bytes big-endian> -> SeqIndexValue
//   webhook_names    <internal_id>/<sha256(name)>  -> webhook_id (sorted duplicates)
//   meta             "seq"                         -> last assigned seq (8 bytes big-endian)
//                    "count/<internal_id>"         -> number of webhooks (8 bytes big-endian)
//                    "notifier_cursor"             -> the notifier's event log position (same)
//   idempotency      "k" <internal_id>/<key>       -> used at (unix ms, 8 bytes big-endian),
//                                                     fingerprint length (4 bytes big-endian),
//                                                     fingerprint, webhook_id it created
//                    "t" <used ms, 8 bytes big-endian> <internal_id>/<key> -> "" (oldest first)
#ifndef WEBHOOKS_STORE_KEYS_H_
#define WEBHOOKS_STORE_KEYS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace webhooks::keys {

std::string EncodeU64(uint64_t v);                      // 8 bytes, big-endian: sorts numerically
std::optional<uint64_t> DecodeU64(std::string_view b);  // nullopt unless exactly 8 bytes

std::string OrgPrefix(std::string_view internal_id);  // "<internal_id>/"
std::string Webhook(std::string_view internal_id, std::string_view webhook_id);
std::string Seq(std::string_view internal_id, uint64_t seq);
std::string Name(std::string_view internal_id, std::string_view webhook_name);
std::string Count(std::string_view internal_id);
inline constexpr std::string_view kLastSeq = "seq";
// meta: the notifier's read position in the event log (8 bytes big-endian).
inline constexpr std::string_view kNotifierCursor = "notifier_cursor";

// What the creation-order index keeps per webhook, so that filtering and counting never decode
// the webhook itself.
struct SeqIndexValue {
  bool is_active = true;
  uint32_t event_mask = 0;  // EventMask(event_types)
  std::string webhook_id;
};
std::string EncodeSeqIndexValue(const SeqIndexValue& v);
std::optional<SeqIndexValue> DecodeSeqIndexValue(std::string_view bytes);

}  // namespace webhooks::keys

#endif  // WEBHOOKS_STORE_KEYS_H_

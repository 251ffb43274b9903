// The webhookctl dump format (JSON Lines), shared by dump and restore.
//
//   line 1    header   {"format":"webhooks-dump","version":1,"created_at":T,"data_dir":D,
//                       "include_state":B}
//   records            {"kind":"org","record":<organization JSON>}
//                      {"kind":"api_key","key_hash":<hex SHA-256>,"record":<key JSON>}
//                      {"kind":"webhook","record":<webhook JSON, Audience::kStorage>}
//                      {"kind":"delivery","record":<delivery JSON>}        (--include-state)
//                      {"kind":"cursor","position":N}                     (--include-state)
//   last line trailer  {"trailer":true,"records":N,"counts":{"org":..,...},"sha256":H}
//
// Records appear in the kind order above (all organizations first, ...), each kind in key
// order, so two dumps of the same data differ only in the header. H is the SHA-256 of every
// record line including its '\n' (header and trailer excluded).
#ifndef WEBHOOKS_STORE_DUMP_FORMAT_H_
#define WEBHOOKS_STORE_DUMP_FORMAT_H_

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "store/delivery_store.h"
#include "store/store.h"

namespace webhooks::dump {

inline constexpr std::string_view kFormat = "webhooks-dump";
inline constexpr int kVersion = 1;

enum class Kind { kOrg = 0, kApiKey, kWebhook, kDelivery, kCursor };
inline constexpr size_t kNumKinds = 5;
std::string_view KindName(Kind kind);

// Records per kind.
struct Counts {
  std::array<uint64_t, kNumKinds> by_kind{};
  uint64_t& operator[](Kind k) { return by_kind[static_cast<size_t>(k)]; }
  uint64_t operator[](Kind k) const { return by_kind[static_cast<size_t>(k)]; }
  uint64_t total() const;
  bool operator==(const Counts&) const = default;
};

// Called as records are processed: `done` of `total` (total 0 when unknown).
using ProgressFn = std::function<void(uint64_t done, uint64_t total)>;

struct Header {
  int version = kVersion;
  std::string created_at;
  std::string data_dir;
  bool include_state = false;
};
std::string EncodeHeader(const Header& h);
// InvalidArgument naming what is wrong (not a dump, unsupported version).
absl::StatusOr<Header> ParseHeader(std::string_view line);

struct Trailer {
  Counts counts;
  std::string sha256_hex;
};
std::string EncodeTrailer(const Trailer& t);
// nullopt when `line` is not a trailer line; InvalidArgument when it is one but malformed.
absl::StatusOr<std::optional<Trailer>> ParseTrailer(std::string_view line);

// Record lines from stored values (copied as they are stored, so dumps are byte-stable).
std::string OrgLine(std::string_view stored_json);
std::string ApiKeyLine(std::string_view key_hash, std::string_view stored_json);
std::string WebhookLine(std::string_view stored_json);
std::string DeliveryLine(std::string_view stored_json);
std::string CursorLine(uint64_t position);

// One parsed and validated record; only the member of its kind is set.
struct Record {
  Kind kind = Kind::kOrg;
  Organization org;
  ApiKeyRecord key;
  Webhook webhook;
  Delivery delivery;
  uint64_t cursor = 0;
  // The record's JSON as it is stored (every kind but cursor): the line's "record" member,
  // serialized compactly, so a restore stores what the dump held without re-encoding it.
  std::string stored;
};
// Parses one record line and validates it as the API would (webhooks through
// DecodeStoredWebhook / ParseWebhookSpec, ids, timestamps). InvalidArgument saying what is wrong
// (without a line number).
absl::StatusOr<Record> ParseRecord(std::string_view line);

// What a restore's second pass needs of a webhook record line: the JSON to store and the fields
// that key it and its indexes, read WITHOUT validation (the first pass validated the same bytes
// with ParseRecord; the restore compares the SHA-256 of the lines it applied with the first
// pass's). InvalidArgument when the line is not a well-formed webhook record.
struct StoredWebhook {
  std::string stored;  // the "record" member, as stored
  std::string internal_id, webhook_id, webhook_name;
  uint64_t seq = 0;
  bool is_active = true;
  std::vector<std::string> event_types;
};
absl::StatusOr<StoredWebhook> ParseStoredWebhook(std::string_view line);
// The same from a record ParseRecord returned. REQUIRES: r.kind == Kind::kWebhook.
StoredWebhook StoredWebhookOf(const Record& r);
// True when `line` starts as WebhookLine writes it (a cheap test before ParseStoredWebhook).
bool IsWebhookLine(std::string_view line);

// Incremental SHA-256 (OpenSSL EVP).
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void Update(std::string_view data);
  std::string FinalHex();  // once

 private:
  EVP_MD_CTX* ctx_;
};

}  // namespace webhooks::dump

#endif  // WEBHOOKS_STORE_DUMP_FORMAT_H_

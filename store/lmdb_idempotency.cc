// LmdbStore's idempotent create: a client's Idempotency-Key is recorded in the write that
// creates the webhook, with the response to replay; keys older than kIdempotencyWindowMs are
// forgotten a few at a time by later keyed creates.
#include <string>
#include <utility>
#include <vector>

#include "store/keys.h"
#include "store/lmdb_store.h"
#include "store/lmdb_txn.h"

namespace webhooks {
namespace {

// Keys forgotten per keyed create at most: more than one, so the table shrinks whenever keyed
// creates slow down.
constexpr size_t kForgetPerCreate = 16;

struct KeyRecord {
  int64_t used_ms = 0;
  std::string fingerprint;
  std::string response;
};

std::string EncodeU32(uint32_t v) {
  std::string out(4, '\0');
  for (int i = 3; i >= 0; --i, v >>= 8) out[i] = static_cast<char>(v & 0xff);
  return out;
}

std::string EncodeKeyRecord(const KeyRecord& r) {
  return keys::EncodeU64(static_cast<uint64_t>(r.used_ms)) +
         EncodeU32(static_cast<uint32_t>(r.fingerprint.size())) + r.fingerprint + r.response;
}

absl::StatusOr<KeyRecord> DecodeKeyRecord(std::string_view raw) {
  if (raw.size() < 12) return absl::DataLossError("idempotency record too short");
  KeyRecord r;
  r.used_ms = static_cast<int64_t>(*keys::DecodeU64(raw.substr(0, 8)));
  uint32_t n = 0;
  for (int i = 8; i < 12; ++i) n = (n << 8) | static_cast<unsigned char>(raw[i]);
  if (raw.size() - 12 < n) return absl::DataLossError("idempotency record too short");
  r.fingerprint = std::string(raw.substr(12, n));
  r.response = std::string(raw.substr(12 + n));
  return r;
}

// The internal id has a fixed length, so <internal_id><key> is unambiguous.
std::string KeyKey(std::string_view internal_id, std::string_view key) {
  return "k" + std::string(internal_id) + std::string(key);
}
std::string TimeKey(int64_t ms, std::string_view internal_id, std::string_view key) {
  return "t" + keys::EncodeU64(static_cast<uint64_t>(ms)) + std::string(internal_id) +
         std::string(key);
}

}  // namespace

absl::StatusOr<std::optional<std::string>> LmdbStore::CreateWebhookOnce(
    Webhook* webhook, const IdempotentCreate& once) {
  std::optional<std::string> replay;
  absl::Status st = env_->Write([&](MDB_txn* txn) -> absl::Status {
    replay.reset();
    const std::string kkey = KeyKey(webhook->internal_id, once.key);
    absl::StatusOr<std::string> raw = lmdb::Get(txn, idempotency_, kkey);
    if (!raw.ok() && !absl::IsNotFound(raw.status())) return raw.status();
    if (raw.ok()) {
      absl::StatusOr<KeyRecord> used = DecodeKeyRecord(*raw);
      if (!used.ok()) return used.status();
      if (once.now_ms - used->used_ms < kIdempotencyWindowMs) {
        if (used->fingerprint != once.fingerprint) {
          return absl::AbortedError(
              "Idempotency-Key was already used with a different request body; use a new key");
        }
        replay = std::move(used->response);
        return absl::OkStatus();
      }
      absl::Status del =
          lmdb::Del(txn, idempotency_, TimeKey(used->used_ms, webhook->internal_id, once.key));
      if (!del.ok() && !absl::IsNotFound(del)) return del;
    }
    if (absl::Status f =
            ForgetIdempotencyKeysUsedBy(txn, once.now_ms - kIdempotencyWindowMs, kForgetPerCreate);
        !f.ok()) {
      return f;
    }
    if (absl::Status c = PutNewWebhook(txn, webhook); !c.ok()) return c;
    absl::Status put =
        lmdb::Put(txn, idempotency_, kkey,
                  EncodeKeyRecord(KeyRecord{once.now_ms, once.fingerprint, once.response}));
    if (!put.ok()) return put;
    return lmdb::Put(txn, idempotency_, TimeKey(once.now_ms, webhook->internal_id, once.key), "");
  });
  if (!st.ok()) return st;
  return replay;
}

absl::Status LmdbStore::ForgetIdempotencyKeysUsedBy(MDB_txn* txn, int64_t cutoff_ms, size_t max) {
  std::vector<std::string> old;  // time keys
  {
    lmdb::Cursor c(txn, idempotency_);
    for (bool ok = c.Seek(MDB_SET_RANGE, "t"); ok && old.size() < max; ok = c.Seek(MDB_NEXT)) {
      std::string_view k = c.key();
      if (k.size() < 9 || k[0] != 't') break;
      if (static_cast<int64_t>(*keys::DecodeU64(k.substr(1, 8))) > cutoff_ms) break;
      old.emplace_back(k);
    }
    if (!c.status().ok()) return c.status();
  }
  for (const std::string& tkey : old) {
    if (absl::Status st = lmdb::Del(txn, idempotency_, tkey); !st.ok()) return st;
    // The key's record goes too, unless a later use replaced it (its own time key is later).
    const std::string kkey = "k" + tkey.substr(9);
    absl::StatusOr<std::string> raw = lmdb::Get(txn, idempotency_, kkey);
    if (absl::IsNotFound(raw.status())) continue;
    if (!raw.ok()) return raw.status();
    absl::StatusOr<KeyRecord> r = DecodeKeyRecord(*raw);
    if (r.ok() && r->used_ms > cutoff_ms) continue;
    if (absl::Status st = lmdb::Del(txn, idempotency_, kkey); !st.ok()) return st;
  }
  return absl::OkStatus();
}

}  // namespace webhooks

// LmdbStore's idempotent create: a client's Idempotency-Key is recorded in the write that
// creates the webhook, with the webhook_id it created (keys.h: the "idempotency" layout); keys
// older than kIdempotencyWindowMs are forgotten a few at a time by later keyed creates.
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
  std::string webhook_id;
};

std::string EncodeKeyRecord(const KeyRecord& r) {
  std::string out = keys::EncodeU64(static_cast<uint64_t>(r.used_ms));
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((r.fingerprint.size() >> shift) & 0xff));
  }
  return out + r.fingerprint + r.webhook_id;
}

absl::StatusOr<KeyRecord> DecodeKeyRecord(std::string_view raw) {
  if (raw.size() < 12) return absl::DataLossError("idempotency record too short");
  KeyRecord r;
  r.used_ms = static_cast<int64_t>(*keys::DecodeU64(raw.substr(0, 8)));
  uint32_t n = 0;
  for (int i = 8; i < 12; ++i) n = (n << 8) | static_cast<unsigned char>(raw[i]);
  if (r.used_ms < 0 || raw.size() - 12 < n) return absl::DataLossError("bad idempotency record");
  r.fingerprint = std::string(raw.substr(12, n));
  r.webhook_id = std::string(raw.substr(12 + n));
  return r;
}

std::string KeyKey(std::string_view internal_id, std::string_view key) {
  return "k" + keys::OrgPrefix(internal_id) + std::string(key);
}
std::string TimeKey(int64_t ms, std::string_view internal_id, std::string_view key) {
  return "t" + keys::EncodeU64(static_cast<uint64_t>(ms)) + keys::OrgPrefix(internal_id) +
         std::string(key);
}

// The webhook_id of a use of the key that is still within the window, or nullopt when there is
// none (`expired` is set to an expired record, which the caller replaces).
absl::StatusOr<std::optional<std::string>> LiveUse(MDB_txn* txn, MDB_dbi dbi, std::string_view kkey,
                                                   const IdempotentCreate& once,
                                                   std::optional<KeyRecord>* expired) {
  absl::StatusOr<std::string> raw = lmdb::Get(txn, dbi, kkey);
  if (absl::IsNotFound(raw.status())) return std::nullopt;
  if (!raw.ok()) return raw.status();
  absl::StatusOr<KeyRecord> used = DecodeKeyRecord(*raw);
  if (!used.ok()) return used.status();
  if (once.now_ms - used->used_ms >= kIdempotencyWindowMs) {
    if (expired != nullptr) *expired = *std::move(used);
    return std::nullopt;
  }
  if (used->fingerprint != once.fingerprint) return IdempotencyKeyReusedError();
  return std::move(used->webhook_id);
}

}  // namespace

absl::StatusOr<std::optional<std::string>> LmdbStore::CreateWebhookOnce(
    Webhook* webhook, const IdempotentCreate& once) {
  if (once.now_ms < 0) return absl::InvalidArgumentError("negative time");
  const std::string kkey = KeyKey(webhook->internal_id, once.key);
  std::optional<std::string> replay;
  // A repeat is answered from a read transaction; the write below checks again.
  absl::Status st = env_->Read([&](MDB_txn* txn) -> absl::Status {
    absl::StatusOr<std::optional<std::string>> live =
        LiveUse(txn, idempotency_, kkey, once, nullptr);
    if (!live.ok()) return live.status();
    replay = *std::move(live);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  if (replay) return replay;
  st = env_->Write([&](MDB_txn* txn) -> absl::Status {
    std::optional<KeyRecord> expired;
    absl::StatusOr<std::optional<std::string>> live =
        LiveUse(txn, idempotency_, kkey, once, &expired);
    if (!live.ok()) return live.status();
    replay = *std::move(live);
    if (replay) return absl::OkStatus();
    if (expired) {
      absl::Status del =
          lmdb::Del(txn, idempotency_, TimeKey(expired->used_ms, webhook->internal_id, once.key));
      if (!del.ok() && !absl::IsNotFound(del)) return del;
    }
    const int64_t cutoff = once.now_ms - kIdempotencyWindowMs;
    if (absl::Status f = ForgetIdempotencyKeysUsedBy(txn, cutoff, kForgetPerCreate); !f.ok()) {
      return f;
    }
    if (absl::Status c = PutNewWebhook(txn, webhook); !c.ok()) return c;
    const KeyRecord record{once.now_ms, once.fingerprint, webhook->webhook_id};
    if (absl::Status put = lmdb::Put(txn, idempotency_, kkey, EncodeKeyRecord(record)); !put.ok()) {
      return put;
    }
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
  // Every key record has exactly one time entry, with its own time (a reuse of an expired key
  // deletes the old entry): both go.
  for (const std::string& tkey : old) {
    for (const std::string& k : {tkey, "k" + tkey.substr(9)}) {
      absl::Status st = lmdb::Del(txn, idempotency_, k);
      if (!st.ok() && !absl::IsNotFound(st)) return st;
    }
  }
  return absl::OkStatus();
}

}  // namespace webhooks

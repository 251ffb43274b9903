// The record stores behind the API and the admin CLI. LmdbStore (lmdb_store.h) is the real one;
// MemoryStore (memory_store.h) is an in-memory fake for tests of the layers above.
//
// Every mutating call returns only after its change is durable (for LMDB: committed and fsync'd).
// Implementations are safe to call from many threads at once.
#ifndef WEBHOOKS_STORE_STORE_H_
#define WEBHOOKS_STORE_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/webhook.h"

namespace webhooks {

struct Organization {
  std::string internal_id;  // "int_..."
  std::string name;
  std::string created_at;
  bool operator==(const Organization&) const = default;
};

// An API key as stored: never the key itself, only its SHA-256.
struct ApiKeyRecord {
  std::string key_hash;     // 32-byte SHA-256 of the key
  std::string internal_id;  // the organization it authenticates
  std::string prefix;       // "sk_live_abc123": safe to show
  std::string created_at;
  bool operator==(const ApiKeyRecord&) const = default;
};

class AccountStore {
 public:
  virtual ~AccountStore() = default;

  // Adds an organization. AlreadyExists if its internal_id is taken.
  virtual absl::Status CreateOrganization(const Organization& org) = 0;
  // NotFound if there is no such organization.
  virtual absl::StatusOr<Organization> GetOrganization(std::string_view internal_id) = 0;
  // Every organization, ordered by internal_id.
  virtual absl::StatusOr<std::vector<Organization>> ListOrganizations() = 0;

  // Adds a key. NotFound if its organization does not exist; AlreadyExists if the hash is taken.
  virtual absl::Status AddApiKey(const ApiKeyRecord& key) = 0;
  // The key whose SHA-256 is `key_hash`, or NotFound.
  virtual absl::StatusOr<ApiKeyRecord> FindApiKey(std::string_view key_hash) = 0;
};

// What a list call asks for. Pages follow creation order.
struct ListQuery {
  size_t limit = 20;                    // 1..1000 (0 returns no items)
  size_t offset = 0;                    // matching webhooks to skip (ignored with after_seq)
  std::optional<uint64_t> after_seq;    // from a cursor: start after this sequence number
  std::optional<int> event_type_index;  // only webhooks that receive this event type
  std::optional<bool> is_active;        // only webhooks with this is_active
};

struct WebhookPage {
  std::vector<Webhook> items;
  uint64_t total = 0;                      // webhooks of the org matching the filters, all pages
  std::optional<uint64_t> next_after_seq;  // set when more matching webhooks follow this page
};

// How long a client's Idempotency-Key is remembered after the create that used it (Svix and
// Stripe keep theirs at least 12 and 24 hours).
inline constexpr int64_t kIdempotencyWindowMs = int64_t{24} * 3600 * 1000;

// A create that the client may repeat, e.g. after a timeout (its Idempotency-Key header).
struct IdempotentCreate {
  std::string key;          // the client's key, unique per organization
  std::string fingerprint;  // of the request: the same key with another request is refused
  int64_t now_ms = 0;       // unix ms, >= 0
};

// CreateWebhookOnce's answer to a key used with another request.
inline absl::Status IdempotencyKeyReusedError() {
  return absl::AbortedError(
      "Idempotency-Key was already used with a different request; use a new key");
}

class WebhookStore {
 public:
  virtual ~WebhookStore() = default;

  // Inserts `webhook` and assigns webhook->seq (larger than any seq assigned before).
  // AlreadyExists if (internal_id, webhook_id) exists.
  virtual absl::Status CreateWebhook(Webhook* webhook) = 0;
  // CreateWebhook, unless the organization used once.key less than kIdempotencyWindowMs before
  // once.now_ms: then nothing is created, and the result is the webhook_id that the earlier
  // create made (the webhook may have changed or gone since) when the fingerprints match,
  // IdempotencyKeyReusedError when they do not. CreateWebhook's errors keep no key. The key is
  // recorded in the write that creates the webhook, so of concurrent creates with one key
  // exactly one creates. nullopt: created. InvalidArgument for a negative now_ms.
  virtual absl::StatusOr<std::optional<std::string>> CreateWebhookOnce(
      Webhook* webhook, const IdempotentCreate& once) = 0;
  // NotFound if absent (including when it belongs to another organization).
  virtual absl::StatusOr<Webhook> GetWebhook(std::string_view internal_id,
                                             std::string_view webhook_id) = 0;
  // Up to `max` webhooks of the organization named exactly `name`, in creation order.
  virtual absl::StatusOr<std::vector<Webhook>> FindWebhooksByName(std::string_view internal_id,
                                                                  std::string_view name,
                                                                  size_t max) = 0;
  // Reads the stored webhook, lets `update` change it and stores the result, all in one write:
  // of two concurrent updates neither loses the other's change (a Get then a write of the
  // whole webhook would). `update` must not use the store and may run more than once (only the
  // last run's result is stored); its error is returned and nothing is stored. The ids and seq
  // stay. Returns the webhook as stored. NotFound if absent.
  virtual absl::StatusOr<Webhook> UpdateWebhook(
      std::string_view internal_id, std::string_view webhook_id,
      const std::function<absl::Status(Webhook&)>& update) = 0;
  // NotFound if absent.
  virtual absl::Status DeleteWebhook(std::string_view internal_id, std::string_view webhook_id) = 0;
  virtual absl::StatusOr<WebhookPage> ListWebhooks(std::string_view internal_id,
                                                   const ListQuery& query) = 0;

  // OK when the store can be read (for /healthz).
  virtual absl::Status CheckReadable() = 0;
  // A token that changes whenever any webhook changes (and, in the LMDB store, whenever a
  // webhook's disabled channels change: store/config_version.h). Equal tokens mean that webhooks
  // read before are still current.
  virtual absl::StatusOr<std::string> ConfigVersion() = 0;
};

}  // namespace webhooks

#endif  // WEBHOOKS_STORE_STORE_H_

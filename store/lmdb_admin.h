// Operator queries and fixes over an LmdbStore that the store interfaces do not offer (for
// webhookctl): API key listing and revocation, re-queueing failed deliveries, channels in
// trouble, statistics.
#ifndef WEBHOOKS_STORE_LMDB_ADMIN_H_
#define WEBHOOKS_STORE_LMDB_ADMIN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/time_format.h"
#include "store/lmdb_store.h"

namespace webhooks {

// The keys of one organization (hashes, prefixes, creation times), oldest first.
absl::StatusOr<std::vector<ApiKeyRecord>> ListApiKeys(LmdbStore& store,
                                                      std::string_view internal_id);

// Deletes the one key whose prefix is `prefix` (and, when given, of organization
// `internal_id`) and returns it. NotFound when none matches; FailedPrecondition when several
// do (nothing is deleted then).
absl::StatusOr<ApiKeyRecord> RevokeApiKey(LmdbStore& store, std::string_view prefix,
                                          std::optional<std::string> internal_id);

// Puts every failed delivery of webhook `webhook_id` (of `internal_id` when given) created at
// or after `since` back in the queue: pending, attempts 0, due at `now_ms`. Returns how many,
// in one transaction.
absl::StatusOr<uint64_t> RetryFailedDeliveries(LmdbStore& store, std::string_view webhook_id,
                                               std::optional<std::string> internal_id,
                                               std::optional<TimePoint> since, int64_t now_ms);

// A channel the notifier disabled (a 410 Gone, or failing for --disable-after), or whose
// attempts have all failed since its last success.
struct ChannelTrouble {
  std::string internal_id;
  std::string webhook_id;
  std::string webhook_name;
  uint32_t channel_index = 0;
  std::string channel;  // "webhook", "slack", "email", "sms"; "(removed)" past the channels
  bool disabled = false;
  std::string reason;    // why it was disabled, or the webhook's last_error when on this channel
  int64_t since_ms = 0;  // failing: the first failed attempt after the last success; else 0
  int64_t last_ms = 0;   // failing: the latest failed attempt; else 0
};

// Every disabled or failing channel of every webhook of every organization, by organization
// id, then webhook creation order, then channel index. Failing channels are recorded only while
// the notifier's --disable-after is not "never". One read transaction per webhook: not one
// snapshot. A channel both disabled and failing is listed
// once, as disabled.
absl::StatusOr<std::vector<ChannelTrouble>> ListChannelTrouble(LmdbStore& store);

struct StoreStats {
  uint64_t organizations = 0;
  uint64_t api_keys = 0;
  uint64_t webhooks = 0;
  uint64_t deliveries = 0;  // every state
  uint64_t pending_deliveries = 0;
  uint64_t attempts = 0;
  uint64_t notifier_cursor = 0;  // the notifier's position in the event log
  uint64_t store_bytes = 0;      // pages in use * page size
  uint64_t map_bytes = 0;
};
absl::StatusOr<StoreStats> ReadStoreStats(LmdbStore& store);

// Moves the notifier's event log cursor from `from` to `to` in one durable write, if it is at
// `from` (Aborted, with nothing changed, when it is not: the notifier moved on meanwhile). A
// running notifier reads the cursor again before each step, so it goes on from `to`.
absl::Status MoveNotifierCursor(LmdbStore& store, uint64_t from, uint64_t to);

}  // namespace webhooks

#endif  // WEBHOOKS_STORE_LMDB_ADMIN_H_

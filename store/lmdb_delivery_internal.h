// Pieces of the LMDB delivery store's layout shared by its source files
// (lmdb_delivery_store.h lists the databases and keys).
#ifndef WEBHOOKS_STORE_LMDB_DELIVERY_INTERNAL_H_
#define WEBHOOKS_STORE_LMDB_DELIVERY_INTERNAL_H_

#include <lmdb.h>

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/delivery_store.h"

namespace webhooks::delivery_internal {

// "<internal_id>/<webhook_id>/": the key prefix of a webhook's attempts.
std::string WebhookPrefix(std::string_view internal_id, std::string_view webhook_id);

// Writes the delivery and, while pending, its due entry. `flags` go to the delivery's put
// (MDB_NOOVERWRITE: AlreadyExists, and nothing written, when the id is stored already).
absl::Status PutDelivery(MDB_txn* txn, MDB_dbi deliveries, MDB_dbi due, const Delivery& d,
                         unsigned flags = 0);

// The webhook's delivery state (disabled channels, last_error); empty when none is stored.
absl::StatusOr<WebhookDeliveryState> ReadWebhookState(MDB_txn* txn, MDB_dbi state,
                                                      std::string_view internal_id,
                                                      std::string_view webhook_id);

}  // namespace webhooks::delivery_internal

#endif  // WEBHOOKS_STORE_LMDB_DELIVERY_INTERNAL_H_

// The configuration version: a token in the meta table that every write changing a webhook, or a
// webhook's disabled channels, replaces (in the same transaction), from any process. A reader that
// caches webhooks compares tokens to know its copies are still current. The token is random, not
// a counter, so a store rebuilt by a restore never repeats a token a reader saw before.
#ifndef WEBHOOKS_STORE_CONFIG_VERSION_H_
#define WEBHOOKS_STORE_CONFIG_VERSION_H_

#include <string>

#include "absl/status/statusor.h"
#include "store/lmdb_env.h"

namespace webhooks {

// Writes a fresh token into `meta`.
absl::Status BumpConfigVersion(MDB_txn* txn, MDB_dbi meta);
// The current token; "" when none was written yet.
absl::StatusOr<std::string> ReadConfigVersion(MDB_txn* txn, MDB_dbi meta);

}  // namespace webhooks

#endif  // WEBHOOKS_STORE_CONFIG_VERSION_H_

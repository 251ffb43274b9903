#include "store/config_version.h"

#include "common/crypto.h"
#include "store/lmdb_txn.h"

namespace webhooks {
namespace {

constexpr std::string_view kConfigVersionKey = "config_version";

}  // namespace

absl::Status BumpConfigVersion(MDB_txn* txn, MDB_dbi meta) {
  return lmdb::Put(txn, meta, kConfigVersionKey, RandomBytes(16));
}

absl::StatusOr<std::string> ReadConfigVersion(MDB_txn* txn, MDB_dbi meta) {
  absl::StatusOr<std::string> v = lmdb::Get(txn, meta, kConfigVersionKey);
  if (absl::IsNotFound(v.status())) return std::string();
  return v;
}

}  // namespace webhooks

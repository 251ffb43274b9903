// Dump of a whole LmdbStore as JSON Lines (format in dump_format.h), from one LMDB read
// transaction: a consistent snapshot that never blocks writers (in this or other processes).
#ifndef WEBHOOKS_STORE_STORE_DUMP_H_
#define WEBHOOKS_STORE_STORE_DUMP_H_

#include <cstdio>
#include <string>

#include "absl/status/statusor.h"
#include "store/dump_format.h"
#include "store/lmdb_store.h"

namespace webhooks {

struct DumpOptions {
  bool include_state = false;  // pending deliveries and the notifier cursor too
  std::string data_dir;        // recorded in the header
  std::string created_at;      // recorded in the header
  dump::ProgressFn progress;   // optional
};

// Writes the header, every record and the trailer to `out` (not flushed or closed). Returns the
// per-kind counts written. Errors: a failed read of the store or a failed write to `out`.
absl::StatusOr<dump::Counts> DumpStore(LmdbStore& store, const DumpOptions& options,
                                       std::FILE* out);

}  // namespace webhooks

#endif  // WEBHOOKS_STORE_STORE_DUMP_H_

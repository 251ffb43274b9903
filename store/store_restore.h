// Restore of a dump (format in dump_format.h) into an LmdbStore: all or nothing.
//
// Pass 1 (CheckDumpFile) streams the whole file and checks it: header version, every record
// through the same validation as the API, record order, references (keys and webhooks name an
// organization of the dump), duplicate ids and webhook seqs, and the trailer's counts and
// SHA-256. Pass 2 streams the file again inside ONE write transaction, writing the records and
// rebuilding the indexes (webhooks_by_seq, webhook_names, per-organization counts, meta "seq")
// from the webhook records; a concurrent reader sees the old or the new state, never a mix.
// Memory stays bounded: records are never all held at once (pass 1 keeps 16 bytes per id).
#ifndef WEBHOOKS_STORE_STORE_RESTORE_H_
#define WEBHOOKS_STORE_STORE_RESTORE_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "store/dump_format.h"
#include "store/lmdb_store.h"

namespace webhooks {

struct DumpSummary {
  dump::Header header;
  dump::Counts counts;
  std::string sha256_hex;
  uint64_t max_seq = 0;  // largest webhook seq
  uint64_t lines = 0;    // including header and trailer
};

// Pass 1. InvalidArgument whose message starts with "line N: " and says what is wrong; NotFound
// when the file cannot be opened. `progress` gets records checked of the trailer's total.
absl::StatusOr<DumpSummary> CheckDumpFile(const std::string& path,
                                          const dump::ProgressFn& progress = nullptr);

// True when the store holds no organization, API key, webhook or delivery.
absl::StatusOr<bool> StoreIsEmpty(LmdbStore& store);

struct RestoreOptions {
  // Without it a non-empty store is refused (FailedPrecondition). With it, in the same
  // transaction, organizations, API keys, webhooks and their indexes are dropped first; the
  // delivery state (deliveries, due, attempts, webhook_state, seen_events, notifier cursor) is
  // dropped too when the dump carries state (--include-state), and kept otherwise.
  bool replace = false;
  // Maps the notifier cursor of a dump that carries state to the one written. The cursor is a
  // position in the dumped host's event log, which the restored store may not have (webhookctl
  // checks it against the data directory's log). Unset: written as dumped.
  std::function<uint64_t(uint64_t dumped)> adjust_cursor;
  dump::ProgressFn check_progress;  // pass 1
  dump::ProgressFn apply_progress;  // pass 2
};

// Pass 2: applies a file CheckDumpFile accepted (its `summary`) in the one write transaction
// (LmdbEnv::WriteBulk). FailedPrecondition for a non-empty store without `replace`; Aborted if
// the file changed since the check. On any error nothing is changed.
absl::Status ApplyDump(LmdbStore& store, const std::string& path, const DumpSummary& summary,
                       const RestoreOptions& options);

// StoreIsEmpty (unless `replace`), CheckDumpFile, then ApplyDump.
absl::StatusOr<DumpSummary> RestoreStore(LmdbStore& store, const std::string& path,
                                         const RestoreOptions& options);

// Options for the store ApplyDump writes into: write_map (the process stays small however big
// the dump) and a map with room for the dump at `path` beside the data already in `data_dir`.
// Opening with write_map grows data.mdb (sparse) to the map size, so open with these only once
// the dump has been checked and the store found acceptable.
LmdbOptions RestoreLmdbOptions(const std::string& path, const std::string& data_dir);

}  // namespace webhooks

#endif  // WEBHOOKS_STORE_STORE_RESTORE_H_

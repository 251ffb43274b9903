#include "store/store_restore.h"

#include <sys/stat.h>

#include <algorithm>
#include <map>

#include "model/event_types.h"
#include "store/config_version.h"
#include "store/delivery_record.h"
#include "store/dump_reader.h"
#include "store/keys.h"
#include "store/lmdb_txn.h"

namespace webhooks {
namespace {

using dump::Kind;

constexpr std::string_view kAttemptSeqKey = "attempt_seq";
constexpr uint64_t kProgressEvery = 4096;
// Idempotency keys go with the webhooks they created: a replay must not name a webhook that a
// replacing restore removed.
constexpr const char* kAccountDbs[] = {"orgs",          "api_keys", "webhooks",   "webhooks_by_seq",
                                       "webhook_names", "meta",     "idempotency"};
constexpr const char* kStateDbs[] = {"deliveries", "due", "attempts", "webhook_state",
                                     "seen_events"};

struct Dbs {
  explicit Dbs(LmdbEnv& env)
      : meta(env.dbi("meta")),
        orgs(env.dbi("orgs")),
        api_keys(env.dbi("api_keys")),
        webhooks(env.dbi("webhooks")),
        by_seq(env.dbi("webhooks_by_seq")),
        names(env.dbi("webhook_names")),
        deliveries(env.dbi("deliveries")),
        due(env.dbi("due")) {}
  MDB_dbi meta, orgs, api_keys, webhooks, by_seq, names, deliveries, due;
};

absl::StatusOr<bool> IsEmpty(MDB_txn* txn, LmdbEnv& env) {
  for (const char* name : {"orgs", "api_keys", "webhooks", "deliveries"}) {
    MDB_stat stat;
    if (int rc = mdb_stat(txn, env.dbi(name), &stat); rc != 0) return LmdbStatus(rc, "mdb_stat");
    if (stat.ms_entries > 0) return false;
  }
  return true;
}

absl::Status PutWebhook(MDB_txn* txn, const Dbs& dbs, const dump::StoredWebhook& w) {
  const std::string& org = w.internal_id;
  absl::Status st =
      lmdb::Put(txn, dbs.webhooks, keys::Webhook(org, w.webhook_id), w.stored, MDB_NOOVERWRITE);
  if (st.ok()) {
    keys::SeqIndexValue v{w.is_active, EventMask(w.event_types), w.webhook_id};
    st = lmdb::Put(txn, dbs.by_seq, keys::Seq(org, w.seq), keys::EncodeSeqIndexValue(v),
                   MDB_NOOVERWRITE);
  }
  if (st.ok()) st = lmdb::Put(txn, dbs.names, keys::Name(org, w.webhook_name), w.webhook_id);
  return st;
}

absl::Status PutRecord(MDB_txn* txn, const Dbs& dbs, const dump::Record& r,
                       std::map<std::string, uint64_t>& counts) {
  switch (r.kind) {
    case Kind::kOrg:
      return lmdb::Put(txn, dbs.orgs, r.org.internal_id, r.stored, MDB_NOOVERWRITE);
    case Kind::kApiKey:
      return lmdb::Put(txn, dbs.api_keys, r.key.key_hash, r.stored, MDB_NOOVERWRITE);
    case Kind::kWebhook:
      ++counts[r.webhook.internal_id];
      return PutWebhook(txn, dbs, dump::StoredWebhookOf(r));
    case Kind::kDelivery: {
      const Delivery& d = r.delivery;
      absl::Status st = lmdb::Put(txn, dbs.deliveries, d.delivery_id, EncodeDeliveryRecord(d));
      if (st.ok() && d.state == DeliveryState::kPending) {
        st = lmdb::Put(txn, dbs.due, DueKey(d.next_attempt_ms, d.delivery_id), DueGroup(d));
      }
      return st;
    }
    case Kind::kCursor:
      return lmdb::Put(txn, dbs.meta, keys::kNotifierCursor, keys::EncodeU64(r.cursor));
  }
  return absl::OkStatus();
}

// Writes one record line that CheckDumpFile accepted. Webhook lines (nearly all of a big dump)
// take the fast path that reads only the fields of the keys and indexes.
absl::Status PutLine(MDB_txn* txn, const Dbs& dbs, std::string_view line,
                     std::map<std::string, uint64_t>& counts) {
  absl::Status st;
  if (dump::IsWebhookLine(line)) {
    absl::StatusOr<dump::StoredWebhook> w = dump::ParseStoredWebhook(line);
    if (!w.ok()) return w.status();
    ++counts[w->internal_id];
    st = PutWebhook(txn, dbs, *w);
  } else {
    absl::StatusOr<dump::Record> r = dump::ParseRecord(line);
    if (!r.ok()) return r.status();
    st = PutRecord(txn, dbs, *r, counts);
  }
  if (!st.ok()) return absl::Status(st.code(), "cannot write: " + std::string(st.message()));
  return st;
}

// Meta values that survive a --replace.
struct Kept {
  uint64_t seq = 0, attempt_seq = 0, cursor = 0;
};

absl::StatusOr<Kept> ClearForReplace(MDB_txn* txn, LmdbEnv& env, bool drop_state) {
  Kept kept;
  MDB_dbi meta = env.dbi("meta");
  for (auto [key, out] :
       {std::pair{keys::kLastSeq, &kept.seq}, std::pair{kAttemptSeqKey, &kept.attempt_seq},
        std::pair{keys::kNotifierCursor, &kept.cursor}}) {
    absl::StatusOr<uint64_t> v = lmdb::GetCounter(txn, meta, key);
    if (!v.ok()) return v.status();
    *out = *v;
  }
  for (const char* name : kAccountDbs) {
    if (int rc = mdb_drop(txn, env.dbi(name), 0); rc != 0) return LmdbStatus(rc, "mdb_drop");
  }
  for (const char* name : kStateDbs) {
    if (!drop_state) break;
    if (int rc = mdb_drop(txn, env.dbi(name), 0); rc != 0) return LmdbStatus(rc, "mdb_drop");
  }
  if (kept.attempt_seq > 0) {
    absl::Status st = lmdb::Put(txn, meta, kAttemptSeqKey, keys::EncodeU64(kept.attempt_seq));
    if (!st.ok()) return st;
  }
  if (!drop_state && kept.cursor > 0) {
    absl::Status st = lmdb::Put(txn, meta, keys::kNotifierCursor, keys::EncodeU64(kept.cursor));
    if (!st.ok()) return st;
  }
  return kept;
}

// Streams the records of `path` into the transaction; returns the SHA-256 of what it wrote.
absl::StatusOr<std::string> WriteRecords(MDB_txn* txn, const Dbs& dbs, const std::string& path,
                                         const DumpSummary& summary,
                                         const dump::ProgressFn& progress,
                                         std::map<std::string, uint64_t>& counts) {
  dump::LineReader reader;
  if (absl::Status st = reader.Open(path); !st.ok()) return st;
  dump::Sha256Stream sha;
  bool complete = false;
  uint64_t done = 0;
  const uint64_t records = summary.counts.total();
  for (auto line = reader.Next(&complete); line; line = reader.Next(&complete)) {
    if (reader.line_number() == 1) continue;  // header
    if (done == records) break;               // the trailer
    absl::Status st = PutLine(txn, dbs, *line, counts);
    if (!st.ok()) return dump::LineError(reader.line_number(), std::string(st.message()));
    sha.Update(*line);
    sha.Update("\n");
    if (++done % kProgressEvery == 0 && progress) progress(done, records);
  }
  if (!reader.status().ok()) return reader.status();
  if (progress) progress(done, records);
  return sha.FinalHex();
}

absl::Status Apply(MDB_txn* txn, LmdbEnv& env, const std::string& path, const DumpSummary& summary,
                   const RestoreOptions& options) {
  const Dbs dbs(env);
  Kept kept;
  if (options.replace) {
    absl::StatusOr<Kept> k = ClearForReplace(txn, env, summary.header.include_state);
    if (!k.ok()) return k.status();
    kept = *k;
  } else {
    absl::StatusOr<bool> empty = IsEmpty(txn, env);
    if (!empty.ok()) return empty.status();
    if (!*empty) return absl::FailedPreconditionError("the store is not empty (use --replace)");
    absl::StatusOr<uint64_t> seq = lmdb::GetCounter(txn, dbs.meta, keys::kLastSeq);
    if (!seq.ok()) return seq.status();
    kept.seq = *seq;
  }
  std::map<std::string, uint64_t> counts;
  absl::StatusOr<std::string> sha =
      WriteRecords(txn, dbs, path, summary, options.apply_progress, counts);
  if (!sha.ok()) return sha.status();
  if (*sha != summary.sha256_hex) {
    return absl::AbortedError("the dump file changed while it was being restored");
  }
  uint64_t seq = std::max(kept.seq, summary.max_seq);
  absl::Status st = lmdb::Put(txn, dbs.meta, keys::kLastSeq, keys::EncodeU64(seq));
  for (auto it = counts.begin(); st.ok() && it != counts.end(); ++it) {
    st = lmdb::Put(txn, dbs.meta, keys::Count(it->first), keys::EncodeU64(it->second));
  }
  if (st.ok() && summary.header.include_state && options.adjust_cursor) {
    absl::StatusOr<uint64_t> cursor = lmdb::GetCounter(txn, dbs.meta, keys::kNotifierCursor);
    if (!cursor.ok()) return cursor.status();
    st = lmdb::Put(txn, dbs.meta, keys::kNotifierCursor,
                   keys::EncodeU64(options.adjust_cursor(*cursor)));
  }
  if (st.ok()) st = BumpConfigVersion(txn, dbs.meta);  // a live notifier re-reads webhooks
  return st;
}

}  // namespace

absl::StatusOr<bool> StoreIsEmpty(LmdbStore& store) {
  bool empty = false;
  absl::Status st = store.env().Read([&](MDB_txn* txn) -> absl::Status {
    absl::StatusOr<bool> e = IsEmpty(txn, store.env());
    if (!e.ok()) return e.status();
    empty = *e;
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return empty;
}

absl::Status ApplyDump(LmdbStore& store, const std::string& path, const DumpSummary& summary,
                       const RestoreOptions& options) {
  return store.env().WriteBulk(
      [&](MDB_txn* txn) { return Apply(txn, store.env(), path, summary, options); });
}

absl::StatusOr<DumpSummary> RestoreStore(LmdbStore& store, const std::string& path,
                                         const RestoreOptions& options) {
  if (!options.replace) {
    absl::StatusOr<bool> empty = StoreIsEmpty(store);
    if (!empty.ok()) return empty.status();
    if (!*empty) return absl::FailedPreconditionError("the store is not empty (use --replace)");
  }
  absl::StatusOr<DumpSummary> summary = CheckDumpFile(path, options.check_progress);
  if (!summary.ok()) return summary.status();
  if (absl::Status st = ApplyDump(store, path, *summary, options); !st.ok()) return st;
  return summary;
}

LmdbOptions RestoreLmdbOptions(const std::string& path, const std::string& data_dir) {
  auto size = [](const std::string& file) -> uint64_t {  // bytes in use: data.mdb may be sparse
    struct stat st;
    if (stat(file.c_str(), &st) != 0) return 0;
    return std::min<uint64_t>(st.st_size, uint64_t(st.st_blocks) * 512);
  };
  LmdbOptions options;
  // Room for the restored records and indexes next to the old pages (freed only at commit).
  uint64_t want = 4 * size(path) + size(data_dir + "/db/data.mdb");
  options.initial_map_size = std::max<size_t>(options.initial_map_size, want);
  options.write_map = true;
  return options;
}

}  // namespace webhooks

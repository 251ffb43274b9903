#include "store/store_dump.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "store/delivery_codec.h"
#include "store/delivery_record.h"
#include "store/keys.h"
#include "store/lmdb_txn.h"

namespace webhooks {
namespace {

using dump::Kind;

constexpr uint64_t kProgressEvery = 4096;
constexpr uint64_t kReleaseEvery = 16384;

// Writes record lines, hashing and counting them.
class LineSink {
 public:
  LineSink(LmdbEnv& env, std::FILE* out, const dump::ProgressFn& progress, uint64_t total)
      : env_(env), out_(out), progress_(progress), total_(total) {}

  absl::Status Write(Kind kind, const std::string& line) {
    sha_.Update(line);
    sha_.Update("\n");
    absl::Status st = Raw(line);
    ++counts_[kind];
    if (progress_ && counts_.total() % kProgressEvery == 0) progress_(counts_.total(), total_);
    if (counts_.total() % kReleaseEvery == 0) env_.ReleaseMappedPages();  // bounded RSS
    return st;
  }
  absl::Status Raw(const std::string& line) {
    if (std::fwrite(line.data(), 1, line.size(), out_) != line.size() ||
        std::fputc('\n', out_) == EOF) {
      return absl::InternalError(std::string("cannot write the dump: ") + std::strerror(errno));
    }
    return absl::OkStatus();
  }
  absl::Status Finish() {
    if (progress_) progress_(counts_.total(), total_);
    return Raw(dump::EncodeTrailer(dump::Trailer{counts_, sha_.FinalHex()}));
  }
  const dump::Counts& counts() const { return counts_; }

 private:
  LmdbEnv& env_;
  std::FILE* out_;
  const dump::ProgressFn& progress_;
  uint64_t total_;
  dump::Sha256Stream sha_;
  dump::Counts counts_;
};

uint64_t Entries(MDB_txn* txn, MDB_dbi dbi) {
  MDB_stat stat;
  return mdb_stat(txn, dbi, &stat) == 0 ? stat.ms_entries : 0;
}

// Writes one line per entry of `dbi`, in key order.
absl::Status DumpDatabase(MDB_txn* txn, MDB_dbi dbi, Kind kind, LineSink& sink) {
  lmdb::Cursor c(txn, dbi);
  for (bool ok = c.Seek(MDB_FIRST); ok; ok = c.Seek(MDB_NEXT)) {
    std::string line;
    switch (kind) {
      case Kind::kOrg:
        line = dump::OrgLine(c.value());
        break;
      case Kind::kApiKey:
        line = dump::ApiKeyLine(c.key(), c.value());
        break;
      default:
        line = dump::WebhookLine(c.value());
        break;
    }
    if (absl::Status st = sink.Write(kind, line); !st.ok()) return st;
  }
  return c.status();
}

// Pending deliveries (in due order), then the notifier cursor.
absl::Status DumpState(MDB_txn* txn, LmdbEnv& env, LineSink& sink) {
  MDB_dbi deliveries = env.dbi("deliveries");
  lmdb::Cursor c(txn, env.dbi("due"));
  for (bool ok = c.Seek(MDB_FIRST); ok; ok = c.Seek(MDB_NEXT)) {
    if (c.key().size() <= 8) return absl::DataLossError("malformed due entry");
    absl::StatusOr<std::string> raw = lmdb::Get(txn, deliveries, c.key().substr(8));
    if (absl::IsNotFound(raw.status())) continue;  // tolerated: nothing to send
    if (!raw.ok()) return raw.status();
    absl::StatusOr<Delivery> d = DecodeDeliveryRecord(*raw);
    if (!d.ok()) return d.status();
    if (absl::Status st = sink.Write(Kind::kDelivery, dump::DeliveryLine(EncodeDelivery(*d)));
        !st.ok())
      return st;
  }
  if (!c.status().ok()) return c.status();
  absl::StatusOr<uint64_t> cursor = lmdb::GetCounter(txn, env.dbi("meta"), keys::kNotifierCursor);
  if (!cursor.ok()) return cursor.status();
  return sink.Write(Kind::kCursor, dump::CursorLine(*cursor));
}

}  // namespace

absl::StatusOr<dump::Counts> DumpStore(LmdbStore& store, const DumpOptions& options,
                                       std::FILE* out) {
  LmdbEnv& env = store.env();
  dump::Counts counts;
  absl::Status st = env.Read([&](MDB_txn* txn) -> absl::Status {
    uint64_t total = Entries(txn, env.dbi("orgs")) + Entries(txn, env.dbi("api_keys")) +
                     Entries(txn, env.dbi("webhooks"));
    if (options.include_state) total += Entries(txn, env.dbi("due")) + 1;
    LineSink sink(env, out, options.progress, total);
    dump::Header header{dump::kVersion, options.created_at, options.data_dir,
                        options.include_state};
    if (absl::Status s = sink.Raw(dump::EncodeHeader(header)); !s.ok()) return s;
    const std::pair<const char*, Kind> kDbs[] = {
        {"orgs", Kind::kOrg}, {"api_keys", Kind::kApiKey}, {"webhooks", Kind::kWebhook}};
    for (const auto& [name, kind] : kDbs) {
      if (absl::Status s = DumpDatabase(txn, env.dbi(name), kind, sink); !s.ok()) return s;
    }
    if (options.include_state) {
      if (absl::Status s = DumpState(txn, env, sink); !s.ok()) return s;
    }
    counts = sink.counts();
    return sink.Finish();
  });
  if (!st.ok()) return st;
  return counts;
}

}  // namespace webhooks

// Pass 1 of a restore: CheckDumpFile (declared in store_restore.h).
#include <algorithm>
#include <functional>
#include <unordered_map>
#include <vector>

#include "store/dump_reader.h"
#include "store/store_restore.h"

namespace webhooks {
namespace {

using dump::Kind;
using dump::LineError;

constexpr uint64_t kProgressEvery = 4096;

// A compact id: a 64-bit hash, the line it came from and its kind. Two records of one kind
// with the same hash are reported as duplicates (a false positive needs a 64-bit collision).
struct IdEntry {
  uint64_t hash;
  uint32_t line;
  uint8_t kind;
  bool operator<(const IdEntry& o) const {
    return hash != o.hash ? hash < o.hash : (kind != o.kind ? kind < o.kind : line < o.line);
  }
};

class Checker {
 public:
  explicit Checker(DumpSummary* summary) : summary_(summary) {}

  absl::Status Add(const dump::Record& r, uint64_t line) {
    const uint32_t ln = static_cast<uint32_t>(line);
    switch (r.kind) {
      case Kind::kOrg: {
        auto [it, inserted] = orgs_.emplace(r.org.internal_id, line);
        if (!inserted) {
          return LineError(line, "duplicate organization " + r.org.internal_id +
                                     " (first at line " + std::to_string(it->second) + ")");
        }
        return absl::OkStatus();
      }
      case Kind::kApiKey:
        if (!orgs_.contains(r.key.internal_id)) return Unknown(line, "api_key", r.key.internal_id);
        ids_.push_back({Hash(r.key.key_hash), ln, 1});
        return absl::OkStatus();
      case Kind::kWebhook:
        if (!orgs_.contains(r.webhook.internal_id)) {
          return Unknown(line, "webhook", r.webhook.internal_id);
        }
        ids_.push_back({Hash(r.webhook.internal_id + "/" + r.webhook.webhook_id), ln, 2});
        seqs_.push_back({r.webhook.seq, ln, 0});
        summary_->max_seq = std::max(summary_->max_seq, r.webhook.seq);
        return absl::OkStatus();
      case Kind::kDelivery:
        ids_.push_back({Hash(r.delivery.delivery_id), ln, 3});
        return absl::OkStatus();
      case Kind::kCursor:
        if (summary_->counts[Kind::kCursor] > 0) return LineError(line, "a second cursor record");
        return absl::OkStatus();
    }
    return absl::OkStatus();
  }

  // Duplicates among the compact ids and the webhook seqs.
  absl::Status Finish() {
    static constexpr const char* kWhat[] = {"", "API key hash", "webhook id", "delivery id"};
    std::sort(ids_.begin(), ids_.end());
    for (size_t i = 1; i < ids_.size(); ++i) {
      if (ids_[i].hash == ids_[i - 1].hash && ids_[i].kind == ids_[i - 1].kind) {
        return LineError(ids_[i].line, std::string("duplicate ") + kWhat[ids_[i].kind] +
                                           " (same as line " + std::to_string(ids_[i - 1].line) +
                                           ")");
      }
    }
    std::sort(seqs_.begin(), seqs_.end());
    for (size_t i = 1; i < seqs_.size(); ++i) {
      if (seqs_[i].hash == seqs_[i - 1].hash) {
        return LineError(seqs_[i].line, "duplicate webhook seq " + std::to_string(seqs_[i].hash) +
                                            " (same as line " + std::to_string(seqs_[i - 1].line) +
                                            ")");
      }
    }
    return absl::OkStatus();
  }

 private:
  static uint64_t Hash(std::string_view s) { return std::hash<std::string_view>()(s); }
  static absl::Status Unknown(uint64_t line, const char* kind, const std::string& org) {
    return LineError(line, std::string(kind) + " of organization " + org +
                               ", which the dump does not contain (before this line)");
  }

  DumpSummary* summary_;
  std::unordered_map<std::string, uint64_t> orgs_;  // internal_id -> line
  std::vector<IdEntry> ids_;
  std::vector<IdEntry> seqs_;  // hash = seq
};

absl::Status CheckTrailer(const dump::Trailer& t, const DumpSummary& s, const std::string& sha,
                          uint64_t line) {
  for (size_t i = 0; i < dump::kNumKinds; ++i) {
    if (t.counts.by_kind[i] != s.counts.by_kind[i]) {
      Kind k = static_cast<Kind>(i);
      return LineError(line, "the trailer counts " + std::to_string(t.counts[k]) + " " +
                                 std::string(dump::KindName(k)) + " records but the file has " +
                                 std::to_string(s.counts[k]) + " (records lost or added)");
    }
  }
  if (t.sha256_hex != sha) {
    return LineError(line, "SHA-256 mismatch: the record lines were changed or damaged (trailer " +
                               t.sha256_hex + ", computed " + sha + ")");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DumpSummary> CheckDumpFile(const std::string& path,
                                          const dump::ProgressFn& progress) {
  dump::LineReader reader;
  if (absl::Status st = reader.Open(path); !st.ok()) return st;
  const uint64_t total = progress ? dump::PeekTotalRecords(path) : 0;
  DumpSummary summary;
  bool complete = false;
  std::optional<std::string_view> line = reader.Next(&complete);
  if (!line) return LineError(1, "the file is empty (not a dump)");
  absl::StatusOr<dump::Header> header = dump::ParseHeader(*line);
  if (!header.ok()) return LineError(1, std::string(header.status().message()));
  summary.header = *header;
  Checker checker(&summary);
  dump::Sha256Stream sha;
  size_t last_kind = 0;
  std::optional<dump::Trailer> trailer;
  while ((line = reader.Next(&complete))) {
    const uint64_t n = reader.line_number();
    if (trailer) return LineError(n, "data after the trailer line");
    if (!complete) return LineError(n, "the last line is cut short (truncated file)");
    absl::StatusOr<std::optional<dump::Trailer>> t = dump::ParseTrailer(*line);
    if (!t.ok()) return LineError(n, std::string(t.status().message()));
    if (t->has_value()) {
      trailer = **t;
      continue;
    }
    absl::StatusOr<dump::Record> r = dump::ParseRecord(*line);
    if (!r.ok()) return LineError(n, std::string(r.status().message()));
    size_t kind = static_cast<size_t>(r->kind);
    if (kind < last_kind) {
      return LineError(n, std::string(dump::KindName(r->kind)) + " record after " +
                              std::string(dump::KindName(static_cast<Kind>(last_kind))) +
                              " records (records must be in dump order)");
    }
    last_kind = kind;
    if (absl::Status st = checker.Add(*r, n); !st.ok()) return st;
    sha.Update(*line);
    sha.Update("\n");
    ++summary.counts[r->kind];
    if (progress && summary.counts.total() % kProgressEvery == 0)
      progress(summary.counts.total(), total);
  }
  if (!reader.status().ok()) return reader.status();
  summary.lines = reader.line_number();
  if (!trailer) {
    return LineError(summary.lines, "the file ends without a trailer line (truncated file)");
  }
  summary.sha256_hex = sha.FinalHex();
  if (absl::Status st = CheckTrailer(*trailer, summary, summary.sha256_hex, summary.lines);
      !st.ok()) {
    return st;
  }
  if (progress) progress(summary.counts.total(), total);
  if (absl::Status st = checker.Finish(); !st.ok()) return st;
  return summary;
}

}  // namespace webhooks

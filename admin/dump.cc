// webhookctl dump / restore (declared in admin/commands.h).
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>

#include "admin/commands.h"
#include "admin/progress.h"
#include "common/time_format.h"
#include "eventlog/file_event_log.h"
#include "eventlog/segment_format.h"
#include "store/store_dump.h"
#include "store/store_restore.h"

namespace po = boost::program_options;

namespace webhooks::admin {
namespace {

std::string CountsText(const dump::Counts& c) {
  std::string out;
  for (size_t i = 0; i < dump::kNumKinds; ++i) {
    if (!out.empty()) out += ", ";
    out += std::to_string(c.by_kind[i]) + " ";
    out += dump::KindName(static_cast<dump::Kind>(i));
  }
  return out;
}

// Writes the dump to `path` through a temporary file, renamed into place only once complete and
// fsync'd, so an interrupted dump never leaves a file that looks like a dump.
absl::StatusOr<dump::Counts> DumpToFile(Context& ctx, const DumpOptions& options,
                                        const std::string& path) {
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr)
    return absl::InternalError("cannot create " + tmp + ": " + std::strerror(errno));
  std::setvbuf(f, nullptr, _IOFBF, size_t{1} << 20);
  absl::StatusOr<dump::Counts> counts = DumpStore(ctx.store, options, f);
  bool ok = counts.ok() && std::fflush(f) == 0 && fsync(fileno(f)) == 0;
  std::string err = std::strerror(errno);
  ok = std::fclose(f) == 0 && ok;
  if (ok && std::rename(tmp.c_str(), path.c_str()) != 0) ok = false;
  if (!ok) {
    std::remove(tmp.c_str());
    if (!counts.ok()) return counts.status();
    return absl::InternalError("cannot write " + path + ": " + err);
  }
  return counts;
}

}  // namespace

int Dump(Context& ctx, const Args& args) {
  std::string out;
  po::options_description desc("Options");
  desc.add_options()("help,h", "print this help")("out", po::value(&out),
                                                  "write to FILE (default: stdout)")(
      "include-state", "also dump pending deliveries and the notifier cursor")(
      "progress", "show progress on stderr even when it is not a terminal");
  po::variables_map vm;
  const char* usage =
      "Usage: webhookctl --data-dir DIR dump [--out FILE] [--include-state] [--progress]\n"
      "Writes one consistent snapshot of the store as JSON Lines; safe while the services run.";
  if (int rc = Parse(args, desc, usage, &vm); rc >= 0) return rc;
  Progress progress("dump", ProgressWanted(vm.count("progress") > 0));
  DumpOptions options;
  options.include_state = vm.count("include-state") > 0;
  std::error_code ec;
  options.data_dir = std::filesystem::absolute(ctx.data_dir, ec).string();
  options.created_at = FormatTimestamp(SystemClock()());
  options.progress = progress.Fn();
  absl::StatusOr<dump::Counts> counts;
  if (out.empty() || out == "-") {
    std::setvbuf(stdout, nullptr, _IOFBF, size_t{1} << 20);
    counts = DumpStore(ctx.store, options, stdout);
    if (counts.ok() && std::fflush(stdout) != 0) {
      counts = absl::InternalError(std::string("cannot write stdout: ") + std::strerror(errno));
    }
  } else {
    counts = DumpToFile(ctx, options, out);
  }
  if (!counts.ok()) return Fail(counts.status(), "dump failed");
  if (options.progress) std::cerr << "dumped " << CountsText(*counts) << "\n";
  return 0;
}

namespace {

// Opens the store in `data_dir` with `options`, printing why not on failure.
std::unique_ptr<LmdbStore> OpenStore(const std::string& data_dir, const LmdbOptions& options) {
  absl::StatusOr<std::unique_ptr<LmdbStore>> store = LmdbStore::Open(data_dir, options);
  if (store.ok()) return *std::move(store);
  Fail(store.status(), "cannot open store in " + data_dir);
  return nullptr;
}

int RefuseNonEmpty(const std::string& data_dir) {
  std::cerr << "webhookctl: refusing to restore: the store in " << data_dir
            << " is not empty (--replace discards its content)\n";
  return 1;
}

// The cursor of a dump taken with --include-state is a position in the dumped host's event log.
// It stays when this data directory's log has a record there (the log was copied along, or
// this is the same host). Otherwise the notifier would skip this log's events before it, or
// stop at a position inside a record, so the cursor becomes the start of this log, and stderr
// says so.
uint64_t CursorForLocalLog(const std::string& data_dir, uint64_t dumped) {
  const std::string dir = data_dir + "/events";
  uint64_t start = 0;  // the first segment kept (earlier ones may have been discarded)
  if (auto segments = segment::ListSegments(dir); segments.ok() && !segments->empty()) {
    start = segments->front();
  }
  absl::StatusOr<std::unique_ptr<EventSource>> source = OpenFileEventSource(dir);
  if (!source.ok()) return dumped;  // cannot tell: as dumped
  absl::StatusOr<uint64_t> end = (*source)->EndPosition();
  if (!end.ok()) return dumped;  // a damaged log: the notifier reports it at the cursor
  if (dumped <= *end && !absl::IsOutOfRange((*source)->Read(dumped, 1).status())) return dumped;
  std::cerr << "restore: the dump's notifier cursor (" << dumped
            << ") is not a record of this data directory's event log, which ends at " << *end
            << "; the notifier will read this log from " << start << "\n";
  return start;
}

}  // namespace

// The store is opened for writing only once the file was checked and the store found empty
// (or --replace): opening with write_map changes data.mdb's size.
int Restore(const std::string& data_dir, const Args& args) {
  std::string in;
  po::options_description desc("Options");
  desc.add_options()("help,h", "print this help")("in", po::value(&in)->required(),
                                                  "the dump file to restore")(
      "replace", "replace the content of a non-empty store (default: refuse it)")(
      "progress", "show progress on stderr even when it is not a terminal");
  po::variables_map vm;
  const char* usage =
      "Usage: webhookctl --data-dir DIR restore --in FILE [--replace] [--progress]\n"
      "Checks the whole dump, then applies it in one transaction: all of it or nothing.";
  if (int rc = Parse(args, desc, usage, &vm); rc >= 0) return rc;
  bool show = ProgressWanted(vm.count("progress") > 0);
  RestoreOptions options;
  options.replace = vm.count("replace") > 0;
  options.adjust_cursor = [&data_dir](uint64_t dumped) {
    return CursorForLocalLog(data_dir, dumped);
  };
  Progress check("restore: checking", show), apply("restore: applying", show);
  options.check_progress = check.Fn();
  options.apply_progress = apply.Fn();
  if (!options.replace) {
    std::unique_ptr<LmdbStore> store = OpenStore(data_dir, LmdbOptions());
    if (store == nullptr) return 1;
    absl::StatusOr<bool> empty = StoreIsEmpty(*store);
    if (!empty.ok()) return Fail(empty.status(), "cannot read the store");
    if (!*empty) return RefuseNonEmpty(data_dir);
  }
  absl::StatusOr<DumpSummary> summary = CheckDumpFile(in, options.check_progress);
  if (!summary.ok()) return Fail(summary.status(), "refusing to restore " + in);
  std::unique_ptr<LmdbStore> store = OpenStore(data_dir, RestoreLmdbOptions(in, data_dir));
  if (store == nullptr) return 1;
  absl::Status st = ApplyDump(*store, in, *summary, options);
  if (absl::IsFailedPrecondition(st)) return RefuseNonEmpty(data_dir);  // filled meanwhile
  if (!st.ok()) return Fail(st, "refusing to restore " + in);
  std::cout << "restored " << CountsText(summary->counts) << "\n";
  return 0;
}

}  // namespace webhooks::admin

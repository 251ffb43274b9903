#include "eventlog/log_check.h"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"
#include "eventlog/segment_format.h"

namespace webhooks {
namespace {

using segment::RecordKind;
using segment::ScopedFd;

// One segment file opened for reading, with its size when opened.
struct OpenSegment {
  ScopedFd fd;
  uint64_t size = 0;
};

absl::StatusOr<OpenSegment> Open(const std::string& dir, uint64_t base) {
  const std::string path = segment::SegmentPath(dir, base);
  ScopedFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return segment::PosixError(absl::StrCat("open ", path), errno);
  absl::StatusOr<segment::FileState> state = segment::StatFd(fd.get());
  if (!state.ok()) return state.status();
  return OpenSegment{std::move(fd), state->size};
}

std::string NextSegmentProblem(uint64_t next) {
  return absl::StrCat("the next segment starts at ", next);
}

// What is wrong with an incomplete record that is damage (see CheckSegment).
const char* IncompleteProblem(bool newest) {
  return newest ? "a record length leads past intact records"
                : "incomplete record in a closed segment";
}

// Reads segment `base` from `offset` to its end, adding its intact records and its damage to
// *check. Returns the position after its last readable byte (record or skipped damage).
absl::StatusOr<uint64_t> CheckSegment(const std::string& dir, uint64_t base, bool newest,
                                      LogCheck* check) {
  absl::StatusOr<OpenSegment> seg = Open(dir, base);
  if (!seg.ok()) return seg.status();
  uint64_t offset = 0;
  while (offset < seg->size) {
    absl::StatusOr<segment::ScanResult> run =
        segment::ScanRecords(seg->fd.get(), seg->size, offset);
    if (!run.ok()) return run.status();
    check->records += run->records;
    offset = run->good_end;
    if (run->stop == RecordKind::kEnd) break;
    absl::StatusOr<uint64_t> resume = segment::FindResume(seg->fd.get(), seg->size, offset);
    if (!resume.ok()) return resume.status();
    // An incomplete record that ends the newest segment, with nothing intact after it, is an
    // append being written (or torn by a crash), not damage.
    if (newest && run->stop == RecordKind::kTorn && *resume == seg->size) break;
    check->damage.push_back(
        LogDamage{base + offset, base + *resume,
                  run->stop == RecordKind::kTorn ? IncompleteProblem(newest) : run->problem});
    offset = *resume;
  }
  return base + offset;
}

}  // namespace

absl::StatusOr<LogCheck> CheckFileEventLog(const std::string& dir) {
  absl::StatusOr<std::vector<uint64_t>> bases = segment::ListSegments(dir);
  if (!bases.ok()) return bases.status();
  LogCheck check;
  check.segments = bases->size();
  if (bases->empty()) return check;
  check.first = check.end = bases->front();
  for (size_t i = 0; i < bases->size(); ++i) {
    const uint64_t base = (*bases)[i];
    if (i > 0 && base != check.end) {
      check.damage.push_back(LogDamage{check.end, base, NextSegmentProblem(base)});
    }
    absl::StatusOr<uint64_t> end = CheckSegment(dir, base, i + 1 == bases->size(), &check);
    if (!end.ok()) return end.status();
    check.end = *end;
  }
  return check;
}

absl::StatusOr<LogDamage> FileEventLogDamageAt(const std::string& dir, uint64_t position) {
  absl::StatusOr<std::vector<uint64_t>> bases = segment::ListSegments(dir);
  if (!bases.ok()) return bases.status();
  auto after = std::upper_bound(bases->begin(), bases->end(), position);
  if (after == bases->begin()) {
    return absl::OutOfRangeError(absl::StrCat("no event log segment holds position ", position));
  }
  const uint64_t base = *std::prev(after);
  const bool newest = after == bases->end();
  const uint64_t next = newest ? 0 : *after;  // the next segment's base
  absl::StatusOr<OpenSegment> seg = Open(dir, base);
  if (!seg.ok()) return seg.status();
  const uint64_t offset = position - base;
  segment::SegmentReader reader(seg->fd.get(), seg->size);
  absl::StatusOr<segment::RecordView> view = reader.ReadAt(offset, /*check_crc=*/true);
  if (!view.ok()) return view.status();
  auto none = [&](const char* what) {
    return absl::FailedPreconditionError(
        absl::StrCat("no damage at event log position ", position, ": ", what));
  };
  if (view->kind == RecordKind::kRecord) return none("a record starts there");
  if (view->kind == RecordKind::kEnd) {
    if (newest) return none("it is the end of the log");
    return LogDamage{position, next, NextSegmentProblem(next)};
  }
  absl::StatusOr<uint64_t> resume = segment::FindResume(seg->fd.get(), seg->size, offset);
  if (!resume.ok()) return resume.status();
  if (view->kind == RecordKind::kTorn && newest && *resume == seg->size) {
    return none("an append still being written (or torn) ends the log there");
  }
  return LogDamage{position, base + *resume,
                   view->kind == RecordKind::kTorn ? IncompleteProblem(newest) : view->problem};
}

}  // namespace webhooks

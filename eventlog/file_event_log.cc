#include "eventlog/file_event_log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "eventlog/segment_format.h"
#include "eventlog/segment_writer.h"

namespace webhooks {
namespace {

using segment::RecordKind;
using segment::RecordView;
using segment::ScopedFd;
using segment::SegmentReader;

// Thread-safe (one mutex). Caches the segment listing, the fd of the segment being read, known
// record boundaries and the scanned end of the newest segment.
//
// Beyond EventSource's contract:
//  - Damage is DataLoss naming the segment file, the offset in it and the position: an
//    impossible length or a CRC mismatch with more bytes after it, an incomplete record in a
//    segment that is not the newest, or a next segment not starting where the previous ends.
//    Records before the damage are returned first; the Read starting at the damaged record
//    returns the DataLoss (and keeps doing so).
//  - OutOfRange for a position that is not a record boundary, lies in a discarded segment, or
//    is past the end of the log. Positions other than 0, a segment base, the last next_position
//    handed out and the start of the last successful Read are checked by following record
//    headers from the start of their segment, or, when those meet damage first, by the CRC of
//    the record at the position (so that a reader can be moved past damage).
class FileEventSource final : public EventSource {
 public:
  explicit FileEventSource(std::string dir) : dir_(std::move(dir)) {}

  absl::StatusOr<std::vector<LogRecord>> Read(uint64_t position, size_t max_records) override;
  absl::StatusOr<uint64_t> EndPosition() override;
  absl::Status DiscardBefore(uint64_t position, TimePoint modified_before) override;

 private:
  enum class Step { kRetry, kMoved, kEndOfData };

  absl::Status RefreshSegments();
  // The cached segment after `base`, if any.
  std::optional<uint64_t> NextSegment(uint64_t base) const;
  absl::Status OpenSegment(uint64_t base);
  // Makes current_ the segment holding `position` and checks that `position` is a record
  // boundary. False for position 0 of a log without segments.
  absl::StatusOr<bool> Seek(uint64_t position);
  absl::Status SeekCached(uint64_t position);
  absl::Status Discarded(uint64_t position) const;
  static absl::Status PastEnd(uint64_t position);
  absl::Status CheckBoundary(uint64_t position);
  // Decides what a non-record at `offset` of current_ means; may move current_ on.
  // `size` is the file size `view` was judged against; `retries` counts earlier kRetry answers
  // at this offset.
  absl::StatusOr<Step> AtStop(uint64_t offset, const RecordView& view, uint64_t size, int retries);
  absl::StatusOr<uint64_t> CurrentSize();

  const std::string dir_;
  std::mutex mu_;
  std::vector<uint64_t> segments_;  // GUARDED_BY(mu_); ascending
  ScopedFd current_;                // GUARDED_BY(mu_)
  uint64_t current_base_ = 0;       // GUARDED_BY(mu_)
  // GUARDED_BY(mu_); known boundaries: the last next_position handed out, the last Read start.
  std::optional<uint64_t> trusted_;
  std::optional<uint64_t> trusted_start_;
  ScopedFd end_fd_;        // GUARDED_BY(mu_); the newest segment, for EndPosition
  uint64_t end_base_ = 0;  // GUARDED_BY(mu_)
  uint64_t end_good_ = 0;  // GUARDED_BY(mu_); validated end within end_base_
  uint64_t end_size_ = 0;  // GUARDED_BY(mu_); file size when end_good_ was found
};

absl::Status FileEventSource::RefreshSegments() {
  absl::StatusOr<std::vector<uint64_t>> bases = segment::ListSegments(dir_);
  if (!bases.ok()) return bases.status();
  segments_ = *std::move(bases);
  return absl::OkStatus();
}

std::optional<uint64_t> FileEventSource::NextSegment(uint64_t base) const {
  auto it = std::upper_bound(segments_.begin(), segments_.end(), base);
  if (it == segments_.end()) return std::nullopt;
  return *it;
}

absl::Status FileEventSource::OpenSegment(uint64_t base) {
  if (current_.valid() && current_base_ == base) return absl::OkStatus();
  absl::StatusOr<ScopedFd> fd = segment::OpenFile(segment::SegmentPath(dir_, base), false);
  if (!fd.ok()) return fd.status();
  current_ = *std::move(fd);
  current_base_ = base;
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> FileEventSource::CurrentSize() {
  absl::StatusOr<segment::FileState> state = segment::StatFd(current_.get());
  if (!state.ok()) return state.status();
  return state->size;
}

absl::StatusOr<bool> FileEventSource::Seek(uint64_t position) {
  absl::Status s = SeekCached(position);
  if (absl::IsOutOfRange(s) || absl::IsNotFound(s)) {
    if (absl::Status r = RefreshSegments(); !r.ok()) return r;
    s = SeekCached(position);
  }
  if (s.ok()) return true;
  if (segments_.empty() && position == 0) return false;
  if (absl::IsNotFound(s)) return Discarded(position);
  return s;
}

absl::Status FileEventSource::SeekCached(uint64_t position) {
  auto it = std::upper_bound(segments_.begin(), segments_.end(), position);
  if (it == segments_.begin()) {
    if (segments_.empty()) return PastEnd(position);
    return Discarded(position);
  }
  if (absl::Status s = OpenSegment(*std::prev(it)); !s.ok()) return s;
  if (position == trusted_ || position == trusted_start_ || position == current_base_) {
    return absl::OkStatus();
  }
  return CheckBoundary(position);
}

absl::Status FileEventSource::Discarded(uint64_t position) const {
  return absl::OutOfRangeError(absl::StrCat("event log position ", position,
                                            " was discarded; the log starts at ",
                                            segments_.empty() ? uint64_t{0} : segments_.front()));
}

absl::Status FileEventSource::PastEnd(uint64_t position) {
  return absl::OutOfRangeError(absl::StrCat("event log position ", position, " is past its end"));
}

absl::Status FileEventSource::CheckBoundary(uint64_t position) {
  absl::StatusOr<uint64_t> size = CurrentSize();
  if (!size.ok()) return size.status();
  SegmentReader reader(current_.get(), *size);
  const uint64_t offset = position - current_base_;
  uint64_t at = 0;
  std::optional<absl::Status> damage;
  while (at < offset) {
    absl::StatusOr<RecordView> view = reader.ReadAt(at, /*check_crc=*/false);
    if (!view.ok()) return view.status();
    if (view->kind == RecordKind::kCorrupt) {
      damage = segment::DamageError(current_base_, at, view->problem);
      break;
    }
    if (view->kind != RecordKind::kRecord) break;
    at = view->next;
  }
  if (at == offset) return absl::OkStatus();
  // Past damage, where eventlog/log_check.h says records resume (the walk met an impossible
  // length, or a damaged length led it past `offset` or to an incomplete record): a record whose
  // CRC matches.
  absl::StatusOr<RecordView> there = reader.ReadAt(offset, /*check_crc=*/true);
  if (!there.ok()) return there.status();
  if (there->kind == RecordKind::kRecord) return absl::OkStatus();
  if (damage) return *damage;
  if (at > offset) {
    return absl::OutOfRangeError(
        absl::StrCat("event log position ", position, " is not at a record boundary"));
  }
  return PastEnd(position);
}

absl::StatusOr<std::vector<LogRecord>> FileEventSource::Read(uint64_t position,
                                                             size_t max_records) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<LogRecord> out;
  if (max_records == 0) return out;
  absl::StatusOr<bool> found = Seek(position);
  if (!found.ok()) return found.status();
  if (!*found) return out;
  trusted_start_ = position;
  absl::StatusOr<uint64_t> size = CurrentSize();
  if (!size.ok()) return size.status();
  std::optional<SegmentReader> reader(std::in_place, current_.get(), *size);
  uint64_t offset = position - current_base_;
  int retries = 0;
  while (out.size() < max_records) {
    absl::StatusOr<RecordView> view = reader->ReadAt(offset, /*check_crc=*/true);
    if (!view.ok()) return view.status();
    if (view->kind == RecordKind::kRecord) {
      out.push_back(LogRecord{current_base_ + offset, current_base_ + view->next,
                              std::string(view->payload)});
      offset = view->next;
      retries = 0;
      continue;
    }
    absl::StatusOr<Step> step = AtStop(offset, *view, reader->size(), retries++);
    // Records before a failure are returned; the next Read, starting at the failure, reports it.
    if (!step.ok() && out.empty()) return step.status();
    if (!step.ok() || *step == Step::kEndOfData) break;
    if (*step == Step::kMoved) offset = retries = 0;
    if (size = CurrentSize(); !size.ok()) return size.status();
    reader.emplace(current_.get(), *size);
  }
  if (!out.empty()) trusted_ = out.back().next_position;
  return out;
}

absl::StatusOr<FileEventSource::Step> FileEventSource::AtStop(uint64_t offset,
                                                              const RecordView& view, uint64_t size,
                                                              int retries) {
  constexpr int kMaxRetries = 3;
  absl::StatusOr<uint64_t> now = CurrentSize();
  if (!now.ok()) return now.status();
  // A writer appended or truncated a torn tail since the snapshot; a bad CRC may be a torn tail
  // seen mid-rewrite. Look again before judging.
  if (retries < kMaxRetries &&
      (*now != size || (view.kind == RecordKind::kCorrupt && retries == 0))) {
    return Step::kRetry;
  }
  if (view.kind == RecordKind::kCorrupt) {
    return segment::DamageError(current_base_, offset, view.problem);
  }
  std::optional<uint64_t> next = NextSegment(current_base_);
  if (!next) {
    if (absl::Status s = RefreshSegments(); !s.ok()) return s;
    next = NextSegment(current_base_);
  }
  if (!next) {
    // The end of the newest segment: an append being written, unless an intact record follows
    // the incomplete one (a damaged length; appends are written in order, never after a gap).
    if (view.kind != RecordKind::kTorn) return Step::kEndOfData;
    absl::StatusOr<uint64_t> resume = segment::FindResume(current_.get(), size, offset);
    if (!resume.ok()) return resume.status();
    if (*resume == size) return Step::kEndOfData;
    // Another appender may have truncated a torn tail and written over it meanwhile: judge
    // again on the next Read unless the file is as it was.
    if (now = CurrentSize(); !now.ok() || *now != size) return Step::kEndOfData;
    return segment::DamageError(
        current_base_, offset,
        absl::StrCat("a record length leads past intact records at ", current_base_ + *resume));
  }
  // A later segment exists, so current_ is closed and its size final.
  if (now = CurrentSize(); !now.ok()) return now.status();
  if (*now != size && retries < kMaxRetries) return Step::kRetry;
  if (view.kind == RecordKind::kTorn || *now != size) {
    return segment::DamageError(current_base_, offset, "incomplete record in a closed segment");
  }
  if (*next != current_base_ + offset) {
    return segment::DamageError(current_base_, offset,
                                absl::StrCat("the next segment starts at ", *next));
  }
  if (absl::Status s = OpenSegment(*next); !s.ok()) return s;
  return Step::kMoved;
}

absl::StatusOr<uint64_t> FileEventSource::EndPosition() {
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Status s = RefreshSegments(); !s.ok()) return s;
  if (segments_.empty()) return 0;
  if (!end_fd_.valid() || end_base_ != segments_.back()) {
    absl::StatusOr<ScopedFd> fd =
        segment::OpenFile(segment::SegmentPath(dir_, segments_.back()), /*create=*/false);
    if (!fd.ok()) return fd.status();
    end_fd_ = *std::move(fd);
    end_base_ = segments_.back();
    end_good_ = end_size_ = 0;
  }
  absl::StatusOr<segment::FileState> state = segment::StatFd(end_fd_.get());
  if (!state.ok()) return state.status();
  if (state->size == end_size_) return end_base_ + end_good_;
  if (state->size < end_good_) end_good_ = 0;
  absl::StatusOr<segment::ScanResult> scan =
      segment::ScanRecords(end_fd_.get(), state->size, end_good_);
  if (!scan.ok()) return scan.status();
  if (scan->stop == RecordKind::kCorrupt) {
    return segment::DamageError(end_base_, scan->good_end, scan->problem);
  }
  end_good_ = scan->good_end;
  end_size_ = state->size;
  return end_base_ + end_good_;
}

absl::Status FileEventSource::DiscardBefore(uint64_t position, TimePoint modified_before) {
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Status s = RefreshSegments(); !s.ok()) return s;
  bool removed = false;
  // A segment ends where the next begins; the newest is never removed. Oldest first, so the
  // segments left stay contiguous.
  for (size_t i = 0; i + 1 < segments_.size() && segments_[i + 1] <= position; ++i) {
    const std::string path = segment::SegmentPath(dir_, segments_[i]);
    struct stat st {};
    if (stat(path.c_str(), &st) == 0 &&
        TimePoint(std::chrono::seconds(st.st_mtim.tv_sec) +
                  std::chrono::nanoseconds(st.st_mtim.tv_nsec)) >= modified_before) {
      break;
    }
    if (unlink(path.c_str()) != 0 && errno != ENOENT) {
      return segment::PosixError(absl::StrCat("unlink ", path), errno);
    }
    if (current_.valid() && current_base_ == segments_[i]) current_ = ScopedFd();
    removed = true;
  }
  if (!removed) return absl::OkStatus();
  if (absl::Status s = segment::SyncDir(dir_); !s.ok()) return s;
  return RefreshSegments();
}

}  // namespace

absl::StatusOr<std::unique_ptr<EventSource>> OpenFileEventSource(const std::string& dir) {
  if (absl::Status s = segment::CreateDirIfMissing(dir); !s.ok()) return s;
  return std::make_unique<FileEventSource>(dir);
}

}  // namespace webhooks

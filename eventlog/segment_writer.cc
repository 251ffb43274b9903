#include "eventlog/segment_writer.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"

namespace webhooks::segment {
namespace {

// Holds flock(LOCK_EX) on an fd for its lifetime.
class FlockGuard final {
 public:
  explicit FlockGuard(int fd) : fd_(fd) {}
  FlockGuard(const FlockGuard&) = delete;
  FlockGuard& operator=(const FlockGuard&) = delete;
  ~FlockGuard() {
    if (locked_) flock(fd_, LOCK_UN);
  }

  absl::Status Lock() {
    while (flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) return PosixError("flock event log LOCK", errno);
    }
    locked_ = true;
    return absl::OkStatus();
  }

 private:
  const int fd_;
  bool locked_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<SegmentWriter>> SegmentWriter::Open(const std::string& dir,
                                                                   uint64_t segment_bytes) {
  if (segment_bytes == 0) return absl::InvalidArgumentError("segment_bytes must be > 0");
  if (absl::Status s = CreateDirIfMissing(dir); !s.ok()) return s;
  absl::StatusOr<ScopedFd> lock = OpenFile(absl::StrCat(dir, "/LOCK"), /*create=*/true);
  if (!lock.ok()) return lock.status();
  return std::unique_ptr<SegmentWriter>(new SegmentWriter(dir, segment_bytes, *std::move(lock)));
}

absl::Status SegmentWriter::Broken() const {
  std::lock_guard<std::mutex> lock(broken_mu_);
  return broken_;
}

absl::Status SegmentWriter::Prepare() {
  if (absl::Status broken = Broken(); !broken.ok()) return broken;
  FlockGuard guard(lock_.get());
  if (absl::Status s = guard.Lock(); !s.ok()) return s;
  return PrepareActive();
}

absl::StatusOr<uint64_t> SegmentWriter::Write(std::string_view records) {
  if (absl::Status broken = Broken(); !broken.ok()) return broken;
  FlockGuard guard(lock_.get());
  if (absl::Status s = guard.Lock(); !s.ok()) return s;
  if (absl::Status s = PrepareActive(); !s.ok()) return s;
  if (absl::Status s = Reserve(records.size()); !s.ok()) return s;
  // Bytes written are never cut off again here: readers take complete records as soon as they
  // are in the file, so an error from now on means "may have been appended". A torn tail is
  // truncated by the next Write (CatchUp), which readers never read past.
  if (absl::Status s = WriteAt(records); !s.ok()) {
    // Some records may be in the file (the space was reserved, so this failed part way or for
    // another reason): an unknown outcome, never "nothing written" or the client's fault.
    return absl::InternalError(absl::StrCat(s.message(), " (records may have been written)"));
  }
  if (fdatasync(active_.get()) != 0) {
    // Not a full disk to retry past (ResourceExhausted, a 503): nothing written from now on
    // could be trusted to be durable, so every later append fails until a restart reopens it.
    return Break(PosixError(absl::StrCat("fdatasync ", SegmentPath(dir_, active_base_)), errno));
  }
  const uint64_t position = active_base_ + known_end_;
  known_end_ += records.size();
  return position;
}

absl::Status SegmentWriter::PrepareActive() {
  if (active_.valid() && known_end_ < segment_bytes_) {
    absl::StatusOr<FileState> state = StatFd(active_.get());
    if (!state.ok()) return state.status();
    // Unchanged since our last write, and no next segment: another appender found this one
    // full or damaged (and started the next) only if its file is there.
    if (state->linked && state->size == known_end_ &&
        access(SegmentPath(dir_, active_base_ + known_end_).c_str(), F_OK) != 0 &&
        errno == ENOENT) {
      return absl::OkStatus();
    }
  }
  absl::StatusOr<std::vector<uint64_t>> bases = ListSegments(dir_);
  if (!bases.ok()) return bases.status();
  if (bases->empty()) {
    if (absl::Status s = Activate(0, /*create=*/true); !s.ok()) return s;
  } else if (!active_.valid() || bases->back() != active_base_) {
    if (absl::Status s = Activate(bases->back(), /*create=*/false); !s.ok()) return s;
  }
  if (absl::Status s = CatchUp(); !s.ok()) return s;
  if (known_end_ < segment_bytes_) return absl::OkStatus();
  if (absl::Status s = Activate(active_base_ + known_end_, /*create=*/true); !s.ok()) return s;
  return CatchUp();
}

absl::Status SegmentWriter::CatchUp() {
  absl::StatusOr<FileState> state = StatFd(active_.get());
  if (!state.ok()) return state.status();
  if (state->size < known_end_) known_end_ = 0;
  if (state->size == known_end_) return absl::OkStatus();
  return ValidateTail(state->size);
}

absl::Status SegmentWriter::Break(const absl::Status& cause) {
  std::lock_guard<std::mutex> lock(broken_mu_);
  broken_ = absl::InternalError(absl::StrCat(
      cause.message(), "; the event log takes no more appends until the process restarts"));
  return broken_;
}

absl::Status SegmentWriter::Activate(uint64_t base, bool create) {
  absl::StatusOr<ScopedFd> fd = OpenFile(SegmentPath(dir_, base), create);
  if (!fd.ok()) return fd.status();
  // A segment's directory entry must be durable before anything appended to it is: synced when
  // this writer creates the file, and once per process for a file found there (a failed sync
  // of an earlier process may have left its entry unsynced). A failed sync is treated as a
  // failed fdatasync.
  if (create || !dir_synced_) {
    if (absl::Status s = SyncDir(dir_); !s.ok()) return Break(s);
    dir_synced_ = true;
  }
  active_ = *std::move(fd);
  active_base_ = base;
  known_end_ = 0;
  return absl::OkStatus();
}

absl::Status SegmentWriter::ValidateTail(uint64_t size) {
  absl::StatusOr<ScanResult> scan = ScanRecords(active_.get(), size, known_end_);
  if (!scan.ok()) return scan.status();
  bool damaged = scan->stop == RecordKind::kCorrupt;
  if (!damaged && scan->good_end < size) {
    // Incomplete: a torn tail, unless an intact record follows (then a damaged length).
    absl::StatusOr<uint64_t> resume = FindResume(active_.get(), size, scan->good_end);
    if (!resume.ok()) return resume.status();
    damaged = *resume < size;
  }
  if (damaged) {
    // Never truncated: records after the damage may have been acknowledged. Under the lock no
    // writer is mid-append, so this is damage on disk (or a batch torn by a power loss).
    return Activate(active_base_ + size, /*create=*/true);
  }
  if (scan->good_end < size) {
    // A torn tail was never acknowledged: its writer died before its fdatasync returned.
    if (ftruncate(active_.get(), static_cast<off_t>(scan->good_end)) != 0 ||
        fsync(active_.get()) != 0) {
      return PosixError(absl::StrCat("truncate torn tail of ", SegmentPath(dir_, active_base_)),
                        errno);
    }
  }
  known_end_ = scan->good_end;
  return absl::OkStatus();
}

absl::Status SegmentWriter::Reserve(uint64_t bytes) {
  const std::string path = SegmentPath(dir_, active_base_);
  struct rlimit limit;
  if (getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
      known_end_ + bytes > limit.rlim_cur) {
    return PosixError(absl::StrCat("write ", path, " (file size limit)"), EFBIG);
  }
  while (fallocate(active_.get(), FALLOC_FL_KEEP_SIZE, static_cast<off_t>(known_end_),
                   static_cast<off_t>(bytes)) != 0) {
    if (errno == EINTR) continue;
    // Without fallocate a full disk may cut the write short; Write then answers Internal.
    if (errno == EOPNOTSUPP || errno == ENOSYS) break;
    return PosixError(absl::StrCat("reserve space in ", path), errno);
  }
  return absl::OkStatus();
}

absl::Status SegmentWriter::WriteAt(std::string_view records) {
  size_t done = 0;
  while (done < records.size()) {
    const ssize_t n = pwrite(active_.get(), records.data() + done, records.size() - done,
                             static_cast<off_t>(known_end_ + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return PosixError(absl::StrCat("write ", SegmentPath(dir_, active_base_)), errno);
    }
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace webhooks::segment

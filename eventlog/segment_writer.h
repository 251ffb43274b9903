// The writing side of the file event log (file_event_log.h): appends encoded batches to the
// newest segment of a directory, under flock(DIR/LOCK) so that several processes may append.
#ifndef WEBHOOKS_EVENTLOG_SEGMENT_WRITER_H_
#define WEBHOOKS_EVENTLOG_SEGMENT_WRITER_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "eventlog/segment_format.h"

namespace webhooks::segment {

// Not thread-safe: one caller at a time (the group-commit leader). Safe against other
// SegmentWriters on the same directory, in this process or others.
class SegmentWriter final {
 public:
  // Opens (creating if needed) `dir` and DIR/LOCK. No segment is touched until Write.
  // REQUIRES: segment_bytes > 0.
  static absl::StatusOr<std::unique_ptr<SegmentWriter>> Open(const std::string& dir,
                                                             uint64_t segment_bytes);

  // Appends `records` (concatenated EncodeRecord output) to the newest segment with one write
  // and one fdatasync, and returns the position of its first byte once durable. Under the lock
  // it first truncates a torn tail left by a crashed writer (an incomplete last record with no
  // intact record after it) and rotates a full segment, or one damaged before its end: the damage
  // stays for readers to report (eventlog/log_check.h finds where records resume), and appends
  // go on in the next segment, which starts at the damaged one's size. ResourceExhausted, with
  // nothing written, when the file system has no space for the write (ENOSPC, EDQUOT) or it
  // would pass the file size limit. Another error for a failed write or fdatasync: then the
  // records may still be in the log (readers may have taken them already), so the caller must
  // treat them as possibly appended. After a failed fdatasync, or a failed fsync of the
  // directory for a segment's entry, this and every later call fail with Internal: whether the
  // data reached the disk is unknown, until the process restarts and reopens the log.
  absl::StatusOr<uint64_t> Write(std::string_view records);

  // What Write does before it writes, alone: under the lock, truncates a torn tail and starts
  // the next segment when the newest is full or damaged.
  absl::Status Prepare();

  // OK, or the Internal error of a failed fdatasync that every later Write returns. Unlike
  // Write, safe to call from any thread at any time.
  absl::Status Broken() const;

 private:
  SegmentWriter(std::string dir, uint64_t segment_bytes, ScopedFd lock)
      : dir_(std::move(dir)), segment_bytes_(segment_bytes), lock_(std::move(lock)) {}

  // Leaves active_ open on the newest segment with known_end_ its validated size, rotating
  // when that is >= segment_bytes_. REQUIRES: the lock is held.
  absl::Status PrepareActive();
  // Opens segment `base` as active_ (creating it and syncing the dir if `create`); nothing
  // of it is validated yet.
  absl::Status Activate(uint64_t base, bool create);
  // Brings known_end_ up to the validated size of active_ (see ValidateTail).
  absl::Status CatchUp();
  // Validates active_ from known_end_ to `size`, truncating a torn tail, or starting the next
  // segment after `size` when it finds damage.
  absl::Status ValidateTail(uint64_t size);
  // Refuses, before anything is written, a write of `bytes` at known_end_ that the file system
  // (ENOSPC, EDQUOT: the space is reserved with fallocate's KEEP_SIZE, where supported) or the
  // file size limit (EFBIG) would cut short.
  absl::Status Reserve(uint64_t bytes);
  absl::Status WriteAt(std::string_view records);
  // Makes every later Write and Prepare fail with Internal (naming `cause` and the restart it
  // needs), and returns that error.
  absl::Status Break(const absl::Status& cause);

  const std::string dir_;
  const uint64_t segment_bytes_;
  ScopedFd lock_;
  ScopedFd active_;
  uint64_t active_base_ = 0;
  // Invariant: [0, known_end_) of active_ holds valid records, and this process saw the file
  // at exactly that size last time it held the lock.
  uint64_t known_end_ = 0;
  bool dir_synced_ = false;  // this process synced the directory (see Activate)
  mutable std::mutex broken_mu_;
  absl::Status broken_;  // guarded by broken_mu_
};

}  // namespace webhooks::segment

#endif  // WEBHOOKS_EVENTLOG_SEGMENT_WRITER_H_

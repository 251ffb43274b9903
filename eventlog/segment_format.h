// The on-disk pieces of the file event log (file_event_log.h): segment names, the record
// encoding, and a buffered reader that classifies what lies at an offset of a segment file.
#ifndef WEBHOOKS_EVENTLOG_SEGMENT_FORMAT_H_
#define WEBHOOKS_EVENTLOG_SEGMENT_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace webhooks::segment {

// [u32 length LE][u32 CRC-32 (zlib) of the payload LE].
inline constexpr size_t kHeaderBytes = 8;

// An owned file descriptor, closed on destruction. Move-only.
class ScopedFd final {
 public:
  ScopedFd() = default;
  explicit ScopedFd(int fd) : fd_(fd) {}
  ScopedFd(ScopedFd&& other) noexcept : fd_(other.Release()) {}
  ScopedFd& operator=(ScopedFd&& other) noexcept;
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release();

 private:
  int fd_ = -1;
};

// `context` + strerror(errno) as a Status (ENOENT -> NotFound, ENOSPC and EFBIG ->
// ResourceExhausted, most others -> their absl code).
absl::Status PosixError(const std::string& context, int error_number);

// "DIR/<20-digit base>.log".
std::string SegmentPath(const std::string& dir, uint64_t base);
// The base of a segment file name ("<20 digits>.log"), or nullopt for any other name.
std::optional<uint64_t> ParseSegmentName(std::string_view name);
// The bases of every segment in `dir`, ascending.
absl::StatusOr<std::vector<uint64_t>> ListSegments(const std::string& dir);
// Makes `dir`'s entries (created or unlinked files) durable.
absl::Status SyncDir(const std::string& dir);
// Creates `dir` and missing parents; when it creates any, makes the new entries durable.
absl::Status CreateDirIfMissing(const std::string& dir);
// Opens `path` read-write (creating it if `create`) with O_CLOEXEC.
absl::StatusOr<ScopedFd> OpenFile(const std::string& path, bool create);
// The file's size, and whether it is still linked into a directory.
struct FileState {
  uint64_t size = 0;
  bool linked = true;
};
absl::StatusOr<FileState> StatFd(int fd);

// Appends the encoded record (header + payload) to *out.
void EncodeRecord(std::string_view payload, std::string* out);

// What lies at an offset of a segment, judged against a snapshot of the file size.
enum class RecordKind {
  kRecord,   // a complete record (with a matching CRC, when checked)
  kEnd,      // offset == size
  kTorn,     // an incomplete final record, or a CRC-bad record ending exactly at the size
  kCorrupt,  // an impossible length or a bad CRC with more bytes after it
};

struct RecordView {
  RecordKind kind = RecordKind::kEnd;
  uint64_t next = 0;         // kRecord: the offset after the record
  std::string_view payload;  // kRecord with a checked CRC; valid until the next ReadAt
  std::string problem;       // kCorrupt: what is wrong
};

// Reads records of one segment through a buffer with pread. Not thread-safe.
class SegmentReader final {
 public:
  // `fd` is not owned and must outlive the reader; `size` is the file size to judge against.
  SegmentReader(int fd, uint64_t size) : fd_(fd), size_(size) {}

  // Classifies the bytes at `offset` (<= size). With `check_crc` false only the header is read
  // and a record is kRecord when its length is possible and it fits. A file found shorter than
  // `size` (a torn tail truncated meanwhile) reads as kTorn. IOError if pread fails.
  absl::StatusOr<RecordView> ReadAt(uint64_t offset, bool check_crc);
  // Whether the header at `offset` gives a possible length whose record fits before `size`
  // (ReadAt's kRecord without the CRC check, and without building any problem text).
  absl::StatusOr<bool> PlausibleAt(uint64_t offset);
  uint64_t size() const { return size_; }

 private:
  // Makes [offset, offset + n) available in buf_; false if the file ended first.
  absl::StatusOr<bool> Fill(uint64_t offset, size_t n);

  int fd_;
  uint64_t size_;
  std::string buf_;
  uint64_t buf_offset_ = 0;
};

// Where a run of valid records starting at `from` stops, and why (kEnd, kTorn or kCorrupt).
struct ScanResult {
  uint64_t good_end = 0;
  uint64_t records = 0;  // intact records in [from, good_end)
  RecordKind stop = RecordKind::kEnd;
  std::string problem;
};
absl::StatusOr<ScanResult> ScanRecords(int fd, uint64_t size, uint64_t from);

// Where intact records start again after damage at `from` in a segment file of `size` bytes:
// the first offset after `from` holding a record that passes its CRC and is followed by the end
// of the file, another such record or an incomplete record; `size` when there is none. Linear in
// the bytes searched (the CRC is computed only where a header gives a possible length).
absl::StatusOr<uint64_t> FindResume(int fd, uint64_t size, uint64_t from);

// DataLoss naming the segment and the offset within it.
absl::Status DamageError(uint64_t base, uint64_t offset, const std::string& problem);

}  // namespace webhooks::segment

#endif  // WEBHOOKS_EVENTLOG_SEGMENT_FORMAT_H_

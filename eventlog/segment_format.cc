#include "eventlog/segment_format.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "eventlog/event_log.h"

namespace webhooks::segment {
namespace {

constexpr size_t kBufferBytes = size_t{64} << 10;
constexpr size_t kNameDigits = 20;
constexpr std::string_view kSuffix = ".log";

uint32_t DecodeU32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return uint32_t{u[0]} | uint32_t{u[1]} << 8 | uint32_t{u[2]} << 16 | uint32_t{u[3]} << 24;
}

void PutU32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t Crc(std::string_view data) {
  return static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
}

}  // namespace

ScopedFd& ScopedFd::operator=(ScopedFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.Release();
  }
  return *this;
}

ScopedFd::~ScopedFd() {
  if (fd_ >= 0) close(fd_);
}

int ScopedFd::Release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

absl::Status PosixError(const std::string& context, int error_number) {
  // A file size limit is a storage limit, as a full disk (ENOSPC) is: absl would call EFBIG
  // OutOfRange, which the API answers as a client's payload being too large.
  if (error_number == EFBIG) {
    return absl::ResourceExhaustedError(absl::StrCat(context, ": ", std::strerror(EFBIG)));
  }
  return absl::ErrnoToStatus(error_number, context);
}

std::string SegmentPath(const std::string& dir, uint64_t base) {
  char name[32];
  std::snprintf(name, sizeof(name), "%020llu.log", static_cast<unsigned long long>(base));
  return absl::StrCat(dir, "/", name);
}

std::optional<uint64_t> ParseSegmentName(std::string_view name) {
  if (name.size() != kNameDigits + kSuffix.size() || !name.ends_with(kSuffix)) {
    return std::nullopt;
  }
  uint64_t base = 0;
  for (size_t i = 0; i < kNameDigits; ++i) {
    const char c = name[i];
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (base > (UINT64_MAX - digit) / 10) return std::nullopt;
    base = base * 10 + digit;
  }
  return base;
}

absl::StatusOr<std::vector<uint64_t>> ListSegments(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return PosixError(absl::StrCat("opendir ", dir), errno);
  std::vector<uint64_t> bases;
  errno = 0;
  while (const dirent* entry = readdir(d)) {
    if (std::optional<uint64_t> base = ParseSegmentName(entry->d_name)) bases.push_back(*base);
  }
  const int error_number = errno;
  closedir(d);
  if (error_number != 0) return PosixError(absl::StrCat("readdir ", dir), error_number);
  std::sort(bases.begin(), bases.end());
  return bases;
}

absl::Status SyncDir(const std::string& dir) {
  ScopedFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return PosixError(absl::StrCat("open ", dir), errno);
  if (fsync(fd.get()) != 0) return PosixError(absl::StrCat("fsync ", dir), errno);
  return absl::OkStatus();
}

absl::Status CreateDirIfMissing(const std::string& dir) {
  std::error_code ec;
  const std::filesystem::path path = std::filesystem::absolute(dir, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("bad event log dir ", dir));
  std::filesystem::path missing = path;
  while (!std::filesystem::exists(missing, ec) && missing.has_parent_path() &&
         missing != missing.parent_path()) {
    missing = missing.parent_path();
  }
  if (!std::filesystem::create_directories(path, ec)) {
    if (ec) return absl::InternalError(absl::StrCat("mkdir ", dir, ": ", ec.message()));
    return absl::OkStatus();
  }
  // `missing` is the deepest directory that existed; every new entry hangs below it.
  for (std::filesystem::path p = path; p != missing; p = p.parent_path()) {
    if (absl::Status s = SyncDir(p.parent_path().string()); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<ScopedFd> OpenFile(const std::string& path, bool create) {
  const int flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0);
  ScopedFd fd(open(path.c_str(), flags, 0644));
  if (!fd.valid()) return PosixError(absl::StrCat("open ", path), errno);
  return fd;
}

absl::StatusOr<FileState> StatFd(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return PosixError("fstat", errno);
  return FileState{static_cast<uint64_t>(st.st_size), st.st_nlink > 0};
}

void EncodeRecord(std::string_view payload, std::string* out) {
  PutU32(static_cast<uint32_t>(payload.size()), out);
  PutU32(Crc(payload), out);
  out->append(payload);
}

absl::StatusOr<bool> SegmentReader::Fill(uint64_t offset, size_t n) {
  if (offset >= buf_offset_ && offset + n <= buf_offset_ + buf_.size()) return true;
  const size_t want =
      static_cast<size_t>(std::min<uint64_t>(std::max(n, kBufferBytes), size_ - offset));
  buf_.resize(std::max(want, n));
  buf_offset_ = offset;
  size_t got = 0;
  while (got < want) {
    const ssize_t r = pread(fd_, buf_.data() + got, want - got, static_cast<off_t>(offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return PosixError("pread segment", errno);
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  buf_.resize(got);
  return got >= n;
}

absl::StatusOr<RecordView> SegmentReader::ReadAt(uint64_t offset, bool check_crc) {
  RecordView view;
  if (offset >= size_) return view;  // kEnd
  view.kind = RecordKind::kTorn;
  const uint64_t left = size_ - offset;
  if (left < kHeaderBytes) return view;
  absl::StatusOr<bool> filled = Fill(offset, kHeaderBytes);
  if (!filled.ok()) return filled.status();
  if (!*filled) return view;
  const char* header = buf_.data() + (offset - buf_offset_);
  const uint32_t length = DecodeU32(header);
  const uint32_t crc = DecodeU32(header + 4);
  const uint64_t after_header = left - kHeaderBytes;
  if (length == 0 || length > kMaxEventRecordBytes) {
    if (after_header == 0) return view;
    view.kind = RecordKind::kCorrupt;
    view.problem = absl::StrCat("impossible record length ", length);
    return view;
  }
  if (length > after_header) return view;
  view.next = offset + kHeaderBytes + length;
  view.kind = RecordKind::kRecord;
  if (!check_crc) return view;
  filled = Fill(offset, kHeaderBytes + length);
  if (!filled.ok()) return filled.status();
  if (!*filled) {
    view.kind = RecordKind::kTorn;
    return view;
  }
  view.payload = std::string_view(buf_).substr(offset - buf_offset_ + kHeaderBytes, length);
  if (Crc(view.payload) == crc) return view;
  view.payload = {};
  view.kind = view.next == size_ ? RecordKind::kTorn : RecordKind::kCorrupt;
  view.problem = absl::StrCat("CRC mismatch in a record of ", length, " bytes");
  return view;
}

absl::StatusOr<ScanResult> ScanRecords(int fd, uint64_t size, uint64_t from) {
  SegmentReader reader(fd, size);
  ScanResult result;
  result.good_end = from;
  while (true) {
    absl::StatusOr<RecordView> view = reader.ReadAt(result.good_end, /*check_crc=*/true);
    if (!view.ok()) return view.status();
    if (view->kind != RecordKind::kRecord) {
      result.stop = view->kind;
      result.problem = std::move(view->problem);
      return result;
    }
    result.good_end = view->next;
    ++result.records;
  }
}

absl::StatusOr<bool> SegmentReader::PlausibleAt(uint64_t offset) {
  if (offset >= size_ || size_ - offset <= kHeaderBytes) return false;
  absl::StatusOr<bool> filled = Fill(offset, kHeaderBytes);
  if (!filled.ok() || !*filled) return filled;
  const uint32_t length = DecodeU32(buf_.data() + (offset - buf_offset_));
  return length != 0 && length <= kMaxEventRecordBytes && length <= size_ - offset - kHeaderBytes;
}

absl::StatusOr<uint64_t> FindResume(int fd, uint64_t size, uint64_t from) {
  SegmentReader headers(fd, size);  // two buffers: the scan's window stays put during checks
  SegmentReader records(fd, size);
  for (uint64_t o = from + 1; o + kHeaderBytes < size; ++o) {
    absl::StatusOr<bool> plausible = headers.PlausibleAt(o);
    if (!plausible.ok()) return plausible.status();
    if (!*plausible) continue;
    absl::StatusOr<RecordView> view = records.ReadAt(o, /*check_crc=*/true);
    if (!view.ok()) return view.status();
    if (view->kind != RecordKind::kRecord) continue;
    if (view->next == size) return o;
    absl::StatusOr<RecordView> after = records.ReadAt(view->next, /*check_crc=*/true);
    if (!after.ok()) return after.status();
    if (after->kind == RecordKind::kRecord || after->kind == RecordKind::kTorn) return o;
  }
  return size;
}

absl::Status DamageError(uint64_t base, uint64_t offset, const std::string& problem) {
  char name[32];
  std::snprintf(name, sizeof(name), "%020llu.log", static_cast<unsigned long long>(base));
  return absl::DataLossError(absl::StrCat("event log segment ", name, " offset ", offset, ": ",
                                          problem, " (position ", base + offset, ")"));
}

}  // namespace webhooks::segment

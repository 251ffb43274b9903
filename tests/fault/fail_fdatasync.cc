// Fault injection for the integration tests, loaded with LD_PRELOAD into a real webhook-api or
// webhook-notifier. fdatasync(2) on a file whose path contains $WH_FAIL_FDATASYNC_PATH fails
// with EIO once $WH_FAIL_FDATASYNC_AFTER (default 0) such calls have succeeded, for
// $WH_FAIL_FDATASYNC_TIMES calls (default: every later one). fsync(2) does the same with
// $WH_FAIL_FSYNC_PATH, _AFTER and _TIMES (the event log syncs its directory with fsync), and
// pwrite(2) with $WH_FAIL_PWRITE_PATH, _AFTER and _TIMES, counting only writes that start below
// offset $WH_FAIL_PWRITE_BELOW (LMDB's meta pages are the first two pages of data.mdb). Every
// other call, and every call while the _PATH variable is unset or empty, goes to the C library.
// A disk that fails a flush is what this stands for; no test machine has one to hand.
#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

// Whether fd's path contains `part` (false when it cannot be read).
bool PathContains(int fd, const char* part) {
  char link[64];
  char path[4096];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = readlink(link, path, sizeof path - 1);
  if (n <= 0) return false;
  path[n] = '\0';
  return std::string(path).find(part) != std::string::npos;
}

long EnvLong(const std::string& name, long otherwise) {
  const char* text = std::getenv(name.c_str());
  return text != nullptr ? std::atol(text) : otherwise;
}

// Whether this call on `fd` should fail, by the variables `prefix`_PATH, _AFTER and _TIMES;
// `matched` counts the calls on matching files so far.
bool ShouldFail(int fd, const std::string& prefix, std::atomic<long>& matched) {
  const char* part = std::getenv((prefix + "_PATH").c_str());
  if (part == nullptr || *part == '\0' || !PathContains(fd, part)) return false;
  const long after = EnvLong(prefix + "_AFTER", 0);
  const long times = EnvLong(prefix + "_TIMES", -1);
  const long n = matched.fetch_add(1);
  return n >= after && (times < 0 || n < after + times);
}

using SyncFn = int (*)(int);
using PwriteFn = ssize_t (*)(int, const void*, size_t, off_t);

}  // namespace

extern "C" int fdatasync(int fd) {
  static const SyncFn real = reinterpret_cast<SyncFn>(dlsym(RTLD_NEXT, "fdatasync"));
  static std::atomic<long> matched{0};
  if (ShouldFail(fd, "WH_FAIL_FDATASYNC", matched)) {
    errno = EIO;
    return -1;
  }
  return real(fd);
}

extern "C" int fsync(int fd) {
  static const SyncFn real = reinterpret_cast<SyncFn>(dlsym(RTLD_NEXT, "fsync"));
  static std::atomic<long> matched{0};
  if (ShouldFail(fd, "WH_FAIL_FSYNC", matched)) {
    errno = EIO;
    return -1;
  }
  return real(fd);
}

extern "C" ssize_t pwrite(int fd, const void* buf, size_t n, off_t offset) {
  static const PwriteFn real = reinterpret_cast<PwriteFn>(dlsym(RTLD_NEXT, "pwrite"));
  static std::atomic<long> matched{0};
  if (offset < EnvLong("WH_FAIL_PWRITE_BELOW", 0) && ShouldFail(fd, "WH_FAIL_PWRITE", matched)) {
    errno = EIO;
    return -1;
  }
  return real(fd, buf, n, offset);
}

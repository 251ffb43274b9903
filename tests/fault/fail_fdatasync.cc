// Fault injection for the integration tests, loaded with LD_PRELOAD into a real webhook-api:
// fdatasync(2) on a file whose path contains $WH_FAIL_FDATASYNC_PATH fails with EIO, once
// $WH_FAIL_FDATASYNC_AFTER (default 0) such calls have succeeded, for $WH_FAIL_FDATASYNC_TIMES
// calls (default: every later one). Every other call, and every call while
// WH_FAIL_FDATASYNC_PATH is unset or empty, goes to the C library's fdatasync.
// A disk that fails a flush is what this stands for; no test machine has one to hand.
#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

// Whether fd's path contains `part` (false when it cannot be read).
bool PathContains(int fd, const char* part) {
  char link[64];
  char path[4096];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = readlink(link, path, sizeof path - 1);
  if (n <= 0) return false;
  path[n] = '\0';
  return std::strstr(path, part) != nullptr;
}

}  // namespace

extern "C" int fdatasync(int fd) {
  using Fn = int (*)(int);
  static const Fn real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "fdatasync"));
  static std::atomic<long> matched{0};
  const char* part = std::getenv("WH_FAIL_FDATASYNC_PATH");
  if (part != nullptr && *part != '\0' && PathContains(fd, part)) {
    const char* after_text = std::getenv("WH_FAIL_FDATASYNC_AFTER");
    const char* times_text = std::getenv("WH_FAIL_FDATASYNC_TIMES");
    const long after = after_text != nullptr ? std::atol(after_text) : 0;
    const long n = matched.fetch_add(1);
    if (n >= after && (times_text == nullptr || n < after + std::atol(times_text))) {
      errno = EIO;
      return -1;
    }
  }
  return real(fd);
}

#include "admin/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace webhooks::admin {

bool ProgressWanted(bool forced) { return forced || isatty(STDERR_FILENO) == 1; }

Progress::Progress(std::string label, bool enabled)
    : label_(std::move(label)),
      enabled_(enabled),
      tty_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

Progress::~Progress() {
  if (printed_ && tty_) std::fputc('\n', stderr);
}

dump::ProgressFn Progress::Fn() {
  if (!enabled_) return nullptr;
  return [this](uint64_t done, uint64_t total) { Update(done, total); };
}

void Progress::Update(uint64_t done, uint64_t total) {
  auto now = std::chrono::steady_clock::now();
  bool finished = total > 0 && done >= total;
  if (now - last_ < std::chrono::milliseconds(500) && !finished) return;
  if (finished && finished_) return;
  finished_ = finished;
  last_ = now;
  double secs = std::chrono::duration<double>(now - start_).count();
  double rate = secs > 0 ? done / secs : 0;
  std::string eta = "?";
  if (total > 0 && rate > 0)
    eta = std::to_string(static_cast<long>((total - std::min(done, total)) / rate)) + "s";
  std::fprintf(stderr, "%s%s: %llu/%s records, %.0f records/s, ETA %s%s", tty_ ? "\r" : "",
               label_.c_str(), static_cast<unsigned long long>(done),
               total > 0 ? std::to_string(total).c_str() : "?", rate, eta.c_str(),
               tty_ ? "\033[K" : "\n");
  printed_ = true;
  if (finished && tty_) {
    std::fputc('\n', stderr);  // the next progress line starts below this one
    printed_ = false;
  }
  std::fflush(stderr);
}

}  // namespace webhooks::admin

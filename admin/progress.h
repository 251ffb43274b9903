// Progress lines on stderr for long dumps and restores: records done, records/s and ETA.
#ifndef WEBHOOKS_ADMIN_PROGRESS_H_
#define WEBHOOKS_ADMIN_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <string>

#include "store/dump_format.h"

namespace webhooks::admin {

// True when progress should be shown: --progress was given or stderr is a terminal.
bool ProgressWanted(bool forced);

// Prints "<label>: N/T records, R records/s, ETA Ss" at most twice a second; on a terminal the
// line is redrawn in place, otherwise each update is its own line. Silent when disabled.
class Progress {
 public:
  Progress(std::string label, bool enabled);
  ~Progress();  // ends the line, when something was printed
  // A callback for the store's dump/restore functions. REQUIRES: this outlives it.
  dump::ProgressFn Fn();

 private:
  void Update(uint64_t done, uint64_t total);

  std::string label_;
  bool enabled_;
  bool tty_;
  bool printed_ = false;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace webhooks::admin

#endif  // WEBHOOKS_ADMIN_PROGRESS_H_

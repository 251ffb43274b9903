// webhook-notifier's command line and config file (Boost.Program_options, name=value lines).
#ifndef WEBHOOKS_NOTIFIER_FLAGS_H_
#define WEBHOOKS_NOTIFIER_FLAGS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "notifier/notifier.h"

namespace webhooks::notifier_flags {

struct Flags {
  std::string data_dir;
  std::string config;
  bool config_optional = false;
  std::string retry_schedule;
  std::string event_retention;
  std::string delivery_retention;
  std::string disable_after;
  std::vector<std::string> allow_cidr;
  size_t transport_threads = 2;
  std::string metrics_file;
  int metrics_interval_ms = 5000;
  NotifierOptions options;
};

// Parses argv (and the config file). Returns false when the process should not run: *code 0
// after --help, 2 with *error set on a bad flag or config. Error messages name options, never
// their values (the config holds the Twilio auth token and other secrets).
bool ParseFlags(int argc, char** argv, Flags* f, int* code, std::string* error);

}  // namespace webhooks::notifier_flags

#endif  // WEBHOOKS_NOTIFIER_FLAGS_H_

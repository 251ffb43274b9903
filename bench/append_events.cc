// append_events: appends N events for one organization to the event log of a data directory,
// through the same durable appender the API uses (many threads, so group commit batches them):
// the backlog for bench/notifier_bench.sh's memory check.
//
//   append_events --data-dir DIR --org INTERNAL_ID --count N [--threads T (default 256)]
//
// stderr: the count and the elapsed time.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "common/time_format.h"
#include "eventlog/file_event_log.h"
#include "model/event.h"

int main(int argc, char** argv) {
  std::string data_dir, org;
  long count = 0, threads = 256;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--data-dir") data_dir = value;
    if (flag == "--org") org = value;
    if (flag == "--count") count = std::atol(value.c_str());
    if (flag == "--threads") threads = std::atol(value.c_str());
  }
  if (data_dir.empty() || org.empty() || count <= 0 || threads <= 0) {
    std::fprintf(stderr, "usage: append_events --data-dir DIR --org ID --count N [--threads T]\n");
    return 2;
  }
  auto log = webhooks::OpenFileEventAppender(data_dir + "/events");
  if (!log.ok()) {
    std::fprintf(stderr, "cannot open the event log: %s\n", log.status().ToString().c_str());
    return 1;
  }
  const auto start = std::chrono::steady_clock::now();
  std::atomic<long> next{0}, failed{0};
  std::vector<std::thread> workers;
  for (long t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (long n = next++; n < count; n = next++) {
        webhooks::Event e;
        e.internal_id = org;
        e.event_id = "evt_bench_" + std::to_string(n);
        e.event_type = "object.created";
        e.occurred_at = webhooks::FormatTimestamp(webhooks::SystemClock()());
        e.metadata = R"({"source":"append_events","n":)" + std::to_string(n) + "}";
        if (!(*log)->Append(webhooks::EncodeEventRecord(e)).ok()) ++failed;
      }
    });
  }
  for (auto& w : workers) w.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "appended %ld events in %.1f s (%.0f/s), %ld failed\n",
               count - failed.load(), secs, (count - failed.load()) / secs, failed.load());
  return failed == 0 ? 0 : 1;
}

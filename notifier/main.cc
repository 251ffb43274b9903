// webhook-notifier: delivers every event of the log to every matching channel.
#include <pthread.h>
#include <signal.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "common/thread_name.h"
#include "eventlog/file_event_log.h"
#include "notifier/flags.h"
#include "notifier/metrics.h"
#include "notifier/notifier.h"
#include "notifier/transport.h"
#include "store/lmdb_delivery_store.h"
#include "store/lmdb_store.h"

namespace {

using webhooks::notifier_flags::Flags;
using webhooks::notifier_flags::ParseFlags;

constexpr size_t kTrimAboveBytes = size_t{32} << 20;  // see TrimPages

// Escapes a value for a double-quoted log field.
std::string Quote(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

// What main, the signal thread and the status thread share.
struct Control {
  std::mutex mu;
  std::condition_variable cv;
  webhooks::Notifier* running = nullptr;  // GUARDED_BY(mu)
  bool stop = false;                      // GUARDED_BY(mu)
  bool reload = false;                    // GUARDED_BY(mu)
  std::unique_ptr<Flags> next;            // GUARDED_BY(mu): the config read on SIGHUP
  // Counted across reloads; written to --metrics-file (the one given at start) if any, by the
  // metrics thread (without holding mu) and, once it ended, by main.
  webhooks::NotifierMetrics metrics;
  webhooks::MetricsFile metrics_file;
  std::chrono::milliseconds metrics_interval{5000};
  // When delivery history passes run, across reloads (used by one notifier instance at a time).
  webhooks::HistoryRetention::Schedule history_schedule;
};

std::string StatusLine(const webhooks::Notifier::Stats& s) {
  const uint64_t lag = s.log_end > s.cursor ? s.log_end - s.cursor : 0;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "STATUS=lag %llu bytes, %llu deliveries pending, %zu in flight, %zu endpoints "
                "not answering, %zu rate-limited",
                static_cast<unsigned long long>(lag), static_cast<unsigned long long>(s.pending),
                s.in_flight, s.not_answering, s.paced);
  if (s.stopped_at_damage) {
    return std::string(buf) + "; STOPPED at damage in the event log (webhookctl eventlog check)";
  }
  return buf;
}

// The signal thread: SIGHUP re-reads the flags and config (a bad config keeps the running one)
// and restarts the running notifier with them; SIGTERM / SIGINT stop. Returns after a stop.
void HandleSignals(const sigset_t& signals, int argc, char** argv, Control& ctl) {
  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      auto next = std::make_unique<Flags>();
      int c = 0;
      std::string err;
      if (!ParseFlags(argc, argv, next.get(), &c, &err)) {
        std::fprintf(stderr,
                     "level=error msg=\"config reload failed; keeping the running config\" "
                     "error=\"%s\"\n",
                     Quote(err).c_str());
        continue;
      }
      std::fprintf(stderr, "level=info msg=\"reloading config\" config=\"%s\"\n",
                   Quote(next->config).c_str());
      sd_notify(0, "RELOADING=1\nSTATUS=reloading config");
      std::lock_guard<std::mutex> lock(ctl.mu);
      ctl.next = std::move(next);
      ctl.reload = true;
      if (ctl.running) ctl.running->Stop();
      continue;
    }
    std::fprintf(stderr, "level=info msg=\"stopping\" signal=%d\n", sig);
    sd_notify(0, "STOPPING=1\nSTATUS=stopping");
    std::lock_guard<std::mutex> lock(ctl.mu);
    ctl.stop = true;
    if (ctl.running) ctl.running->Stop();
    ctl.cv.notify_all();
    return;
  }
}

// Status and watchdog: every few seconds (at most half of WatchdogSec), the queue figures go to
// systemd as STATUS= along with WATCHDOG=1. GetStats() reads the cursor and the queue from LMDB,
// so a wedged store stops the pings and systemd restarts the service. Returns after a stop.
void ReportStatus(Control& ctl) {
  uint64_t watchdog_usec = 0;
  const bool watchdog = sd_watchdog_enabled(0, &watchdog_usec) > 0;
  auto period = std::chrono::milliseconds(5000);
  if (watchdog) {
    period =
        std::min(period, std::chrono::milliseconds(std::max<uint64_t>(watchdog_usec / 2000, 10)));
  }
  std::unique_lock<std::mutex> lock(ctl.mu);
  while (!ctl.stop) {
    ctl.cv.wait_for(lock, period, [&] { return ctl.stop; });
    if (ctl.stop) break;
    std::string msg;
    if (ctl.running) msg = StatusLine(ctl.running->GetStats());
    if (watchdog) msg += msg.empty() ? "WATCHDOG=1" : "\nWATCHDOG=1";
    if (!msg.empty()) sd_notify(0, msg.c_str());
  }
}

// The metrics thread (only with --metrics-file): rewrites the file every metrics_interval, with
// the queue gauges while a notifier runs, until a stop. On a thread of its own, and without
// holding mu while it writes, so that a slow file system holds up neither the watchdog pings
// nor the other threads.
void WriteMetrics(Control& ctl) {
  std::unique_lock<std::mutex> lock(ctl.mu);
  while (!ctl.cv.wait_for(lock, ctl.metrics_interval, [&] { return ctl.stop; })) {
    std::optional<webhooks::Notifier::Stats> stats;
    if (ctl.running) stats = ctl.running->GetStats();
    lock.unlock();
    ctl.metrics_file.Write(ctl.metrics, stats);
    lock.lock();
  }
}

// Pages of the store the notifier read or wrote stay in the page cache, not in its RSS: with a
// large queue LMDB's map (and the kernel's fault-around, which maps up to 16 neighbouring cached
// pages per fault) would otherwise make the process as big as the store. Every 5 ms, once mapped
// file pages pass kTrimAboveBytes, they are unmapped (LmdbEnv::TrimMappedPages). Returns after a
// stop.
void TrimPages(webhooks::LmdbEnv& env, Control& ctl) {
  std::unique_lock<std::mutex> lock(ctl.mu);
  while (!ctl.cv.wait_for(lock, std::chrono::milliseconds(5), [&] { return ctl.stop; })) {
    lock.unlock();
    env.TrimMappedPages(kTrimAboveBytes);
    lock.lock();
  }
}

// What every notifier instance runs on; outlives them all (reloads make new ones).
struct Runtime {
  webhooks::LmdbStore& store;
  webhooks::LmdbDeliveryStore& deliveries;
  webhooks::EventSource& log;
};

// Runs notifier instances, a new one with the new flags after each SIGHUP, until a stop (or an
// instance that ends by itself). READY=1 goes out once the store's cursor and queue were read.
void RunNotifiers(std::unique_ptr<Flags> flags, const Runtime& rt, Control& ctl) {
  for (;;) {
    // A transport per instance: Run() ends by draining (stopping) its transport.
    std::unique_ptr<webhooks::Transport> transport =
        webhooks::NewCurlTransport(flags->transport_threads);
    flags->options.metrics = &ctl.metrics;
    flags->options.history_schedule = &ctl.history_schedule;
    auto notifier = std::make_unique<webhooks::Notifier>(
        flags->options, rt.store, rt.deliveries, rt.log, *transport, webhooks::SystemClock());
    auto cursor = rt.deliveries.Cursor();
    auto pending = rt.deliveries.PendingCount();
    if (!cursor.ok() || !pending.ok()) {
      std::fprintf(
          stderr,
          "level=fatal msg=\"cannot read the cursor or the delivery queue\" "
          "error=\"%s\"\n",
          Quote(std::string((cursor.ok() ? pending.status() : cursor.status()).message())).c_str());
      _exit(1);  // the other threads hold references to main's stack; nothing to flush
    }
    {
      std::lock_guard<std::mutex> lock(ctl.mu);
      if (ctl.stop) return;
      if (ctl.reload) {  // SIGHUP before this instance ran: take the new config first
        ctl.reload = false;
        flags = std::move(ctl.next);
        continue;
      }
      ctl.running = notifier.get();
    }
    webhooks::Notifier::Stats stats = notifier->GetStats();
    std::string ready = "READY=1\n" + StatusLine(stats);
    sd_notify(0, ready.c_str());
    std::fprintf(stderr, "level=info msg=\"ready\" cursor=%llu log_end=%llu pending=%llu\n",
                 static_cast<unsigned long long>(stats.cursor),
                 static_cast<unsigned long long>(stats.log_end),
                 static_cast<unsigned long long>(stats.pending));
    notifier->Run();  // until Stop(): in-flight attempts finish or stay queued; outcomes committed
    std::lock_guard<std::mutex> lock(ctl.mu);
    ctl.running = nullptr;
    if (ctl.stop || !ctl.reload) return;
    ctl.reload = false;
    std::unique_ptr<Flags> next = std::move(ctl.next);
    if (next->data_dir != flags->data_dir) {
      std::fprintf(stderr,
                   "level=warn msg=\"data-dir changes take effect on restart, not on reload\"\n");
    }
    flags = std::move(next);
    std::fprintf(stderr, "level=info msg=\"config reloaded\" config=\"%s\"\n",
                 Quote(flags->config).c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  auto flags = std::make_unique<Flags>();
  int code = 0;
  std::string error;
  if (!ParseFlags(argc, argv, flags.get(), &code, &error)) {
    if (code != 0) {
      std::fprintf(stderr, "level=fatal msg=\"bad flags or config\" error=\"%s\"\n",
                   Quote(error).c_str());
      std::cerr << "webhook-notifier: " << error << " (see --help)\n";
    }
    return code;
  }
  // SIGTERM/SIGINT stop, SIGHUP reloads; all taken by the signal thread below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGXFSZ, SIG_IGN);  // a file size limit fails the write (EFBIG), retried, not fatal

  auto store = webhooks::LmdbStore::Open(flags->data_dir);
  if (!store.ok()) {
    std::fprintf(stderr, "level=fatal msg=\"cannot open store\" error=\"%s\"\n",
                 Quote(std::string(store.status().message())).c_str());
    return 1;
  }
  auto log = webhooks::OpenFileEventSource(flags->data_dir + "/events");
  if (!log.ok()) {
    std::fprintf(stderr, "level=fatal msg=\"cannot open event log\" error=\"%s\"\n",
                 Quote(std::string(log.status().message())).c_str());
    return 1;
  }
  webhooks::LmdbDeliveryStore deliveries((*store)->env());

  Control ctl;
  ctl.metrics_file = webhooks::MetricsFile(flags->metrics_file);
  ctl.metrics_interval = std::chrono::milliseconds(flags->metrics_interval_ms);
  std::thread signal_thread([&] {
    webhooks::NameThisThread("wh-signals");
    HandleSignals(signals, argc, argv, ctl);
  });
  std::thread status_thread([&] {
    webhooks::NameThisThread("wh-status");
    ReportStatus(ctl);
  });
  std::thread trim_thread([&] {
    webhooks::NameThisThread("wh-trim");
    TrimPages((*store)->env(), ctl);
  });
  std::thread metrics_thread;
  if (ctl.metrics_file.enabled()) {
    metrics_thread = std::thread([&] {
      webhooks::NameThisThread("wh-metrics");
      WriteMetrics(ctl);
    });
  }
  std::fprintf(stderr, "level=info msg=\"notifier started\" data_dir=\"%s\"\n",
               Quote(flags->data_dir).c_str());
  RunNotifiers(std::move(flags), Runtime{**store, deliveries, **log}, ctl);
  bool by_signal;
  {
    std::lock_guard<std::mutex> lock(ctl.mu);
    by_signal = ctl.stop;
    ctl.stop = true;
    ctl.cv.notify_all();
  }
  status_thread.join();
  trim_thread.join();
  if (metrics_thread.joinable()) {
    metrics_thread.join();
    ctl.metrics_file.Write(ctl.metrics, std::nullopt);  // final: every outcome is committed
  }
  if (!by_signal) pthread_kill(signal_thread.native_handle(), SIGTERM);  // Run() ended by itself
  signal_thread.join();
  std::fprintf(stderr, "level=info msg=\"notifier stopped\"\n");
  return 0;
}

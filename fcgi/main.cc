// webhook-api: the FastCGI responder behind nginx.
#include <dirent.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <atomic>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>

#include "eventlog/file_event_log.h"
#include "fcgi/fcgi_server.h"
#include "fcgi/router.h"
#include "store/lmdb_delivery_store.h"
#include "store/lmdb_store.h"

namespace po = boost::program_options;

namespace {

struct Flags {
  std::string data_dir;
  std::string socket_path;
  std::string socket_mode = "0660";
  int threads = 16;
  size_t map_size_mb = 64;
};

// Parses argv; returns false (after printing why) when the process should exit, with *code set.
bool ParseFlags(int argc, char** argv, Flags* f, int* code) {
  po::options_description desc(
      "webhook-api: the organization webhooks REST API, a FastCGI responder for nginx.\n"
      "Usage: webhook-api --data-dir DIR [options]\nOptions");
  desc.add_options()("help,h", "print this help and exit")(
      "data-dir", po::value(&f->data_dir)->required(), "data directory (LMDB in DIR/db)")(
      "socket", po::value(&f->socket_path), "unix socket to listen on (default DIR/api.sock)")(
      "socket-mode", po::value(&f->socket_mode)->default_value("0660"),
      "permissions of the socket (octal); nginx's workers must be able to connect")(
      "threads", po::value(&f->threads)->default_value(64),
      "request threads (more threads let more durable appends share one fsync)")(
      "map-size-mb", po::value(&f->map_size_mb)->default_value(64),
      "initial LMDB map size in MiB (it grows when full)");
  try {
    po::variables_map vm;
    po::store(po::parse_command_line(argc, argv, desc), vm);
    if (vm.count("help")) {
      std::cout << desc << "\n";
      *code = 0;
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "webhook-api: " << e.what() << "\n" << desc << "\n";
    *code = 2;
    return false;
  }
  if (f->socket_path.empty()) f->socket_path = f->data_dir + "/api.sock";
  if (f->threads < 1 || f->threads > 1024) {
    std::cerr << "webhook-api: --threads must be 1..1024\n";
    *code = 2;
    return false;
  }
  return true;
}

// Socket activation: the listening socket systemd passed (webhook-api.socket), or -1 when
// started without one. Unsets LISTEN_FDS/LISTEN_PID so children would not inherit them.
int InheritedSocket(int* code) {
  int n = sd_listen_fds(1);
  if (n < 0) {
    std::fprintf(stderr, "level=fatal msg=\"sd_listen_fds failed\" error=\"%s\"\n", strerror(-n));
    *code = 1;
    return -2;
  }
  if (n == 0) return -1;
  if (n != 1 || sd_is_socket_unix(SD_LISTEN_FDS_START, SOCK_STREAM, 1, nullptr, 0) <= 0) {
    std::fprintf(stderr,
                 "level=fatal msg=\"expected exactly one listening unix stream socket from "
                 "systemd\" fds=%d\n",
                 n);
    *code = 1;
    return -2;
  }
  return SD_LISTEN_FDS_START;
}

void NoopHandler(int) {}

// Stopping on a socket systemd passed. FcgiServer::Shutdown() wakes its accept(2) with
// shutdown(2) on the listening socket, but that socket is shared with systemd: shut down, it
// refuses every later connection and the next activation finds a dead socket. So the descriptor
// number is first pointed at a fresh, never-listening socket (threads that reach accept(2) from
// now on fail at once; FCGX_ShutdownPending stops them before that anyway), Shutdown() then
// only touches that one, and the one thread still blocked in accept(2) on the real socket is
// interrupted with a signal (FCGI_FAIL_ACCEPT_ON_INTR; the handler has no SA_RESTART). Only
// threads inside accept are signalled, so no in-flight request's read or write is disturbed.
// Connections still queued on the socket stay there for the next activation.
void StopInherited(webhooks::FcgiServer& server, int listen_fd, const std::atomic<bool>& served) {
  int dummy = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (dummy < 0 || dup2(dummy, listen_fd) < 0) {
    std::fprintf(stderr, "level=error msg=\"cannot detach the inherited socket\" error=\"%s\"\n",
                 strerror(errno));
  }
  if (dummy >= 0) close(dummy);
  server.Shutdown();
  const pid_t pid = getpid();
  const pid_t self = static_cast<pid_t>(syscall(SYS_gettid));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!served && std::chrono::steady_clock::now() < deadline) {
    if (DIR* tasks = opendir("/proc/self/task")) {
      while (dirent* e = readdir(tasks)) {
        pid_t tid = static_cast<pid_t>(atoi(e->d_name));
        if (tid <= 0 || tid == self) continue;
        char path[64];
        std::snprintf(path, sizeof path, "/proc/self/task/%d/syscall", tid);
        FILE* f = std::fopen(path, "r");
        if (!f) continue;
        long nr = -1;
        if (std::fscanf(f, "%ld", &nr) != 1) nr = -1;
        std::fclose(f);
        bool in_accept = nr == SYS_accept4;
#ifdef SYS_accept
        in_accept = in_accept || nr == SYS_accept;
#endif
        if (in_accept) syscall(SYS_tgkill, pid, tid, SIGUSR2);
      }
      closedir(tasks);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Blocks SIGTERM and SIGINT in every thread (a dedicated thread takes them: libfcgi's own
// handler would swallow them) and returns them; ignores SIGPIPE and SIGXFSZ (a file size limit,
// systemd's LimitFSIZE= or ulimit -f, then fails the write with EFBIG, answered as a full disk is,
// instead of killing the process with every request in flight); SIGUSR2 interrupts accept(2)
// (no SA_RESTART; see StopInherited). REQUIRES: no other thread yet.
sigset_t SetUpSignals() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGXFSZ, SIG_IGN);
  struct sigaction wake = {};
  wake.sa_handler = NoopHandler;
  sigemptyset(&wake.sa_mask);
  sigaction(SIGUSR2, &wake, nullptr);
  return stop_signals;
}

// Logs a failure to start and returns the exit code for it.
int Fatal(const char* what, const absl::Status& status) {
  std::fprintf(stderr, "level=fatal msg=\"%s\" error=\"%s\"\n", what,
               std::string(status.message()).c_str());
  return 1;
}

// After a failed fsync the event log refuses appends until a restart (/healthz answers 503), and
// an LMDB environment whose meta page write failed refuses every transaction (MDB_PANIC) until
// a restart reopens it. Under socket activation systemd restarts the process
// (Restart=on-failure) while connections wait on its socket, so after a failed request with the
// log or the store in that state the process stops itself, as on SIGTERM, and main returns
// kExitCode. Never within kMinUptime of the start: a disk that keeps failing restarts it at
// most that often (systemd gives up on a unit that restarts 5 times within 10 s), and in
// between it serves what it can.
class RestartWhenBroken {
 public:
  static constexpr int kExitCode = 75;  // EX_TEMPFAIL
  static constexpr std::chrono::seconds kMinUptime{5};

  RestartWhenBroken(const webhooks::EventAppender& events, webhooks::WebhookStore& store,
                    bool socket_activated)
      : events_(events), store_(store), enabled_(socket_activated) {}

  // Thread-safe: called after every request.
  void After(const webhooks::HttpResponse& response) {
    if (!enabled_ || response.status < 500 || requested_) return;
    if (std::chrono::steady_clock::now() - started_ < kMinUptime) return;
    const char* broken = !events_.Health().ok()         ? "the event log takes no more appends"
                         : !store_.CheckReadable().ok() ? "the store cannot be read"
                                                        : nullptr;
    if (broken == nullptr || requested_.exchange(true)) return;
    std::fprintf(stderr, "level=error msg=\"%s; exiting for systemd to restart webhook-api\"\n",
                 broken);
    sd_notifyf(0, "STATUS=restarting: %s", broken);
    kill(getpid(), SIGTERM);  // to the signal thread, as systemctl stop would
  }
  bool requested() const { return requested_; }

 private:
  const webhooks::EventAppender& events_;
  webhooks::WebhookStore& store_;
  const bool enabled_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::atomic<bool> requested_{false};
};

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  int code = 0;
  if (!ParseFlags(argc, argv, &flags, &code)) return code;

  const sigset_t stop_signals = SetUpSignals();
  const int inherited_fd = InheritedSocket(&code);
  if (inherited_fd == -2) return code;

  webhooks::LmdbOptions lmdb_options;
  lmdb_options.initial_map_size = flags.map_size_mb << 20;
  auto store = webhooks::LmdbStore::Open(flags.data_dir, lmdb_options);
  if (!store.ok()) return Fatal("cannot open store", store.status());
  webhooks::FcgiServerOptions server_options;
  server_options.socket_path = flags.socket_path;
  server_options.listen_fd = inherited_fd;  // systemd's socket: adopted, never unlinked
  server_options.socket_mode = static_cast<unsigned>(std::stoul(flags.socket_mode, nullptr, 8));
  server_options.threads = flags.threads;
  auto server = webhooks::FcgiServer::Listen(server_options);
  if (!server.ok()) return Fatal("cannot listen", server.status());

  auto events = webhooks::OpenFileEventAppender(flags.data_dir + "/events");
  if (!events.ok()) return Fatal("cannot open event log", events.status());

  // From here on every exit goes through the signal thread (it is joined below).
  std::atomic<bool> served{false};
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::fprintf(stderr, "level=info msg=\"stopping\" signal=%d\n", sig);
    sd_notify(0, "STOPPING=1");
    if (inherited_fd >= 0) {
      StopInherited(**server, inherited_fd, served);
    } else {
      (*server)->Shutdown();
    }
  });

  webhooks::LmdbDeliveryStore deliveries((*store)->env());
  webhooks::Services services{**store, **store, webhooks::SystemClock(), &deliveries,
                              events->get()};
  if (inherited_fd >= 0) {
    std::fprintf(stderr, "level=info msg=\"listening\" socket=systemd fd=%d threads=%d\n",
                 inherited_fd, flags.threads);
  } else {
    std::fprintf(stderr, "level=info msg=\"listening\" socket=\"%s\" threads=%d\n",
                 flags.socket_path.c_str(), flags.threads);
  }
  sd_notify(0, "READY=1\nSTATUS=serving");
  RestartWhenBroken restart(**events, **store, inherited_fd >= 0);
  (*server)->Serve([&](const webhooks::HttpRequest& r) {
    webhooks::HttpResponse response = webhooks::Dispatch(services, r);
    restart.After(response);
    return response;
  });
  served = true;
  signal_thread.join();
  std::fprintf(stderr, "level=info msg=\"stopped\"\n");
  return restart.requested() ? RestartWhenBroken::kExitCode : 0;
}

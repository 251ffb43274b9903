// Signal handling and the systemd protocol of webhook-api and webhook-notifier, outside systemd:
// the test plays systemd's part (LISTEN_FDS socket activation, a NOTIFY_SOCKET datagram socket,
// WATCHDOG_USEC) and sends the signals itself.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string NotifierBin() {
  return (fs::path(WH_API_BIN).parent_path() / "webhook-notifier").string();
}

std::string MakeTempDir() {
  char tmpl[] = "/tmp/wh-sd-test-XXXXXX";
  char* d = mkdtemp(tmpl);
  return d ? d : "";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

sockaddr_un UnixAddr(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  return a;
}

// systemd's end of sd_notify: a datagram socket that collects the messages.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a = UnixAddr(path);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << strerror(errno);
  }
  ~NotifySocket() { close(fd_); }
  const std::string& path() const { return path_; }

  // Waits for a message containing `needle`; returns it, or "" after `timeout`.
  std::string WaitFor(const std::string& needle, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    for (;;) {
      for (size_t i = 0; i < seen_.size(); ++i) {
        if (seen_[i].find(needle) != std::string::npos) {
          std::string m = seen_[i];
          seen_.erase(seen_.begin(), seen_.begin() + i + 1);
          return m;
        }
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return "";
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n > 0) seen_.emplace_back(buf, n);
    }
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::vector<std::string> seen_;
};

// Starts argv with extra environment, stderr to `log`; `listen_fd` >= 0 is passed as
// systemd does (fd 3, LISTEN_FDS=1, LISTEN_PID).
pid_t Spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env,
            const std::string& log, int listen_fd = -1) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  dup2(out, 2);
  dup2(out, 1);
  if (listen_fd >= 0) {
    if (listen_fd != 3) dup2(listen_fd, 3);
    fcntl(3, F_SETFD, 0);
    setenv("LISTEN_FDS", "1", 1);
    setenv("LISTEN_PID", std::to_string(getpid()).c_str(), 1);
  }
  for (const std::string& e : env) putenv(const_cast<char*>(e.c_str()));
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execv(args[0], args.data());
  _exit(127);
}

// Waits up to `timeout` for pid; returns its wait status, or -1 (after SIGKILL) if it did not
// exit in time.
int WaitExit(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  int status = 0;
  while (Clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

bool Alive(pid_t pid) {
  int status;
  return waitpid(pid, &status, WNOHANG) == 0;
}

// A minimal FastCGI client (what nginx does), split so a request can be left half-sent.
std::string Record(int type, const std::string& content) {
  std::string r;
  r += char(1);
  r += char(type);
  r += char(0);
  r += char(1);  // request id 1
  r += char(content.size() >> 8);
  r += char(content.size() & 0xff);
  r += char(0);
  r += char(0);
  return r + content;
}
std::string BeginAndParams(const std::string& uri) {
  std::string params;
  for (auto [k, v] :
       std::vector<std::pair<std::string, std::string>>{{"REQUEST_METHOD", "GET"},
                                                        {"REQUEST_URI", uri},
                                                        {"SCRIPT_NAME", uri},
                                                        {"QUERY_STRING", ""},
                                                        {"SERVER_PROTOCOL", "HTTP/1.1"}}) {
    params += char(k.size());
    params += char(v.size());
    params += k + v;
  }
  return Record(1, std::string("\0\1\0\0\0\0\0\0", 8)) + Record(4, params);
}
std::string EndOfRequest() { return Record(4, "") + Record(5, ""); }

int Connect(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a = UnixAddr(path);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, const std::string& s) {
  return send(fd, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size());
}

// Reads records until END_REQUEST; returns the concatenated stdout ("" on error or timeout).
std::string ReadResponse(int fd) {
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string buf, out;
  char chunk[4096];
  for (;;) {
    while (buf.size() >= 8) {
      size_t len = (uint8_t(buf[4]) << 8) | uint8_t(buf[5]);
      size_t total = 8 + len + uint8_t(buf[6]);
      if (buf.size() < total) break;
      int type = buf[1];
      if (type == 6) out += buf.substr(8, len);
      if (type == 3) return out;
      buf.erase(0, total);
    }
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return "";
    buf.append(chunk, n);
  }
}

std::string Get(const std::string& socket_path, const std::string& uri) {
  int fd = Connect(socket_path);
  if (fd < 0) return "";
  std::string out;
  if (SendAll(fd, BeginAndParams(uri) + EndOfRequest())) out = ReadResponse(fd);
  close(fd);
  return out;
}

class SystemdSignals : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    ASSERT_FALSE(dir_.empty());
    data_ = dir_ + "/data";
    log_ = dir_ + "/log";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string dir_, data_, log_;
};

// Standalone (--socket): SIGTERM while a request is half-sent; the request is still answered,
// the process exits 0 within 2 s and removes its socket.
TEST_F(SystemdSignals, ApiStandaloneFinishesInFlightAndExitsZero) {
  const std::string sock = dir_ + "/api.sock";
  NotifySocket notify(dir_ + "/notify");
  pid_t pid = Spawn({WH_API_BIN, "--data-dir", data_, "--socket", sock, "--threads", "2"},
                    {"NOTIFY_SOCKET=" + notify.path()}, log_);
  ASSERT_NE(notify.WaitFor("READY=1", std::chrono::seconds(10)), "") << ReadFile(log_);
  EXPECT_NE(Get(sock, "/healthz").find("Status: 200"), std::string::npos) << ReadFile(log_);

  int fd = Connect(sock);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, BeginAndParams("/healthz")));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // accepted, reading params
  auto t0 = Clock::now();
  kill(pid, SIGTERM);
  EXPECT_NE(notify.WaitFor("STOPPING=1", std::chrono::seconds(2)), "");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_TRUE(SendAll(fd, EndOfRequest()));
  EXPECT_NE(ReadResponse(fd).find("Status: 200"), std::string::npos) << ReadFile(log_);
  close(fd);
  int status = WaitExit(pid, std::chrono::milliseconds(2000));
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  ASSERT_NE(status, -1) << "still running 2 s after SIGTERM\n" << ReadFile(log_);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << "\n" << ReadFile(log_);
  EXPECT_LT(ms, 2000);
  EXPECT_FALSE(fs::exists(sock));
  EXPECT_EQ(Connect(sock), -1);
  EXPECT_NE(ReadFile(log_).find("level=info msg=\"stopped\""), std::string::npos);
}

// Socket activation: the API serves the inherited socket; after SIGTERM (with a request in
// flight) it exits 0 within 2 s and leaves the socket listening for the next activation, as
// systemd keeps it.
TEST_F(SystemdSignals, ApiSocketActivatedLeavesSocketUsable) {
  const std::string sock = dir_ + "/activated.sock";
  int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a = UnixAddr(sock);
  ASSERT_EQ(bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(lfd, 64), 0);
  NotifySocket notify(dir_ + "/notify");
  pid_t pid = Spawn({WH_API_BIN, "--data-dir", data_, "--threads", "3"},
                    {"NOTIFY_SOCKET=" + notify.path()}, log_, lfd);
  ASSERT_NE(notify.WaitFor("READY=1", std::chrono::seconds(10)), "") << ReadFile(log_);
  EXPECT_NE(ReadFile(log_).find("socket=systemd"), std::string::npos) << ReadFile(log_);
  EXPECT_NE(Get(sock, "/healthz").find("Status: 200"), std::string::npos) << ReadFile(log_);

  int fd = Connect(sock);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, BeginAndParams("/healthz")));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto t0 = Clock::now();
  kill(pid, SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_TRUE(SendAll(fd, EndOfRequest()));
  EXPECT_NE(ReadResponse(fd).find("Status: 200"), std::string::npos) << ReadFile(log_);
  close(fd);
  int status = WaitExit(pid, std::chrono::milliseconds(2000));
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  ASSERT_NE(status, -1) << "still running 2 s after SIGTERM\n" << ReadFile(log_);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << "\n" << ReadFile(log_);
  EXPECT_LT(ms, 2000);
  // The socket file is systemd's: still there, and still accepting (queued for the next start).
  EXPECT_TRUE(fs::exists(sock));
  int again = Connect(sock);
  EXPECT_GE(again, 0) << "the inherited socket was shut down";
  if (again >= 0) close(again);

  // A second activation on the same socket serves that queued connection and new ones.
  pid = Spawn({WH_API_BIN, "--data-dir", data_, "--threads", "2"},
              {"NOTIFY_SOCKET=" + notify.path()}, log_, lfd);
  ASSERT_NE(notify.WaitFor("READY=1", std::chrono::seconds(10)), "") << ReadFile(log_);
  EXPECT_NE(Get(sock, "/healthz").find("Status: 200"), std::string::npos) << ReadFile(log_);
  kill(pid, SIGTERM);
  status = WaitExit(pid, std::chrono::milliseconds(2000));
  EXPECT_TRUE(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadFile(log_);
  close(lfd);
}

// Flags that cannot work are refused at start: exit 2 and a message naming the option.
TEST_F(SystemdSignals, NotifierRefusesFlagsThatCannotWork) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--per-endpoint-concurrency", "0"}, "--per-endpoint-concurrency must be >= 1"},
      {{"--transport-threads", "0"}, "--transport-threads must be between 1 and 64"},
      {{"--transport-threads", "65"}, "--transport-threads must be between 1 and 64"},
      {{"--delivery-retention", "never"}, "bad --delivery-retention never"},
      {{"--delivery-retention", "-1d"}, "bad --delivery-retention -1d"},
      {{"--disable-after", "forever"}, "bad --disable-after forever"},
      {{"--disable-after", "0"}, "--disable-after must be more than 0 (or never)"}};
  for (const auto& [flags, message] : cases) {
    std::vector<std::string> argv = {NotifierBin(), "--data-dir", data_};
    argv.insert(argv.end(), flags.begin(), flags.end());
    std::filesystem::remove(log_);
    pid_t pid = Spawn(argv, {}, log_);
    int status = WaitExit(pid, std::chrono::milliseconds(5000));
    ASSERT_NE(status, -1) << ReadFile(log_);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << status << "\n" << ReadFile(log_);
    EXPECT_NE(ReadFile(log_).find(message), std::string::npos) << ReadFile(log_);
  }
}

// The notifier: READY=1 with a STATUS= line, WATCHDOG=1 pings, SIGHUP re-reads the config (a
// bad one is refused and the old one kept), SIGTERM exits 0 within 5 s; secrets from the
// config never reach the log.
TEST_F(SystemdSignals, NotifierReadyWatchdogReloadAndStop) {
  const std::string conf = dir_ + "/notifier.conf";
  const std::string secret = "tw-secret-7f3a9c";
  WriteFile(conf, "poll-interval-ms = 50\ntwilio-auth-token = " + secret + "\n");
  NotifySocket notify(dir_ + "/notify");
  pid_t pid = Spawn({NotifierBin(), "--data-dir", data_, "--config", conf},
                    {"NOTIFY_SOCKET=" + notify.path(), "WATCHDOG_USEC=400000"}, log_);
  std::string ready = notify.WaitFor("READY=1", std::chrono::seconds(10));
  ASSERT_NE(ready, "") << ReadFile(log_);
  EXPECT_NE(ready.find("STATUS=lag 0 bytes, 0 deliveries pending, 0 in flight, 0 endpoints not "
                       "answering, 0 rate-limited"),
            std::string::npos)
      << ready;
  EXPECT_NE(notify.WaitFor("WATCHDOG=1", std::chrono::seconds(2)), "");
  EXPECT_NE(notify.WaitFor("WATCHDOG=1", std::chrono::seconds(2)), "");

  WriteFile(conf, "retry-schedule = not-a-schedule\ntwilio-auth-token = " + secret + "\n");
  kill(pid, SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_TRUE(Alive(pid)) << ReadFile(log_);
  EXPECT_NE(ReadFile(log_).find("config reload failed"), std::string::npos) << ReadFile(log_);

  WriteFile(conf, "poll-interval-ms = 30\ntwilio-auth-token = " + secret + "-2\n");
  kill(pid, SIGHUP);
  EXPECT_NE(notify.WaitFor("RELOADING=1", std::chrono::seconds(5)), "");
  EXPECT_NE(notify.WaitFor("READY=1", std::chrono::seconds(10)), "") << ReadFile(log_);
  EXPECT_NE(ReadFile(log_).find("msg=\"config reloaded\""), std::string::npos) << ReadFile(log_);
  EXPECT_NE(notify.WaitFor("WATCHDOG=1", std::chrono::seconds(2)), "");

  auto t0 = Clock::now();
  kill(pid, SIGTERM);
  int status = WaitExit(pid, std::chrono::milliseconds(5000));
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  ASSERT_NE(status, -1) << "still running 5 s after SIGTERM\n" << ReadFile(log_);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << "\n" << ReadFile(log_);
  EXPECT_LT(ms, 5000);
  EXPECT_NE(notify.WaitFor("STOPPING=1", std::chrono::seconds(1)), "");
  const std::string log = ReadFile(log_);
  EXPECT_EQ(log.find(secret), std::string::npos) << log;
  EXPECT_NE(log.find("level=info msg=\"notifier stopped\""), std::string::npos) << log;
}

// --config-optional (the unit's default): a missing file is fine; without it, it is an error.
TEST_F(SystemdSignals, NotifierOptionalConfig) {
  const std::string missing = dir_ + "/absent.conf";
  pid_t pid = Spawn({NotifierBin(), "--data-dir", data_, "--config", missing}, {}, log_);
  int status = WaitExit(pid, std::chrono::seconds(10));
  EXPECT_TRUE(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 2) << ReadFile(log_);

  NotifySocket notify(dir_ + "/notify");
  pid = Spawn({NotifierBin(), "--data-dir", data_, "--config", missing, "--config-optional"},
              {"NOTIFY_SOCKET=" + notify.path()}, log_);
  ASSERT_NE(notify.WaitFor("READY=1", std::chrono::seconds(10)), "") << ReadFile(log_);
  kill(pid, SIGINT);
  status = WaitExit(pid, std::chrono::seconds(5));
  EXPECT_TRUE(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadFile(log_);
}

}  // namespace

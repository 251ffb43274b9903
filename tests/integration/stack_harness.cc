#include "tests/integration/stack_harness.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace webhooks::testing {
namespace {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

void ReplaceAll(std::string& s, const std::string& from, const std::string& to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
}

// fork + exec with stdout/stderr appended to `log`, extra `env` ("NAME=value"), and
// `listen_fd` >= 0 passed as systemd's socket activation does (fd 3, LISTEN_FDS, LISTEN_PID).
pid_t Spawn(const std::vector<std::string>& argv, const std::string& log,
            const std::vector<std::string>& env = {}, int listen_fd = -1) {
  // Everything the child needs is built before fork: between fork and exec only
  // async-signal-safe calls (other threads may hold the allocator's locks).
  std::vector<std::string> vars = ChildEnvironment(env, {"LISTEN_FDS", "LISTEN_PID"});
  if (listen_fd >= 0) vars.push_back("LISTEN_FDS=1");
  std::vector<char*> args, envp;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (std::string& v : vars) envp.push_back(v.data());
  char listen_pid[32] = "LISTEN_PID=";  // the child's pid, filled in after fork
  if (listen_fd >= 0) envp.push_back(listen_pid);
  envp.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    if (listen_fd >= 0) {
      if (listen_fd != 3) dup2(listen_fd, 3);
      fcntl(3, F_SETFD, 0);
      char digits[16];
      int n = 0;
      for (pid_t p = getpid(); p > 0; p /= 10) digits[n++] = static_cast<char>('0' + p % 10);
      for (int i = 0; i < n; ++i) listen_pid[11 + i] = digits[n - 1 - i];
      listen_pid[11 + n] = '\0';
    }
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  return pid;
}

void StopAndWait(pid_t pid, int sig) {
  if (pid <= 0) return;
  kill(pid, sig);
  for (int i = 0; i < 100; ++i) {
    if (waitpid(pid, nullptr, WNOHANG) == pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

size_t Collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

size_t CollectHeader(char* data, size_t size, size_t n, void* out) {
  std::string line(data, size * n);
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(tolower(c));
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    value.erase(value.find_last_not_of("\r\n ") + 1);
    (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
  }
  return size * n;
}

}  // namespace

std::vector<std::string> ChildEnvironment(const std::vector<std::string>& extra,
                                          const std::vector<std::string>& drop) {
  auto name_of = [](const std::string& var) { return var.substr(0, var.find('=')); };
  std::vector<std::string> vars;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string var(*e);
    const std::string name = name_of(var);
    bool replaced = std::find(drop.begin(), drop.end(), name) != drop.end();
    for (const std::string& x : extra) replaced |= name_of(x) == name;
    if (!replaced) vars.push_back(var);
  }
  vars.insert(vars.end(), extra.begin(), extra.end());
  return vars;
}

std::string RunCommand(const std::vector<std::string>& argv, int* exit_code) {
  std::string cmd;
  for (const std::string& a : argv) cmd += "'" + a + "' ";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  int status = pclose(p);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

namespace {

// A listening unix socket at `path` that nginx's workers can connect to, or -1.
int ListenUnix(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(fd, 128) != 0 || chmod(path.c_str(), 0666) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

std::unique_ptr<Stack> Stack::Start(int api_threads, bool socket_activated) {
  std::unique_ptr<Stack> s(new Stack());
  std::string tmpl = (std::filesystem::temp_directory_path() / "whstack.XXXXXX").string();
  s->root_ = mkdtemp(tmpl.data());
  s->data_dir_ = s->root_ + "/data";
  s->run_dir_ = s->root_ + "/run";
  std::filesystem::create_directories(s->run_dir_);
  // nginx's workers may run as another user (nobody when started by root): let them reach the
  // socket's directory.
  chmod(s->root_.c_str(), 0755);
  chmod(s->run_dir_.c_str(), 0755);
  std::string socket = s->run_dir_ + "/api.sock";
  s->api_threads_ = api_threads;
  s->api_log_ = s->root_ + "/api.log";
  if (socket_activated) {
    s->listen_fd_ = ListenUnix(socket);
    if (s->listen_fd_ < 0) {
      ADD_FAILURE() << "cannot listen on " << socket << ": " << std::strerror(errno);
      return nullptr;
    }
  }
  s->StartApi();
  std::ifstream in(std::string(WH_SOURCE_DIR) + "/nginx/nginx.conf.template");
  std::stringstream conf;
  conf << in.rdbuf();
  std::string text = conf.str();
  int port = FreePort();
  ReplaceAll(text, "@PORT@", std::to_string(port));
  ReplaceAll(text, "@SOCKET@", socket);
  ReplaceAll(text, "@RUNDIR@", s->run_dir_);
  ReplaceAll(text, "@WORKERS@", "1");
  std::ofstream(s->run_dir_ + "/nginx.conf") << text;
  s->nginx_pid_ = Spawn(
      {"/usr/sbin/nginx", "-c", s->run_dir_ + "/nginx.conf", "-e", s->run_dir_ + "/error.log"},
      s->root_ + "/nginx.log");
  s->base_url_ = "http://127.0.0.1:" + std::to_string(port);
  if (!s->WaitHealthy()) {
    ADD_FAILURE() << "stack did not become healthy; see " << s->root_;
    return nullptr;
  }
  return s;
}

void Stack::StartApi() {
  api_pid_ = Spawn({WH_API_BIN, "--data-dir", data_dir_, "--socket", run_dir_ + "/api.sock",
                    "--socket-mode", "0666", "--threads", std::to_string(api_threads_)},
                   api_log_, api_env_, listen_fd_);
}

bool Stack::WaitApiExit(std::chrono::milliseconds timeout, int* wait_status) {
  if (api_pid_ <= 0) return false;  // waitpid(-1) would reap nginx
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    if (waitpid(api_pid_, wait_status, WNOHANG) == api_pid_) {
      api_pid_ = -1;
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

bool Stack::StartApiAgain() {
  StartApi();
  return WaitHealthy();
}

bool Stack::ApiRunning() {
  if (api_pid_ <= 0) return false;
  siginfo_t info{};
  // WNOWAIT: an exited process stays to be reaped (with its status) by WaitApiExit.
  return waitid(P_PID, static_cast<id_t>(api_pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == 0;
}

bool Stack::RestartApi(int sig, int* wait_status, const std::function<void()>& while_down) {
  if (api_pid_ <= 0) return false;  // kill(-1) would signal every process
  kill(api_pid_, sig);
  int status = 0;
  waitpid(api_pid_, &status, 0);
  if (wait_status != nullptr) *wait_status = status;
  if (while_down) while_down();
  return StartApiAgain();
}

bool Stack::WaitHealthy() {
  for (int i = 0; i < 200; ++i) {
    if (Request("GET", "/healthz").status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

Stack::~Stack() {
  StopAndWait(nginx_pid_, SIGQUIT);
  StopAndWait(api_pid_, SIGTERM);
  if (listen_fd_ >= 0) close(listen_fd_);
  std::error_code ec;
  if (!::testing::Test::HasFailure()) std::filesystem::remove_all(root_, ec);
}

std::string Stack::CreateOrg(const std::string& name) {
  int rc = 0;
  std::string out =
      RunCommand({WH_CTL_BIN, "--data-dir", data_dir_, "org", "create", "--name", name}, &rc);
  EXPECT_EQ(rc, 0) << out;
  return out;
}

std::string Stack::CreateKey(const std::string& org) {
  int rc = 0;
  std::string out =
      RunCommand({WH_CTL_BIN, "--data-dir", data_dir_, "key", "create", "--org", org}, &rc);
  EXPECT_EQ(rc, 0) << out;
  return out;
}

HttpResult Stack::Request(const std::string& method, const std::string& path,
                          const std::string& body, const std::string& api_key,
                          std::vector<std::string> headers, bool content_type_json) {
  HttpResult result;
  CURL* curl = curl_easy_init();
  std::string url = base_url_ + path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (!body.empty() || method == "POST" || method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  if (!api_key.empty()) headers.push_back("Authorization: Bearer " + api_key);
  if (content_type_json && !body.empty()) headers.push_back("Content-Type: application/json");
  headers.push_back("Expect:");
  curl_slist* list = nullptr;
  for (const std::string& h : headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, CollectHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &result.headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
  }
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  return result;
}

}  // namespace webhooks::testing

// Runs the real stack for integration tests: webhook-api on a unix socket and nginx on a free
// loopback port, with the nginx template the project ships, in a fresh data directory.
#ifndef WEBHOOKS_TESTS_INTEGRATION_STACK_HARNESS_H_
#define WEBHOOKS_TESTS_INTEGRATION_STACK_HARNESS_H_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace webhooks::testing {

struct HttpResult {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-cased names
};

// This process's environment with `extra` ("NAME=value") added, replacing variables of the
// same names and of the names in `drop`: for execve in a child.
std::vector<std::string> ChildEnvironment(const std::vector<std::string>& extra,
                                          const std::vector<std::string>& drop = {});

// Runs a command, returns its stdout (trailing newline removed) and sets *exit_code.
std::string RunCommand(const std::vector<std::string>& argv, int* exit_code);

class Stack {
 public:
  // Starts webhook-api and nginx; fails the current test (and returns nullptr) if either does
  // not come up within 10 s. With `socket_activated`, the harness owns the listening socket
  // and passes it to each webhook-api as systemd's socket activation does (fd 3, LISTEN_FDS),
  // so connections wait on it while no webhook-api runs.
  static std::unique_ptr<Stack> Start(int api_threads = 4, bool socket_activated = false);
  ~Stack();  // SIGTERM to both, waits for them, removes the directory

  const std::string& base_url() const { return base_url_; }
  const std::string& data_dir() const { return data_dir_; }

  // webhookctl org create / key create on this stack's data dir.
  std::string CreateOrg(const std::string& name);
  std::string CreateKey(const std::string& org);

  // One HTTP request through nginx. `headers` are full lines ("Content-Type: text/plain");
  // with content_type_json, "Content-Type: application/json" is added.
  HttpResult Request(const std::string& method, const std::string& path,
                     const std::string& body = "", const std::string& api_key = "",
                     std::vector<std::string> headers = {}, bool content_type_json = true);

  pid_t api_pid() const { return api_pid_; }
  const std::string& api_log() const { return api_log_; }

  // Extra "NAME=value" environment for the webhook-api processes started from now on.
  void set_api_env(std::vector<std::string> env) { api_env_ = std::move(env); }
  // Whether webhook-api is running. Leaves an exited one for WaitApiExit to reap.
  bool ApiRunning();
  // Waits up to `timeout` for webhook-api to exit by itself; true (with its waitpid status in
  // *wait_status) if it did.
  bool WaitApiExit(std::chrono::milliseconds timeout, int* wait_status);
  // Starts webhook-api again after it exited (WaitApiExit) and waits until it answers.
  bool StartApiAgain();

  // Sends `sig` to webhook-api, waits for it to exit, runs `while_down` (if given), starts a new
  // one on the same data dir and socket, and waits until it answers. False if it does not.
  // *wait_status gets the old process's waitpid status.
  bool RestartApi(int sig, int* wait_status = nullptr,
                  const std::function<void()>& while_down = nullptr);

 private:
  Stack() = default;
  bool WaitHealthy();
  void StartApi();

  std::string root_;      // everything lives under here
  std::string data_dir_;  // root_/data
  std::string run_dir_;   // root_/run (socket, nginx files)
  std::string base_url_;
  std::string api_log_;  // root_/api.log
  int api_threads_ = 4;
  int listen_fd_ = -1;  // the socket passed to webhook-api when socket-activated
  std::vector<std::string> api_env_;
  pid_t api_pid_ = -1;
  pid_t nginx_pid_ = -1;
};

}  // namespace webhooks::testing

#endif  // WEBHOOKS_TESTS_INTEGRATION_STACK_HARNESS_H_

// Delivery sinks for the notifier integration tests: child processes that stand in for the
// places the notifier delivers to (an HTTP receiver scripted per path, a real SMTP server), the
// webhook-notifier process itself, and a fixture that runs them next to the Stack (the last two
// in notifier_harness.cc).
//
// Every child gets PR_SET_PDEATHSIG(SIGKILL), so nothing outlives a crashed test binary; normal
// teardown sends SIGTERM and waits (SIGKILL after a bound). All files live under the stack's
// temporary directory, which the Stack keeps when a test failed.
#ifndef WEBHOOKS_TESTS_INTEGRATION_SINKS_HARNESS_H_
#define WEBHOOKS_TESTS_INTEGRATION_SINKS_HARNESS_H_

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "tests/integration/stack_harness.h"

namespace webhooks::testing {

// tests/integration/receivers in the source tree.
std::string ReceiversDir();
// The webhook-notifier binary built next to webhook-api.
std::string NotifierBin();

// The bytes of the file at `path` from `offset` on; "" when it cannot be read.
std::string ReadFileFrom(const std::string& path, size_t offset);
// The size of the file at `path`; 0 when it does not exist.
size_t FileSize(const std::string& path);

// Polls `done` every `poll` until it is true or `timeout` passed; returns its last value.
bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout,
               std::chrono::milliseconds poll = std::chrono::milliseconds(25));

// Parses JSON text; a parse error fails the current test (and yields a Null document).
rapidjson::Document ParseJsonText(const std::string& text);
// A string member of an object, "" when absent or not a string.
std::string StringMember(const rapidjson::Value& v, const char* name);
// application/x-www-form-urlencoded -> name -> value (last one wins).
std::map<std::string, std::string> ParseForm(const std::string& body);
// Standard base64.
std::string Base64(const std::string& bytes);

// A child process: stdout/stderr appended to a log file (stdout optionally to a pipe instead).
class ChildProcess {
 public:
  // Starts argv[0] (a path) with `argv`. With a non-null `stdout_fd`, stdout goes to a pipe
  // whose read end is stored there.
  static std::unique_ptr<ChildProcess> Spawn(const std::vector<std::string>& argv,
                                             const std::string& log_path, int* stdout_fd,
                                             const std::vector<std::string>& env = {});
  ~ChildProcess();  // Stop(SIGTERM)

  pid_t pid() const { return pid_; }
  bool running();
  // Sends `sig` and waits up to `grace` for the exit, then SIGKILL. Returns the wait status
  // (or -1 when it had already been reaped).
  int Stop(int sig = SIGTERM, std::chrono::milliseconds grace = std::chrono::seconds(5));

 private:
  ChildProcess() = default;
  pid_t pid_ = -1;
  int status_ = -1;
};

// One request as http_receiver.py recorded it.
struct ReceivedRequest {
  double t = 0;  // unix seconds at arrival
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
  std::string action;  // the rule the receiver applied
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// One message as smtp_receiver.py recorded it.
struct ReceivedMail {
  double t = 0;
  std::string mail_from;
  std::vector<std::string> rcpt_tos;
  std::string content;  // the raw RFC 5322 message
};

// tests/integration/receivers/http_receiver.py on 127.0.0.1 and a free port.
class HttpReceiver {
 public:
  // `rules_json`: path -> list of actions (see http_receiver.py). Fails the test and returns
  // nullptr if the receiver does not come up within 15 s.
  static std::unique_ptr<HttpReceiver> Start(const std::string& dir, const std::string& name,
                                             const std::string& rules_json = "{}");
  ~HttpReceiver();

  int port() const { return port_; }
  std::string Url(const std::string& path) const;
  const std::string& log_path() const { return log_path_; }
  // Every request so far (to `path` only, unless empty), in arrival order.
  std::vector<ReceivedRequest> Requests(const std::string& path = "");
  size_t Count(const std::string& path = "");

 private:
  HttpReceiver() = default;
  void Refresh();  // reads newly completed lines of the log

  std::unique_ptr<ChildProcess> process_;
  int stdout_fd_ = -1;
  int port_ = 0;
  std::string log_path_;
  std::mutex mu_;
  size_t offset_ = 0;                      // GUARDED_BY(mu_)
  std::vector<ReceivedRequest> requests_;  // GUARDED_BY(mu_)
};

// tests/integration/receivers/smtp_receiver.py (aiosmtpd) on 127.0.0.1 and a free port.
class SmtpReceiver {
 public:
  static std::unique_ptr<SmtpReceiver> Start(const std::string& dir);
  ~SmtpReceiver();

  int port() const { return port_; }
  std::string Url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  std::vector<ReceivedMail> Mails();

 private:
  SmtpReceiver() = default;
  std::unique_ptr<ChildProcess> process_;
  int stdout_fd_ = -1;
  int port_ = 0;
  std::string log_path_;
};

// The webhook-notifier binary on a stack's data directory.
class NotifierProcess {
 public:
  // Starts `webhook-notifier --data-dir DATA_DIR ARGS...` and waits (10 s at most) until it
  // logged that it started. Fails the test and returns nullptr otherwise.
  static std::unique_ptr<NotifierProcess> Start(const std::string& data_dir,
                                                const std::string& log_path,
                                                std::vector<std::string> args,
                                                std::vector<std::string> env = {});
  ~NotifierProcess();  // SIGTERM, then SIGKILL after 8 s

  pid_t pid() const { return process_ ? process_->pid() : -1; }
  // Whether it has not exited (reaping it when it has).
  bool running() { return process_ && process_->running(); }
  const std::string& log_path() const { return log_path_; }
  // Sends `sig` (e.g. SIGKILL) and reaps the process. Returns the wait status.
  int Kill(int sig);
  // Starts it again with the same arguments; false (test failed) if it does not come up.
  bool Restart();
  // The last `max_bytes` of the log.
  std::string LogTail(size_t max_bytes = 4000) const;

 private:
  NotifierProcess() = default;
  bool Launch();

  std::vector<std::string> argv_;
  std::vector<std::string> env_;  // extra "NAME=value" for the process
  std::string log_path_;
  std::unique_ptr<ChildProcess> process_;
};

// One delivery attempt as GET .../deliveries shows it.
struct ApiAttempt {
  uint64_t attempt_id = 0;
  std::string delivery_id;
  std::string event_id;
  std::string event_type;
  std::string channel;
  int channel_index = -1;
  int attempt = 0;
  std::string status;   // succeeded | failed
  int status_code = 0;  // 0 for null
  std::string error;
  std::string attempted_at;
  std::string next_attempt_at;
};

// One line per attempt ("  webhook[0] attempt 1 failed 503 <error>"), for failure messages.
std::string Describe(const std::vector<ApiAttempt>& attempts);
// The attempts of channel `channel`, by attempt number.
std::vector<ApiAttempt> OfChannel(const std::vector<ApiAttempt>& attempts, int channel);
// `webhook` channel objects (JSON, comma-separated) posting to `paths` of the receiver.
std::string HttpChannels(HttpReceiver& http, const std::vector<std::string>& paths);
// The path that retries one delivery of a webhook (by id or name).
std::string RetryPath(const std::string& webhook, const std::string& delivery_id);

// A fixture running a Stack, an organization and key, one HTTP receiver and (optionally) an
// SMTP receiver, and the notifier. Members are torn down notifier first, stack last.
class NotifierTestBase : public ::testing::Test {
 protected:
  // Starts the stack, org and key, and the HTTP receiver with `rules_json`.
  void StartStack(const std::string& rules_json = "{}", bool with_smtp = false);
  // The notifier flags pointing Slack/Twilio/SMTP at the stand-ins; with `allow_loopback`,
  // --allow-cidr 127.0.0.0/8 and ::1/128.
  std::vector<std::string> NotifierArgs(const std::string& retry_schedule,
                                        bool allow_loopback = true) const;
  // `env`: extra "NAME=value" environment for the notifier.
  void StartNotifier(const std::vector<std::string>& args,
                     const std::vector<std::string>& env = {});
  void TearDown() override;

  // The directory of this test's files (the stack's temporary root).
  std::string Dir() const;

  // POST /v1/organizations/webhooks; expects 201 and returns the response.
  rapidjson::Document CreateWebhook(const std::string& body);
  // Creates webhook `name` for every event type with one HTTP channel per path of http_
  // (HttpChannels); returns its webhook_id ("" if the create failed, which fails the test).
  std::string CreateHttpWebhook(const std::string& name, const std::vector<std::string>& paths);
  // GET /v1/organizations/webhooks/{id}.
  rapidjson::Document GetWebhook(const std::string& webhook_id);
  // POST /v1/events with {"event_type": TYPE, <extra members>}; expects 202, returns event_id.
  std::string Emit(const std::string& event_type, const std::string& extra_members = "");
  // Every attempt of the webhook (all pages), in ascending attempt_id order.
  std::vector<ApiAttempt> Attempts(const std::string& webhook_id);

  std::unique_ptr<Stack> stack_;
  std::string key_;
  std::unique_ptr<HttpReceiver> http_;
  std::unique_ptr<SmtpReceiver> smtp_;
  std::unique_ptr<NotifierProcess> notifier_;

  static constexpr char kTwilioSid[] = "ACtest0123456789";
  static constexpr char kTwilioToken[] = "twilio-test-token";
  static constexpr char kSmsFrom[] = "+15550000000";
  static constexpr char kSmtpFrom[] = "Webhooks <noreply@webhooks.test>";
};

}  // namespace webhooks::testing

#endif  // WEBHOOKS_TESTS_INTEGRATION_SINKS_HARNESS_H_

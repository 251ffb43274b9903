#include "tests/integration/sinks_harness.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace webhooks::testing {
namespace {

constexpr char kPython[] = "/usr/bin/python3";  // Debian's, with python3-aiosmtpd

// Reads the first line a child prints on `fd` (its port); 0 on EOF or after `timeout`.
int ReadPortLine(int fd, std::chrono::milliseconds timeout) {
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    char c;
    ssize_t n = read(fd, &c, 1);
    if (n <= 0) return 0;
    if (c == '\n') return std::atoi(line.c_str());
    line.push_back(c);
  }
  return 0;
}

std::map<std::string, std::string> StringMap(const rapidjson::Value& v) {
  std::map<std::string, std::string> out;
  if (!v.IsObject()) return out;
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    if (it->value.IsString()) out[it->name.GetString()] = it->value.GetString();
  }
  return out;
}

std::string UrlDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

std::string ReadFileFrom(const std::string& path, size_t offset) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(static_cast<std::streamoff>(offset));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

size_t FileSize(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<size_t>(st.st_size) : 0;
}

std::string ReceiversDir() { return std::string(WH_SOURCE_DIR) + "/tests/integration/receivers"; }

std::string NotifierBin() {
  return (std::filesystem::path(WH_API_BIN).parent_path() / "webhook-notifier").string();
}

bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout,
               std::chrono::milliseconds poll) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(poll);
  }
}

rapidjson::Document ParseJsonText(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  EXPECT_FALSE(d.HasParseError()) << "not JSON: " << text;
  if (d.HasParseError()) d.SetNull();
  return d;
}

std::string StringMember(const rapidjson::Value& v, const char* name) {
  if (!v.IsObject()) return "";
  auto it = v.FindMember(name);
  return it != v.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

std::map<std::string, std::string> ParseForm(const std::string& body) {
  std::map<std::string, std::string> out;
  std::stringstream in(body);
  std::string pair;
  while (std::getline(in, pair, '&')) {
    size_t eq = pair.find('=');
    if (eq == std::string::npos) continue;
    out[UrlDecode(pair.substr(0, eq))] = UrlDecode(pair.substr(eq + 1));
  }
  return out;
}

std::string Base64(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) |
                 (static_cast<uint8_t>(bytes[i + 1]) << 8) | static_cast<uint8_t>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out.push_back(kAlphabet[(n >> shift) & 63]);
  }
  if (i + 1 == bytes.size()) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8);
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], '='};
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// ChildProcess

std::unique_ptr<ChildProcess> ChildProcess::Spawn(const std::vector<std::string>& argv,
                                                  const std::string& log_path, int* stdout_fd,
                                                  const std::vector<std::string>& env) {
  // Everything the child needs is prepared before fork(): the test may have other threads.
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> vars = ChildEnvironment(env);
  std::vector<char*> envp;
  for (std::string& v : vars) envp.push_back(v.data());
  envp.push_back(nullptr);
  int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int fds[2] = {-1, -1};
  if (log_fd < 0 || null_fd < 0 || (stdout_fd != nullptr && pipe2(fds, O_CLOEXEC) != 0)) {
    ADD_FAILURE() << "cannot set up the child's files for " << argv[0];
    if (log_fd >= 0) close(log_fd);
    if (null_fd >= 0) close(null_fd);
    return nullptr;
  }
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the test binary
    if (getppid() != parent) _exit(1);
    dup2(null_fd, 0);
    dup2(stdout_fd != nullptr ? fds[1] : log_fd, 1);
    dup2(log_fd, 2);
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  close(log_fd);
  close(null_fd);
  if (stdout_fd != nullptr) {
    close(fds[1]);
    *stdout_fd = fds[0];
  }
  if (pid < 0) {
    ADD_FAILURE() << "fork failed for " << argv[0];
    return nullptr;
  }
  std::unique_ptr<ChildProcess> child(new ChildProcess());
  child->pid_ = pid;
  return child;
}

ChildProcess::~ChildProcess() { Stop(SIGTERM); }

bool ChildProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    status_ = status;
    pid_ = -1;
    return false;
  }
  return true;
}

int ChildProcess::Stop(int sig, std::chrono::milliseconds grace) {
  if (pid_ <= 0) return status_;
  kill(pid_, sig);
  auto deadline = std::chrono::steady_clock::now() + grace;
  int status = 0;
  for (;;) {
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || r < 0) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  status_ = status;
  pid_ = -1;
  return status_;
}

// ---------------------------------------------------------------------------------------------
// HttpReceiver

std::unique_ptr<HttpReceiver> HttpReceiver::Start(const std::string& dir, const std::string& name,
                                                  const std::string& rules_json) {
  std::unique_ptr<HttpReceiver> r(new HttpReceiver());
  r->log_path_ = dir + "/" + name + ".requests.jsonl";
  std::ofstream(r->log_path_).close();
  r->process_ = ChildProcess::Spawn(
      {kPython, ReceiversDir() + "/http_receiver.py", "--log", r->log_path_, "--rules", rules_json},
      dir + "/" + name + ".log", &r->stdout_fd_);
  if (r->process_ == nullptr) return nullptr;
  r->port_ = ReadPortLine(r->stdout_fd_, std::chrono::seconds(15));
  if (r->port_ <= 0) {
    ADD_FAILURE() << "http receiver did not start; see " << dir << "/" << name << ".log";
    return nullptr;
  }
  return r;
}

HttpReceiver::~HttpReceiver() {
  process_.reset();
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

std::string HttpReceiver::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void HttpReceiver::Refresh() {
  std::string data = ReadFileFrom(log_path_, offset_);
  size_t start = 0;
  for (size_t nl = data.find('\n'); nl != std::string::npos; nl = data.find('\n', start)) {
    std::string line = data.substr(start, nl - start);
    start = nl + 1;
    rapidjson::Document d;
    d.Parse(line.c_str(), line.size());
    if (d.HasParseError() || !d.IsObject()) {
      ADD_FAILURE() << "bad receiver log line: " << line;
      continue;
    }
    ReceivedRequest req;
    req.t = d["t"].GetDouble();
    req.method = StringMember(d, "method");
    req.path = StringMember(d, "path");
    req.headers = StringMap(d["headers"]);
    req.body = StringMember(d, "body");
    req.action = StringMember(d, "action");
    requests_.push_back(std::move(req));
  }
  offset_ += start;
}

std::vector<ReceivedRequest> HttpReceiver::Requests(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  Refresh();
  std::vector<ReceivedRequest> out;
  for (const ReceivedRequest& r : requests_) {
    if (path.empty() || r.path == path) out.push_back(r);
  }
  return out;
}

size_t HttpReceiver::Count(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  Refresh();
  if (path.empty()) return requests_.size();
  return std::count_if(requests_.begin(), requests_.end(),
                       [&](const ReceivedRequest& r) { return r.path == path; });
}

// ---------------------------------------------------------------------------------------------
// SmtpReceiver

std::unique_ptr<SmtpReceiver> SmtpReceiver::Start(const std::string& dir) {
  std::unique_ptr<SmtpReceiver> r(new SmtpReceiver());
  r->log_path_ = dir + "/smtp.messages.jsonl";
  std::ofstream(r->log_path_).close();
  r->process_ =
      ChildProcess::Spawn({kPython, ReceiversDir() + "/smtp_receiver.py", "--log", r->log_path_},
                          dir + "/smtp.log", &r->stdout_fd_);
  if (r->process_ == nullptr) return nullptr;
  r->port_ = ReadPortLine(r->stdout_fd_, std::chrono::seconds(15));
  if (r->port_ <= 0) {
    ADD_FAILURE() << "smtp receiver did not start (is python3-aiosmtpd installed?); see " << dir
                  << "/smtp.log";
    return nullptr;
  }
  return r;
}

SmtpReceiver::~SmtpReceiver() {
  process_.reset();
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

std::vector<ReceivedMail> SmtpReceiver::Mails() {
  std::vector<ReceivedMail> out;
  std::stringstream in(ReadFileFrom(log_path_, 0));
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // an incomplete last line
    rapidjson::Document d;
    d.Parse(line.c_str(), line.size());
    if (d.HasParseError() || !d.IsObject()) continue;
    ReceivedMail m;
    m.t = d["t"].GetDouble();
    m.mail_from = StringMember(d, "mail_from");
    for (const auto& v : d["rcpt_tos"].GetArray()) m.rcpt_tos.push_back(v.GetString());
    m.content = StringMember(d, "content");
    out.push_back(std::move(m));
  }
  return out;
}

std::string Describe(const std::vector<ApiAttempt>& attempts) {
  std::string out;
  for (const ApiAttempt& a : attempts) {
    out += "  " + a.channel + "[" + std::to_string(a.channel_index) + "] attempt " +
           std::to_string(a.attempt) + " " + a.status + " " + std::to_string(a.status_code) + " " +
           a.error + "\n";
  }
  return out;
}

std::vector<ApiAttempt> OfChannel(const std::vector<ApiAttempt>& attempts, int channel) {
  std::vector<ApiAttempt> out;
  std::copy_if(attempts.begin(), attempts.end(), std::back_inserter(out),
               [&](const ApiAttempt& a) { return a.channel_index == channel; });
  std::sort(out.begin(), out.end(),
            [](const ApiAttempt& a, const ApiAttempt& b) { return a.attempt < b.attempt; });
  return out;
}

std::string HttpChannels(HttpReceiver& http, const std::vector<std::string>& paths) {
  std::string out;
  for (const std::string& p : paths) {
    if (!out.empty()) out += ",";
    out += R"({"channel": "webhook", "configs": {"url": ")" + http.Url(p) + R"("}})";
  }
  return out;
}

std::string RetryPath(const std::string& webhook, const std::string& delivery_id) {
  return "/v1/organizations/webhooks/" + webhook + "/deliveries/" + delivery_id + "/retry";
}

}  // namespace webhooks::testing

// The webhook-notifier process of the integration tests and the fixture that runs it next to
// the Stack and the delivery sinks (declared in sinks_harness.h).
#include <chrono>
#include <csignal>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/sinks_harness.h"

namespace webhooks::testing {

// ---------------------------------------------------------------------------------------------
// NotifierProcess

std::unique_ptr<NotifierProcess> NotifierProcess::Start(const std::string& data_dir,
                                                        const std::string& log_path,
                                                        std::vector<std::string> args,
                                                        std::vector<std::string> env) {
  std::unique_ptr<NotifierProcess> n(new NotifierProcess());
  n->env_ = std::move(env);
  n->argv_ = {NotifierBin(), "--data-dir", data_dir};
  n->argv_.insert(n->argv_.end(), args.begin(), args.end());
  n->log_path_ = log_path;
  if (!n->Launch()) return nullptr;
  return n;
}

bool NotifierProcess::Launch() {
  const size_t offset = FileSize(log_path_);
  process_ = ChildProcess::Spawn(argv_, log_path_, nullptr, env_);
  if (process_ == nullptr) return false;
  bool up = WaitUntil(
      [&] {
        return !process_->running() ||
               ReadFileFrom(log_path_, offset).find("notifier started") != std::string::npos;
      },
      std::chrono::seconds(10));
  if (!up || !process_->running()) {
    ADD_FAILURE() << "webhook-notifier did not start; log " << log_path_ << ":\n" << LogTail();
    return false;
  }
  return true;
}

NotifierProcess::~NotifierProcess() {
  if (process_) process_->Stop(SIGTERM, std::chrono::seconds(8));
}

int NotifierProcess::Kill(int sig) {
  return process_ ? process_->Stop(sig, std::chrono::seconds(8)) : -1;
}

bool NotifierProcess::Restart() {
  if (process_) process_->Stop(SIGTERM, std::chrono::seconds(8));
  return Launch();
}

std::string NotifierProcess::LogTail(size_t max_bytes) const {
  size_t size = FileSize(log_path_);
  return ReadFileFrom(log_path_, size > max_bytes ? size - max_bytes : 0);
}

// ---------------------------------------------------------------------------------------------
// NotifierTestBase

void NotifierTestBase::StartStack(const std::string& rules_json, bool with_smtp) {
  stack_ = Stack::Start();
  ASSERT_NE(stack_, nullptr);
  key_ = stack_->CreateKey(stack_->CreateOrg("acme"));
  ASSERT_FALSE(key_.empty());
  http_ = HttpReceiver::Start(Dir(), "http", rules_json);
  ASSERT_NE(http_, nullptr);
  if (with_smtp) {
    smtp_ = SmtpReceiver::Start(Dir());
    ASSERT_NE(smtp_, nullptr);
  }
}

std::string NotifierTestBase::Dir() const {
  return std::filesystem::path(stack_->data_dir()).parent_path().string();
}

std::vector<std::string> NotifierTestBase::NotifierArgs(const std::string& retry_schedule,
                                                        bool allow_loopback) const {
  std::vector<std::string> args = {"--retry-schedule",     retry_schedule,
                                   "--slack-api-url",      http_->Url("/slack"),
                                   "--twilio-api-url",     http_->Url("/twilio"),
                                   "--twilio-account-sid", kTwilioSid,
                                   "--twilio-auth-token",  kTwilioToken,
                                   "--sms-from",           kSmsFrom,
                                   "--smtp-from",          kSmtpFrom,
                                   "--poll-interval-ms",   "10"};
  if (smtp_) {
    args.push_back("--smtp-url");
    args.push_back(smtp_->Url());
  }
  if (allow_loopback) {
    for (const char* cidr : {"127.0.0.0/8", "::1/128"}) {
      args.push_back("--allow-cidr");
      args.push_back(cidr);
    }
  }
  return args;
}

void NotifierTestBase::StartNotifier(const std::vector<std::string>& args,
                                     const std::vector<std::string>& env) {
  notifier_ = NotifierProcess::Start(stack_->data_dir(), Dir() + "/notifier.log", args, env);
  ASSERT_NE(notifier_, nullptr);
}

void NotifierTestBase::TearDown() {
  if (!HasFailure() || stack_ == nullptr) return;
  std::cerr << "[ files    ] kept in " << Dir() << "\n";
  if (notifier_) std::cerr << "[ notifier ] log tail:\n" << notifier_->LogTail(3000) << "\n";
}

rapidjson::Document NotifierTestBase::CreateWebhook(const std::string& body) {
  HttpResult r = stack_->Request("POST", "/v1/organizations/webhooks", body, key_);
  EXPECT_EQ(r.status, 201) << r.body;
  return ParseJsonText(r.body);
}

std::string NotifierTestBase::CreateHttpWebhook(const std::string& name,
                                                const std::vector<std::string>& paths) {
  return StringMember(
      CreateWebhook(R"({"webhook_name": ")" + name + R"(", "event_types": ["*"], "channels": [)" +
                    HttpChannels(*http_, paths) + "]}"),
      "webhook_id");
}

rapidjson::Document NotifierTestBase::GetWebhook(const std::string& webhook_id) {
  HttpResult r = stack_->Request("GET", "/v1/organizations/webhooks/" + webhook_id, "", key_);
  EXPECT_EQ(r.status, 200) << r.body;
  return ParseJsonText(r.body);
}

std::string NotifierTestBase::Emit(const std::string& event_type,
                                   const std::string& extra_members) {
  std::string body = R"({"event_type":")" + event_type + "\"";
  if (!extra_members.empty()) body += "," + extra_members;
  body += "}";
  HttpResult r = stack_->Request("POST", "/v1/events", body, key_);
  EXPECT_EQ(r.status, 202) << r.body;
  if (r.status != 202) return "";
  return StringMember(ParseJsonText(r.body), "event_id");
}

std::vector<ApiAttempt> NotifierTestBase::Attempts(const std::string& webhook_id) {
  std::vector<ApiAttempt> out;
  std::string cursor;
  for (int page = 0; page < 100; ++page) {
    std::string path = "/v1/organizations/webhooks/" + webhook_id + "/deliveries?limit=1000";
    if (!cursor.empty()) path += "&cursor=" + cursor;
    HttpResult r = stack_->Request("GET", path, "", key_);
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) break;
    rapidjson::Document d = ParseJsonText(r.body);
    if (!d.IsObject() || !d["results"].IsArray()) break;
    for (const auto& a : d["results"].GetArray()) {
      ApiAttempt x;
      x.attempt_id = a["attempt_id"].GetUint64();
      x.delivery_id = StringMember(a, "delivery_id");
      x.event_id = StringMember(a, "event_id");
      x.event_type = StringMember(a, "event_type");
      x.channel = StringMember(a, "channel");
      x.channel_index = a["channel_index"].GetInt();
      x.attempt = a["attempt"].GetInt();
      x.status = StringMember(a, "status");
      x.status_code = a["status_code"].IsInt() ? a["status_code"].GetInt() : 0;
      x.error = StringMember(a, "error");
      x.attempted_at = StringMember(a, "attempted_at");
      x.next_attempt_at = StringMember(a, "next_attempt_at");
      out.push_back(std::move(x));
    }
    const auto& next = d["pagination"]["next_cursor"];
    if (!next.IsString()) break;
    cursor = next.GetString();
  }
  std::sort(out.begin(), out.end(),
            [](const ApiAttempt& a, const ApiAttempt& b) { return a.attempt_id < b.attempt_id; });
  return out;
}
}  // namespace webhooks::testing

// A disk that fails a flush, through the real nginx and webhook-api (the failure injected with
// LD_PRELOAD, tests/fault/fail_fdatasync.cc).
// - Under the event log: the append and every later one are refused, /healthz says so, nothing
//   written after the failure reaches the log, and a restart brings appends back.
//   Socket-activated, webhook-api stops itself for systemd to restart it.
// - Under LMDB: the write is refused and commits nothing; the next one commits.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "eventlog/file_event_log.h"
#include "tests/integration/sinks_harness.h"
#include "tests/integration/stack_harness.h"

namespace webhooks::testing {
namespace {

using std::chrono::seconds;

// The environment that makes webhook-api's fdatasync of files under `path` succeed `after`
// times, then fail (`times` times, or from then on when 0).
// ASAN_OPTIONS for a process with the fault library preloaded: a sanitizer build wants its
// runtime first in the process, and this library comes first.
std::string AsanOptions() {
  const char* asan = std::getenv("ASAN_OPTIONS");
  return std::string("ASAN_OPTIONS=") + (asan != nullptr ? std::string(asan) + ":" : "") +
         "verify_asan_link_order=0";
}

std::vector<std::string> FailingFlushEnv(const std::string& path, int after, int times = 0) {
  std::vector<std::string> env = {
      std::string("LD_PRELOAD=") + WH_FAIL_FDATASYNC_LIB, "WH_FAIL_FDATASYNC_PATH=" + path,
      "WH_FAIL_FDATASYNC_AFTER=" + std::to_string(after), AsanOptions()};
  if (times > 0) env.push_back("WH_FAIL_FDATASYNC_TIMES=" + std::to_string(times));
  return env;
}

HttpResult PostEvent(Stack& stack, const std::string& key, const std::string& id) {
  return stack.Request("POST", "/v1/events",
                       R"({"event_type":"object.created","event_id":")" + id + "\"}", key);
}

// The event_ids in the stack's event log, in order (read from the files).
std::vector<std::string> LoggedIds(const Stack& stack) {
  std::vector<std::string> ids;
  absl::StatusOr<std::unique_ptr<EventSource>> log =
      OpenFileEventSource(stack.data_dir() + "/events");
  EXPECT_TRUE(log.ok()) << log.status();
  if (!log.ok()) return ids;
  absl::StatusOr<std::vector<LogRecord>> records = (*log)->Read(0, 100);
  EXPECT_TRUE(records.ok()) << records.status();
  if (!records.ok()) return ids;
  for (const LogRecord& r : *records) {
    for (const char* id : {"ev-a", "ev-b", "ev-c", "ev-d", "ev-e"}) {
      if (r.payload.find(std::string("\"") + id + "\"") != std::string::npos) ids.push_back(id);
    }
  }
  return ids;
}

void ExpectError(const HttpResult& r, long status, const char* type) {
  EXPECT_EQ(r.status, status) << r.body;
  rapidjson::Document body = ParseJsonText(r.body);
  ASSERT_TRUE(body.IsObject() && body.HasMember("error")) << r.body;
  EXPECT_EQ(StringMember(body["error"], "type"), type) << r.body;
}

TEST(FlushFaultTest, EventLogRefusesAppendsUntilARestart) {
  std::unique_ptr<Stack> stack = Stack::Start();
  ASSERT_NE(stack, nullptr);
  const std::string key = stack->CreateKey(stack->CreateOrg("fault"));
  stack->set_api_env(FailingFlushEnv("/data/events/", 1));
  ASSERT_TRUE(stack->RestartApi(SIGTERM));

  EXPECT_EQ(PostEvent(*stack, key, "ev-a").status, 202);  // the first flush succeeds
  ExpectError(PostEvent(*stack, key, "ev-b"), 500, "InternalServerError");
  HttpResult health = stack->Request("GET", "/healthz");
  ExpectError(health, 503, "ServiceUnavailableError");
  EXPECT_NE(health.body.find("until webhook-api restarts"), std::string::npos) << health.body;
  EXPECT_EQ(health.body.find("/data/"), std::string::npos) << "a path in a public answer";
  // Everything else still works; appends stay refused (no second fdatasync is even tried).
  EXPECT_EQ(stack->Request("GET", "/v1/organizations/webhooks", "", key).status, 200);
  ExpectError(PostEvent(*stack, key, "ev-c"), 500, "InternalServerError");
  EXPECT_TRUE(stack->ApiRunning()) << "without systemd's socket it stays up";
  EXPECT_NE(ReadFileFrom(stack->api_log(), 0).find("fdatasync"), std::string::npos)
      << "the cause is in the log";

  stack->set_api_env({});
  ASSERT_TRUE(stack->RestartApi(SIGTERM));
  EXPECT_EQ(stack->Request("GET", "/healthz").status, 200);
  EXPECT_EQ(PostEvent(*stack, key, "ev-d").status, 202);
  // The 500 was an unknown outcome: ev-b was written before its flush failed, and stays (a
  // reader may have taken it at once). Nothing was written after that.
  EXPECT_EQ(LoggedIds(*stack), (std::vector<std::string>{"ev-a", "ev-b", "ev-d"}));
}

TEST(FlushFaultTest, EventLogSocketActivatedApiStopsItselfForARestart) {
  std::unique_ptr<Stack> stack = Stack::Start(4, /*socket_activated=*/true);
  ASSERT_NE(stack, nullptr);
  const std::string key = stack->CreateKey(stack->CreateOrg("fault"));
  stack->set_api_env(FailingFlushEnv("/data/events/", 1));
  ASSERT_TRUE(stack->RestartApi(SIGTERM));
  const auto up = std::chrono::steady_clock::now();

  EXPECT_EQ(PostEvent(*stack, key, "ev-a").status, 202);
  ExpectError(PostEvent(*stack, key, "ev-b"), 500, "InternalServerError");
  // Within 5 s of its start it stays up (a disk that keeps failing restarts it at most every
  // 5 s, below systemd's start limit); a failed request after that stops it.
  int status = 0;
  EXPECT_FALSE(stack->WaitApiExit(std::chrono::milliseconds(300), &status));
  ExpectError(PostEvent(*stack, key, "ev-c"), 500, "InternalServerError");
  std::this_thread::sleep_until(up + std::chrono::milliseconds(5200));
  EXPECT_TRUE(stack->ApiRunning());
  ExpectError(PostEvent(*stack, key, "ev-d"), 500, "InternalServerError");
  ASSERT_TRUE(stack->WaitApiExit(seconds(10), &status)) << "still running";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 75) << status;  // systemd restarts
  EXPECT_NE(ReadFileFrom(stack->api_log(), 0).find("exiting for systemd to restart"),
            std::string::npos);

  // As under systemd, a request made meanwhile waits on the socket for the next process.
  HttpResult waited;
  std::thread producer([&] { waited = PostEvent(*stack, key, "ev-e"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stack->set_api_env({});
  const bool started = stack->StartApiAgain();
  producer.join();
  ASSERT_TRUE(started);
  EXPECT_EQ(waited.status, 202) << waited.body;
  EXPECT_EQ(LoggedIds(*stack), (std::vector<std::string>{"ev-a", "ev-b", "ev-e"}));
}

// The directory's fsync (a segment's entry) failing is treated as a failed flush: when the
// first segment is created, and when a process first appends to a segment found there (an
// earlier process's failed sync may have left its entry unsynced).
TEST(FlushFaultTest, EventLogDirectorySyncFailureRefusesAppends) {
  std::unique_ptr<Stack> stack = Stack::Start();
  ASSERT_NE(stack, nullptr);
  const std::string key = stack->CreateKey(stack->CreateOrg("fault"));
  const std::vector<std::string> failing_dir_sync = {
      std::string("LD_PRELOAD=") + WH_FAIL_FDATASYNC_LIB, "WH_FAIL_FSYNC_PATH=/data/events",
      "WH_FAIL_FSYNC_TIMES=1", AsanOptions()};
  for (const char* refused : {"ev-a", "ev-c"}) {
    SCOPED_TRACE(refused);
    stack->set_api_env(failing_dir_sync);
    ASSERT_TRUE(stack->RestartApi(SIGTERM));
    ExpectError(PostEvent(*stack, key, refused), 500, "InternalServerError");
    ExpectError(stack->Request("GET", "/healthz"), 503, "ServiceUnavailableError");
    stack->set_api_env({});
    ASSERT_TRUE(stack->RestartApi(SIGTERM));
    const std::string kept = std::string(refused) == "ev-a" ? "ev-b" : "ev-d";
    EXPECT_EQ(PostEvent(*stack, key, kept).status, 202);
  }
  EXPECT_EQ(LoggedIds(*stack), (std::vector<std::string>{"ev-b", "ev-d"}));
}

// An LMDB meta page write that fails (a commit's last step) leaves the environment refusing
// every transaction (MDB_PANIC): requests answer 500 and /healthz 503 until a new process
// reopens it, which a socket-activated webhook-api starts by itself. The refused create is gone.
TEST(FlushFaultTest, StorePanicSocketActivatedApiStopsItselfForARestart) {
  std::unique_ptr<Stack> stack = Stack::Start(4, /*socket_activated=*/true);
  ASSERT_NE(stack, nullptr);
  const std::string key = stack->CreateKey(stack->CreateOrg("fault"));
  stack->set_api_env({std::string("LD_PRELOAD=") + WH_FAIL_FDATASYNC_LIB,
                      "WH_FAIL_PWRITE_PATH=/data/db/data.mdb", "WH_FAIL_PWRITE_BELOW=8192",
                      "WH_FAIL_PWRITE_TIMES=1", AsanOptions()});
  ASSERT_TRUE(stack->RestartApi(SIGTERM));
  const auto up = std::chrono::steady_clock::now();
  const std::string body =
      R"({"webhook_name":"refused","event_types":["*"],"channels":[{"channel":"webhook",)"
      R"("configs":{"url":"https://example.com/h"}}]})";
  ExpectError(stack->Request("POST", "/v1/organizations/webhooks", body, key), 500,
              "InternalServerError");
  ExpectError(stack->Request("GET", "/v1/organizations/webhooks", "", key), 500,
              "InternalServerError");
  ExpectError(stack->Request("GET", "/healthz"), 503, "ServiceUnavailableError");
  std::this_thread::sleep_until(up + std::chrono::milliseconds(5200));
  EXPECT_TRUE(stack->ApiRunning());
  ExpectError(stack->Request("GET", "/v1/organizations/webhooks", "", key), 500,
              "InternalServerError");
  int status = 0;
  ASSERT_TRUE(stack->WaitApiExit(seconds(10), &status)) << "still running";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 75) << status;
  EXPECT_NE(ReadFileFrom(stack->api_log(), 0).find("the store cannot be read; exiting"),
            std::string::npos);

  stack->set_api_env({});
  ASSERT_TRUE(stack->StartApiAgain());
  HttpResult listed = stack->Request("GET", "/v1/organizations/webhooks", "", key);
  EXPECT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body, "[]");
  EXPECT_EQ(stack->Request("POST", "/v1/organizations/webhooks", body, key).status, 201);
}

// LMDB aborts a transaction whose data flush fails (its meta page is not written), so the
// create is a 500 that leaves nothing behind, before and after a SIGKILL, and the next commits.
TEST(FlushFaultTest, StoreCommitsNothingOfARefusedWrite) {
  std::unique_ptr<Stack> stack = Stack::Start();
  ASSERT_NE(stack, nullptr);
  const std::string key = stack->CreateKey(stack->CreateOrg("fault"));
  stack->set_api_env(FailingFlushEnv("/data/db/data.mdb", 0, 1));
  ASSERT_TRUE(stack->RestartApi(SIGTERM));
  auto create = [&](const std::string& name) {
    return stack->Request("POST", "/v1/organizations/webhooks",
                          R"({"webhook_name":")" + name +
                              R"(","event_types":["*"],"channels":[{"channel":"webhook",)"
                              R"("configs":{"url":"https://example.com/h"}}]})",
                          key);
  };
  auto names = [&] {
    HttpResult r = stack->Request("GET", "/v1/organizations/webhooks", "", key);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> out;
    rapidjson::Document d = ParseJsonText(r.body);
    if (!d.IsArray()) {  // GET on the collection answers a plain array
      ADD_FAILURE() << r.body;
      return out;
    }
    for (const rapidjson::Value& w : d.GetArray()) {
      out.push_back(StringMember(w, "webhook_name"));
    }
    return out;
  };
  ExpectError(create("refused"), 500, "InternalServerError");
  EXPECT_EQ(names(), std::vector<std::string>{});
  EXPECT_EQ(create("kept").status, 201);
  EXPECT_EQ(names(), std::vector<std::string>{"kept"});
  stack->set_api_env({});
  ASSERT_TRUE(stack->RestartApi(SIGKILL));
  EXPECT_EQ(names(), std::vector<std::string>{"kept"});
}

// The notifier's store failing to flush now and then: it stays up, and every event still
// reaches the receiver; a re-send after a refused write carries the same webhook-id.
class NotifierFlushFault : public NotifierTestBase {};

TEST_F(NotifierFlushFault, RefusedStoreWritesLoseNoDelivery) {
  ASSERT_NO_FATAL_FAILURE(StartStack());
  const std::string webhook = CreateHttpWebhook("flaky-disk", {"/f"});
  ASSERT_FALSE(webhook.empty());
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) ids.push_back(Emit("object.created"));
  // Its flushes of the store fail from the 3rd to the 8th (its start writes too, so some of
  // them fail there).
  ASSERT_NO_FATAL_FAILURE(StartNotifier(NotifierArgs("0,300ms,300ms,300ms,300ms,300ms"),
                                        FailingFlushEnv("/data/db/data.mdb", 2, 6)));
  ASSERT_NE(notifier_, nullptr);
  for (int i = 0; i < 30; ++i) ids.push_back(Emit("object.created"));

  std::map<std::string, std::set<std::string>> seen;  // event_id -> webhook-ids
  auto collect = [&] {
    seen.clear();
    for (const ReceivedRequest& r : http_->Requests("/f")) {
      seen[StringMember(ParseJsonText(r.body), "event_id")].insert(r.header("webhook-id"));
    }
    return seen.size() >= ids.size();
  };
  EXPECT_TRUE(WaitUntil(collect, std::chrono::seconds(30))) << notifier_->LogTail();
  for (const std::string& id : ids) {
    EXPECT_EQ(seen[id].size(), 1u) << id << " missing, or re-sent as another delivery";
  }
  // Every outcome is recorded in the end (a refused record is written again): each event
  // has a succeeded attempt, and nothing is left failed.
  std::set<std::string> succeeded;
  auto recorded = [&] {
    succeeded.clear();
    for (const ApiAttempt& a : Attempts(webhook)) {
      if (a.status == "succeeded") succeeded.insert(a.event_id);
    }
    return succeeded.size() >= ids.size();
  };
  EXPECT_TRUE(WaitUntil(recorded, std::chrono::seconds(10)))
      << succeeded.size() << " of " << ids.size() << " recorded\n"
      << notifier_->LogTail();
  EXPECT_TRUE(notifier_->running()) << notifier_->LogTail();
}

}  // namespace
}  // namespace webhooks::testing

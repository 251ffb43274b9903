// A full disk. Under the running API: appends answer 503 in the error envelope and leave nothing
// behind, reads keep working, and once space returns appends go on and the notifier delivers
// exactly the events that were acknowledged. Under the running notifier: it queues and sends
// nothing while it cannot write its store, stays up, and delivers every event once space
// returns. The disk fills through a file size limit set on the running process (prlimit(2)
// RLIMIT_FSIZE: writes past it fail with EFBIG), so the test needs no mount privileges.
#include <sys/resource.h>

#include <filesystem>
#include <set>
#include <thread>

#include "model/json_input.h"
#include "tests/integration/sinks_harness.h"

namespace webhooks::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class FullDiskTest : public NotifierTestBase {};

// Bytes in the event log's segments.
uintmax_t EventLogBytes(const std::string& data_dir) {
  uintmax_t total = 0;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir + "/events")) {
    if (entry.path().extension() == ".log") total += entry.file_size();
  }
  return total;
}

TEST_F(FullDiskTest, AppendsOnAFullDiskAnswer503AndLoseNothingAcknowledged) {
  ASSERT_NO_FATAL_FAILURE(StartStack());
  ASSERT_NO_FATAL_FAILURE(StartNotifier(NotifierArgs("0,300ms")));
  const std::string id = CreateHttpWebhook("full", {"/h"});
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(Emit("object.created", R"("event_id": "before")"), "before");

  const pid_t api = stack_->api_pid();
  const uintmax_t full_at = EventLogBytes(stack_->data_dir());
  struct rlimit old_limit {};
  ASSERT_EQ(prlimit(api, RLIMIT_FSIZE, nullptr, &old_limit), 0);
  struct rlimit full = old_limit;
  full.rlim_cur = full_at + 16;  // room for a few bytes of the next record only
  ASSERT_EQ(prlimit(api, RLIMIT_FSIZE, &full, nullptr), 0);
  HttpResult refused = stack_->Request(
      "POST", "/v1/events", R"({"event_type": "object.created", "event_id": "refused"})", key_);
  HttpResult batch = stack_->Request(
      "POST", "/v1/events/batch",
      R"({"events": [{"event_type": "object.created", "event_id": "refused-too"}]})", key_);
  HttpResult read = stack_->Request("GET", "/v1/organizations/webhooks/" + id, "", key_);
  const uintmax_t size_when_full = EventLogBytes(stack_->data_dir());
  ASSERT_EQ(prlimit(api, RLIMIT_FSIZE, &old_limit, nullptr), 0);

  for (const HttpResult& r : {refused, batch}) {
    EXPECT_EQ(r.status, 503) << r.body;
    rapidjson::Document d = ParseJsonText(r.body);
    ASSERT_TRUE(d.IsObject()) << r.body;
    EXPECT_TRUE(d["success"].IsFalse());
    EXPECT_STREQ(d["error"]["type"].GetString(), "ServiceUnavailableError");
    EXPECT_EQ(r.body.find(stack_->data_dir()), std::string::npos) << r.body;  // no paths
    EXPECT_EQ(r.headers.count("retry-after") ? r.headers.at("retry-after") : "", "5");
  }
  EXPECT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(size_when_full, full_at);  // nothing of the refused records was written

  ASSERT_EQ(Emit("object.created", R"("event_id": "after")"), "after");
  ASSERT_TRUE(WaitUntil([&] { return http_->Count("/h") >= 2; }, seconds(15)));
  std::this_thread::sleep_for(milliseconds(500));  // room for a stray delivery
  std::set<std::string> delivered;
  for (const ReceivedRequest& r : http_->Requests("/h")) {
    delivered.insert(StringMember(ParseJsonText(r.body), "event_id"));
  }
  EXPECT_EQ(delivered, (std::set<std::string>{"before", "after"}));
  EXPECT_EQ(http_->Count("/h"), 2u);
}

// LMDB reports a page write cut short by the limit as EIO ("short write"): still a lack of
// space, so a 503 that changes nothing, and the next write after space returns commits.
TEST_F(FullDiskTest, StoreWritesCutShortAnswer503) {
  ASSERT_NO_FATAL_FAILURE(StartStack());
  const std::string data_file = stack_->data_dir() + "/db/data.mdb";
  const pid_t api = stack_->api_pid();
  struct rlimit old_limit {};
  ASSERT_EQ(prlimit(api, RLIMIT_FSIZE, nullptr, &old_limit), 0);
  struct rlimit full = old_limit;
  full.rlim_cur = std::filesystem::file_size(data_file) + 2048;  // half a page more
  ASSERT_EQ(prlimit(api, RLIMIT_FSIZE, &full, nullptr), 0);
  // Creates until one needs a page past the limit (the first ones may reuse free pages).
  HttpResult refused;
  int created = 0;
  for (int i = 0; i < 200 && refused.status == 0; ++i) {
    HttpResult r = stack_->Request(
        "POST", "/v1/organizations/webhooks",
        R"({"webhook_name": "w)" + std::to_string(i) + R"(", "description": ")" +
            std::string(1500, 'd') +
            R"(", "event_types": ["*"], "channels": [{"channel": "webhook", "configs": {"url": "https://example.com/h"}}]})",
        key_);
    if (r.status == 201) {
      ++created;
    } else {
      refused = r;
    }
  }
  const std::string listed = stack_->Request("GET", "/v1/organizations/webhooks", "", key_).body;
  ASSERT_EQ(prlimit(api, RLIMIT_FSIZE, &old_limit, nullptr), 0);

  EXPECT_EQ(refused.status, 503) << refused.body << "\n" << ReadFileFrom(stack_->api_log(), 0);
  EXPECT_EQ(refused.headers.count("retry-after") ? refused.headers.at("retry-after") : "", "5");
  rapidjson::Document d = ParseJsonText(listed);
  ASSERT_TRUE(d.IsArray()) << listed;
  EXPECT_EQ(d.Size(), static_cast<rapidjson::SizeType>(created));  // the refused one is not there
  EXPECT_EQ(stack_
                ->Request("POST", "/v1/organizations/webhooks",
                          R"({"webhook_name": "after", "event_types": ["*"], "channels": [)"
                          R"({"channel": "webhook", "configs": {"url": "https://e.x/h"}}]})",
                          key_)
                .status,
            201);
}

TEST_F(FullDiskTest, ANotifierThatCannotWriteItsStoreDeliversEverythingOnceSpaceReturns) {
  ASSERT_NO_FATAL_FAILURE(StartStack());
  ASSERT_NO_FATAL_FAILURE(StartNotifier(NotifierArgs("0,300ms")));
  const std::string id = CreateHttpWebhook("full", {"/h"});
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(Emit("object.created", R"("event_id": "warm-up")"), "warm-up");
  ASSERT_TRUE(WaitUntil([&] { return http_->Count("/h") == 1; }, seconds(15)));

  const pid_t notifier = notifier_->pid();
  struct rlimit old_limit {};
  ASSERT_EQ(prlimit(notifier, RLIMIT_FSIZE, nullptr, &old_limit), 0);
  struct rlimit full = old_limit;
  full.rlim_cur = 4096;  // no write past the store's first page
  ASSERT_EQ(prlimit(notifier, RLIMIT_FSIZE, &full, nullptr), 0);
  std::set<std::string> emitted = {"warm-up"};
  for (int i = 0; i < 5; ++i) emitted.insert(Emit("object.created"));
  std::this_thread::sleep_for(milliseconds(1500));
  const size_t while_full = http_->Count("/h");
  const bool alive = notifier_->running();
  ASSERT_TRUE(alive) << "a write past the limit killed it: " << notifier_->LogTail();
  ASSERT_EQ(prlimit(notifier, RLIMIT_FSIZE, &old_limit, nullptr), 0);

  EXPECT_EQ(while_full, 1u);  // nothing is sent before it is queued durably
  ASSERT_TRUE(WaitUntil([&] { return http_->Count("/h") >= emitted.size(); }, seconds(20)))
      << notifier_->LogTail();
  std::this_thread::sleep_for(milliseconds(500));
  std::set<std::string> delivered;
  for (const ReceivedRequest& r : http_->Requests("/h")) {
    delivered.insert(StringMember(ParseJsonText(r.body), "event_id"));
  }
  EXPECT_EQ(delivered, emitted);
  EXPECT_EQ(http_->Count("/h"), emitted.size());
}

}  // namespace
}  // namespace webhooks::testing

// Damage in the event log under a running notifier: it stops at the damaged record and says
// what to run; `webhookctl eventlog check` shows where; after `webhookctl eventlog skip-damage`
// every later event is delivered, and only the event stored in the damaged record is lost.
#include <fcntl.h>
#include <unistd.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "eventlog/file_event_log.h"
#include "tests/integration/sinks_harness.h"

namespace webhooks::testing {
namespace {

using std::chrono::seconds;

class NotifierLogDamage : public NotifierTestBase {
 protected:
  // The event ids the receiver got at /d, each once at most (a second copy fails the test).
  std::set<std::string> Delivered() {
    std::set<std::string> ids;
    for (const ReceivedRequest& r : http_->Requests("/d")) {
      EXPECT_TRUE(ids.insert(StringMember(ParseJsonText(r.body), "event_id")).second) << r.body;
    }
    return ids;
  }
  std::string Ctl(const std::vector<std::string>& words, int* rc) {
    std::vector<std::string> argv = {WH_CTL_BIN, "--data-dir", stack_->data_dir()};
    argv.insert(argv.end(), words.begin(), words.end());
    return RunCommand(argv, rc);
  }
};

// The position of the record holding event `id` in the stack's event log (0 if none).
uint64_t PositionOf(const std::string& data_dir, const std::string& id) {
  absl::StatusOr<std::unique_ptr<EventSource>> log = OpenFileEventSource(data_dir + "/events");
  if (!log.ok()) return 0;
  absl::StatusOr<std::vector<LogRecord>> records = (*log)->Read(0, 1000);
  if (!records.ok()) return 0;
  for (const LogRecord& r : *records) {
    if (r.payload.find("\"" + id + "\"") != std::string::npos) return r.position;
  }
  return 0;
}

TEST_F(NotifierLogDamage, SkipDamageLosesOnlyTheDamagedEvent) {
  ASSERT_NO_FATAL_FAILURE(StartStack());
  ASSERT_FALSE(CreateHttpWebhook("damaged log", {"/d"}).empty());
  std::set<std::string> before, after;
  for (int i = 0; i < 10; ++i) {
    const std::string id = "e" + std::to_string(i);
    ASSERT_EQ(Emit("object.created", R"("event_id":")" + id + "\""), id);
    (i < 5 ? before : after).insert(id);
  }
  after.erase("e5");
  // One byte of e5's payload (the segment holds positions from 0): its checksum fails.
  const uint64_t damaged = PositionOf(stack_->data_dir(), "e5");
  ASSERT_GT(damaged, 0u);
  const int fd = open((stack_->data_dir() + "/events/00000000000000000000.log").c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(pwrite(fd, "#", 1, static_cast<off_t>(damaged + 8 + 3)), 1);
  close(fd);

  std::vector<std::string> args = NotifierArgs("0,300ms");
  const std::string metrics = Dir() + "/notifier.prom";
  args.insert(args.end(), {"--metrics-file", metrics, "--metrics-interval-ms", "100"});
  ASSERT_NO_FATAL_FAILURE(StartNotifier(args));
  auto damaged_gauge = [&](const char* value) {
    return ReadFileFrom(metrics, 0)
               .find(std::string("webhook_notifier_event_log_damaged ") + value + "\n") !=
           std::string::npos;
  };
  ASSERT_TRUE(WaitUntil([&] { return Delivered() == before; }, seconds(10))) << Delivered().size();
  for (int i = 10; i < 13; ++i) {
    const std::string id = "e" + std::to_string(i);
    ASSERT_EQ(Emit("object.created", R"("event_id":")" + id + "\""), id);
    after.insert(id);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(Delivered(), before) << "delivered past the damage";
  EXPECT_NE(notifier_->LogTail().find("eventlog skip-damage"), std::string::npos)
      << notifier_->LogTail();
  EXPECT_TRUE(WaitUntil([&] { return damaged_gauge("1"); }, seconds(5)))
      << ReadFileFrom(metrics, 0);

  int rc = -1;
  rapidjson::Document check = ParseJsonText(Ctl({"eventlog", "check", "--json"}, &rc));
  EXPECT_EQ(rc, 1);
  ASSERT_TRUE(check.IsObject() && check["damage"].IsArray() && check["damage"].Size() == 1u);
  EXPECT_EQ(check["damage"][0]["start"].GetUint64(), damaged);
  EXPECT_EQ(check["notifier_cursor"].GetUint64(), damaged);
  EXPECT_EQ(check["records"].GetUint64(), 12u);  // 13 events, one of them damaged

  const std::string skipped = Ctl({"eventlog", "skip-damage"}, &rc);
  EXPECT_EQ(rc, 0) << skipped;
  EXPECT_NE(skipped.find("skipped positions " + std::to_string(damaged)), std::string::npos)
      << skipped;
  std::set<std::string> all = before;
  all.insert(after.begin(), after.end());
  EXPECT_TRUE(WaitUntil([&] { return Delivered() == all; }, seconds(15)))
      << Delivered().size() << " of " << all.size() << "\n"
      << notifier_->LogTail();
  EXPECT_EQ(Delivered().count("e5"), 0u);
  EXPECT_TRUE(WaitUntil([&] { return damaged_gauge("0"); }, seconds(5)))
      << ReadFileFrom(metrics, 0);
  // skip-damage started a new segment after the damaged one (the running API had kept
  // appending to it): later appends go there, and nothing is handed out twice.
  for (int i = 13; i < 16; ++i) {
    const std::string id = "e" + std::to_string(i);
    ASSERT_EQ(Emit("object.created", R"("event_id":")" + id + "\""), id);
    all.insert(id);
  }
  EXPECT_TRUE(WaitUntil([&] { return Delivered() == all; }, seconds(10)))
      << Delivered().size() << " of " << all.size() << "\n"
      << notifier_->LogTail();
  // Nothing left to skip: the cursor is past the damage.
  const std::string again = Ctl({"eventlog", "skip-damage"}, &rc);
  EXPECT_EQ(rc, 1) << again;
}

}  // namespace
}  // namespace webhooks::testing

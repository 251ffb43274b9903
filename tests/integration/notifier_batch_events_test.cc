// POST /v1/events/batch through nginx, the API and the notifier: every event of a batch is
// delivered once; a producer's id seen before, or given twice in the batch, is one delivery; a
// batch with one invalid event appends nothing.
#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "model/json_input.h"
#include "tests/integration/sinks_harness.h"

namespace webhooks::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class NotifierIntegrationBatch : public NotifierTestBase {};

TEST_F(NotifierIntegrationBatch, EveryEventOfABatchIsDeliveredOnce) {
  ASSERT_NO_FATAL_FAILURE(StartStack());
  ASSERT_NO_FATAL_FAILURE(StartNotifier(NotifierArgs("0")));
  const std::string id = CreateHttpWebhook("batch", {"/b"});
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(Emit("object.created", R"("event_id": "seen-1")"), "seen-1");
  ASSERT_TRUE(WaitUntil([&] { return http_->Count("/b") == 1; }, seconds(15)));

  HttpResult r = stack_->Request("POST", "/v1/events/batch",
                                 R"({"events": [
                                   {"event_type": "object.created", "event_id": "seen-1"},
                                   {"event_type": "object.updated", "event_id": "dup"},
                                   {"event_type": "object.updated", "event_id": "dup"},
                                   {"event_type": "object.deleted"}]})",
                                 key_);
  ASSERT_EQ(r.status, 202) << r.body;
  rapidjson::Document ids = ParseJsonText(r.body);
  ASSERT_TRUE(ids["event_ids"].IsArray()) << r.body;
  ASSERT_EQ(ids["event_ids"].Size(), 4u) << r.body;
  EXPECT_EQ(std::string(ids["event_ids"][0].GetString()), "seen-1");
  EXPECT_EQ(std::string(ids["event_ids"][2].GetString()), "dup");
  const std::string generated = ids["event_ids"][3].GetString();
  EXPECT_EQ(generated.rfind("evt_", 0), 0u) << generated;

  ASSERT_TRUE(WaitUntil([&] { return http_->Count("/b") >= 3; }, seconds(15)));
  std::this_thread::sleep_for(milliseconds(500));  // a duplicate would come by now
  std::vector<std::string> got;
  for (const ReceivedRequest& q : http_->Requests("/b")) {
    got.push_back(StringMember(ParseJsonText(q.body), "event_id"));
  }
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"dup", generated, "seen-1"}));

  // One invalid event refuses the whole batch, with its index in the error; nothing is sent.
  HttpResult bad = stack_->Request("POST", "/v1/events/batch",
                                   R"({"events": [{"event_type": "object.created"},
                                                  {"event_type": "no.such.type"}]})",
                                   key_);
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_NE(bad.body.find(R"(["body","events",1,"event_type"])"), std::string::npos) << bad.body;
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(http_->Count("/b"), 3u);
}

}  // namespace
}  // namespace webhooks::testing

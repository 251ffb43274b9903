// A webhook's `filters` through nginx, the API and the notifier: only events whose envelope
// passes them are delivered to it, other webhooks of the same types get every event, a PUT
// changing the filters applies to the events appended after it, and POST .../match predicts it.
#include <set>
#include <thread>

#include "model/json_input.h"
#include "tests/integration/sinks_harness.h"

namespace webhooks::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class NotifierIntegrationFilters : public NotifierTestBase {
 protected:
  // The event_ids of the events `path` received.
  std::set<std::string> Received(const std::string& path) {
    std::set<std::string> ids;
    for (const ReceivedRequest& r : http_->Requests(path)) {
      ids.insert(StringMember(ParseJsonText(r.body), "event_id"));
    }
    return ids;
  }
  std::string Body(const std::string& filters) {
    return R"({"webhook_name": "prod", "event_types": ["object.created"], "filters": )" + filters +
           R"(, "channels": [{"channel": "webhook", "configs": {"url": ")" + http_->Url("/prod") +
           R"("}}]})";
  }
};

TEST_F(NotifierIntegrationFilters, OnlyEventsPassingTheFiltersAreDelivered) {
  ASSERT_NO_FATAL_FAILURE(StartStack());
  ASSERT_NO_FATAL_FAILURE(StartNotifier(NotifierArgs("0,300ms")));
  const std::string prod = StringMember(CreateWebhook(Body(R"({"namespace_id": "ns_prod",
                                          "subject.type": ["object", "collection"]})")),
                                        "webhook_id");
  const std::string all = StringMember(
      CreateWebhook(R"({"webhook_name": "all", "event_types": ["object.created"], "channels": [
        {"channel": "webhook", "configs": {"url": ")" +
                    http_->Url("/all") + R"("}}]})"),
      "webhook_id");
  ASSERT_FALSE(prod.empty() || all.empty());
  rapidjson::Document got = GetWebhook(prod);
  ASSERT_TRUE(got["filters"].IsObject());
  EXPECT_STREQ(got["filters"]["namespace_id"].GetString(), "ns_prod");
  EXPECT_EQ(got["filters"]["subject.type"].Size(), 2u);
  EXPECT_FALSE(GetWebhook(all).HasMember("filters"));

  const std::string subject = R"("subject": {"type": "object", "id": "obj_1"})";
  // The match endpoint predicts what the notifier does below.
  auto would_deliver = [&](const std::string& members) {
    HttpResult r = stack_->Request("POST", "/v1/organizations/webhooks/" + prod + "/match",
                                   R"({"event_type": "object.created", )" + members + "}", key_);
    EXPECT_EQ(r.status, 200) << r.body;
    rapidjson::Document d = ParseJsonText(r.body);
    return d.IsObject() && d.HasMember("would_deliver") && d["would_deliver"].GetBool();
  };
  EXPECT_TRUE(would_deliver(R"("namespace_id": "ns_prod", )" + subject));
  EXPECT_FALSE(would_deliver(R"("namespace_id": "ns_dev", )" + subject));
  EXPECT_FALSE(would_deliver(subject));
  const std::string passes = Emit("object.created", R"("namespace_id": "ns_prod", )" + subject);
  const std::string other_ns = Emit("object.created", R"("namespace_id": "ns_dev", )" + subject);
  const std::string no_ns = Emit("object.created", subject);
  const std::string other_subject = Emit(
      "object.created", R"("namespace_id": "ns_prod", "subject": {"type": "bucket", "id": "b"})");
  const std::set<std::string> emitted = {passes, other_ns, no_ns, other_subject};
  ASSERT_EQ(emitted.size(), 4u);
  ASSERT_TRUE(WaitUntil([&] { return http_->Count("/all") >= 4 && http_->Count("/prod") >= 1; },
                        seconds(15)));
  // The fan-out is in log order: every event is fanned out by now; give a stray delivery a
  // moment to arrive.
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(Received("/all"), emitted);
  EXPECT_EQ(Received("/prod"), std::set<std::string>{passes});
  EXPECT_EQ(http_->Count("/prod"), 1u);

  // New filters apply to the events appended after the PUT.
  HttpResult put = stack_->Request("PUT", "/v1/organizations/webhooks/" + prod,
                                   Body(R"({"namespace_id": ["ns_dev"]})"), key_);
  ASSERT_EQ(put.status, 200) << put.body;
  const std::string prod_now = Emit("object.created", R"("namespace_id": "ns_prod")");
  const std::string dev_now = Emit("object.created", R"("namespace_id": "ns_dev")");
  ASSERT_TRUE(WaitUntil([&] { return http_->Count("/prod") >= 2 && http_->Count("/all") >= 6; },
                        seconds(15)));
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(Received("/prod"), (std::set<std::string>{passes, dev_now}));
  EXPECT_EQ(http_->Count("/prod"), 2u);
  EXPECT_EQ(Received("/all").count(prod_now), 1u);
}

}  // namespace
}  // namespace webhooks::testing

// POST /v1/organizations/webhooks/{identifier}/match: whether an event would be delivered to a
// webhook, with each part of the decision, and nothing changed.
#include <string>
#include <vector>

#include "tests/unit/fcgi_handlers_fixture.h"

namespace webhooks {
namespace {

class MatchHandlerTest : public FcgiHandlersTest {
 protected:
  rapidjson::Document Match(const std::string& id, const std::string& event) {
    HttpResponse r = Call("POST", std::string(kWebhooks) + "/" + id + "/match", event);
    EXPECT_EQ(r.status, 200) << r.body;
    return Json(r.body);
  }
  // The `passes` of each filter in a match answer.
  static std::vector<bool> Passes(const rapidjson::Document& d) {
    std::vector<bool> out;
    for (const rapidjson::Value& f : d["filters"].GetArray()) out.push_back(f["passes"].GetBool());
    return out;
  }
};

TEST_F(MatchHandlerTest, EachPartOfTheDecisionIsReported) {
  const std::string id =
      Create(Body("prod", R"(["object.created"])",
                  R"(,"filters":{"namespace_id":"ns_prod","subject.type":["object","bucket"]})"));
  const std::vector<Webhook> before = Snapshot();

  rapidjson::Document yes = Match(id, R"({"event_type": "object.created", "event_id": "e1",
      "namespace_id": "ns_prod", "subject": {"type": "bucket", "id": "b1"}})");
  EXPECT_TRUE(yes["would_deliver"].GetBool());
  EXPECT_TRUE(yes["is_active"].GetBool());
  EXPECT_TRUE(yes["event_type_subscribed"].GetBool());
  EXPECT_EQ(Passes(yes), (std::vector<bool>{true, true}));
  EXPECT_STREQ(yes["filters"][1]["path"].GetString(), "subject.type");
  EXPECT_STREQ(yes["envelope"]["event_id"].GetString(), "e1");
  EXPECT_STREQ(yes["envelope"]["namespace_id"].GetString(), "ns_prod");

  rapidjson::Document other_ns =
      Match(id, R"({"event_type": "object.created", "namespace_id": "ns_dev"})");
  EXPECT_FALSE(other_ns["would_deliver"].GetBool());
  EXPECT_EQ(Passes(other_ns), (std::vector<bool>{false, false}));

  rapidjson::Document other_type = Match(id, R"({"event_type": "object.deleted",
      "namespace_id": "ns_prod", "subject": {"type": "object", "id": "o1"}})");
  EXPECT_FALSE(other_type["would_deliver"].GetBool());
  EXPECT_FALSE(other_type["event_type_subscribed"].GetBool());
  EXPECT_EQ(Passes(other_type), (std::vector<bool>{true, true}));
  EXPECT_EQ(Snapshot(), before);  // nothing changed

  ASSERT_EQ(Call("PUT", std::string(kWebhooks) + "/" + id,
                 Body("prod", R"(["*"])", R"(,"is_active":false)"))
                .status,
            200);
  rapidjson::Document paused = Match(id, R"({"event_type": "object.deleted"})");
  EXPECT_FALSE(paused["is_active"].GetBool());
  EXPECT_TRUE(paused["event_type_subscribed"].GetBool());
  EXPECT_TRUE(paused["filters"].Empty());
  EXPECT_FALSE(paused["would_deliver"].GetBool());
}

TEST_F(MatchHandlerTest, BadEventsAndUnknownWebhooksAreErrors) {
  const std::string id = Create(Body("w"));
  const std::string path = std::string(kWebhooks) + "/" + id + "/match";
  rapidjson::Document bad = ExpectEnvelope(
      Call("POST", path, R"({"event_type": "object.exploded"})"), 422, "ValidationError");
  EXPECT_EQ(ErrorLocations(bad), (std::vector<std::string>{R"(["body","event_type"])"}));
  ExpectEnvelope(Call("POST", path, ""), 422, "ValidationError");
  ExpectEnvelope(Call("POST", std::string(kWebhooks) + "/wh_nosuchhook/match",
                      R"({"event_type": "object.created"})"),
                 404, "NotFoundError");
  ExpectEnvelope(Call("POST", path, R"({"event_type": "object.created"})", kKeyB), 404,
                 "NotFoundError");  // another organization's webhook
}

}  // namespace
}  // namespace webhooks

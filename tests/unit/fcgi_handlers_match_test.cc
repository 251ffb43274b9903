// POST /v1/organizations/webhooks/{identifier}/match: whether an event would be delivered to a
// webhook, with each part of the decision, and nothing changed.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/time_format.h"
#include "store/lmdb_delivery_store.h"
#include "store/lmdb_store.h"
#include "tests/test_util.h"
#include "tests/unit/fcgi_handlers_fixture.h"

namespace webhooks {
namespace {

class MatchHandlerTest : public FcgiHandlersTest {
 protected:
  // The answer for `event`; an empty object (and a test failure) for any other status.
  rapidjson::Document Match(const std::string& id, const std::string& event) {
    HttpResponse r = Call("POST", std::string(kWebhooks) + "/" + id + "/match", event);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? Json(r.body) : Json("{}");
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

// A producer's event_id already queued once, and a webhook whose channels are all disabled, get
// no delivery: the fan-out skips both.
TEST_F(MatchHandlerTest, ASeenEventIdAndDisabledChannelsAreReported) {
  ::webhooks::testing::TempDir dir;
  absl::StatusOr<std::unique_ptr<LmdbStore>> lmdb = LmdbStore::Open(dir.path());
  ASSERT_OK(lmdb.status());
  LmdbDeliveryStore deliveries((*lmdb)->env());
  services_.deliveries = &deliveries;
  const std::string id = Create(Body("w"));
  ASSERT_OK(deliveries.Enqueue({}, {{kOrgA, "dup"}}, std::nullopt));

  rapidjson::Document fresh = Match(id, R"({"event_type": "object.created", "event_id": "new"})");
  EXPECT_FALSE(fresh["event_id_seen"].GetBool());
  EXPECT_EQ(fresh["enabled_channels"].GetUint(), 1u);
  EXPECT_TRUE(fresh["would_deliver"].GetBool());
  rapidjson::Document dup = Match(id, R"({"event_type": "object.created", "event_id": "dup"})");
  EXPECT_TRUE(dup["event_id_seen"].GetBool());
  EXPECT_FALSE(dup["would_deliver"].GetBool());

  // The only channel answers 410 Gone once: it is disabled.
  Delivery d;
  d.internal_id = kOrgA;
  d.webhook_id = id;
  d.event_id = "new";
  d.delivery_id = DeliveryId(1, kOrgA, "new", id, 0, 0);
  d.envelope_json = "{}";
  d.created_at = "2025-01-01T00:00:00Z";
  ASSERT_OK(deliveries.Enqueue({d}, {}, std::nullopt));
  std::vector<AttemptOutcome> gone(1);
  gone[0].delivery = d;
  gone[0].delivery.state = DeliveryState::kFailed;
  gone[0].delivery.attempts = 1;
  gone[0].taken_due_ms = d.next_attempt_ms;
  gone[0].attempt = Attempt{
      0,        d.delivery_id, kOrgA, id,         "new", "object.created",      "webhook", 0, 1,
      "failed", 410,           1,     "HTTP 410", "",    FormatTimestamp(now_), {}};
  gone[0].disable_channel = std::make_pair(0u, std::string("receiver answered 410 Gone"));
  ASSERT_OK(deliveries.RecordOutcomes(gone));
  rapidjson::Document disabled = Match(id, R"({"event_type": "object.created"})");
  EXPECT_EQ(disabled["enabled_channels"].GetUint(), 0u);
  EXPECT_FALSE(disabled["would_deliver"].GetBool());
  services_.deliveries = nullptr;
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

// The webhook API's {identifier}: a webhook id or a percent-encoded name, and a name shared by
// several webhooks.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "fcgi/http.h"
#include "model/webhook.h"
#include "tests/unit/fcgi_handlers_fixture.h"

namespace webhooks {
namespace {

TEST_F(FcgiHandlersTest, IdentifierMayBeAPercentEncodedName) {
  std::string id = Create(Body("Engineering Slack Alerts"));
  Create(Body("Other"));
  HttpResponse r = Call("GET", "/v1/organizations/webhooks/Engineering%20Slack%20Alerts");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body)["webhook_id"].GetString(), id);

  std::string slashed = Create(Body("a/b"));
  r = Call("GET", "/v1/organizations/webhooks/a%2Fb");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body)["webhook_id"].GetString(), slashed);

  // A name in webhook_id form that is not an id of this organization is looked up as a name.
  std::string id_like = Create(Body("wh_abcdefghij"));
  r = Call("GET", "/v1/organizations/webhooks/wh_abcdefghij");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body)["webhook_id"].GetString(), id_like);

  // PUT and DELETE accept a name too.
  r = Call("PUT", "/v1/organizations/webhooks/Engineering%20Slack%20Alerts", Body("Renamed"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body)["webhook_id"].GetString(), id);
  ExpectEnvelope(Call("GET", "/v1/organizations/webhooks/Engineering%20Slack%20Alerts"), 404,
                 "NotFoundError");
  r = Call("DELETE", "/v1/organizations/webhooks/Renamed");
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(absl::IsNotFound(store_.GetWebhook(kOrgA, id).status()));
  EXPECT_EQ(Snapshot().size(), 3u);
}

TEST_F(FcgiHandlersTest, AmbiguousNameIsAConflict) {
  std::string first = Create(Body("Engineering Slack Alerts"));
  std::string second = Create(Body("Engineering Slack Alerts"));
  const std::string path = "/v1/organizations/webhooks/Engineering%20Slack%20Alerts";
  std::vector<Webhook> before = Snapshot();
  ExpectEnvelope(Call("GET", path), 409, "ConflictError");
  ExpectEnvelope(Call("PUT", path, Body("x")), 409, "ConflictError");
  ExpectEnvelope(Call("DELETE", path), 409, "ConflictError");
  EXPECT_EQ(Snapshot(), before);
  // The ids still work.
  EXPECT_EQ(Call("GET", std::string(kWebhooks) + "/" + first).status, 200);
  EXPECT_EQ(Call("GET", std::string(kWebhooks) + "/" + second).status, 200);
  // Another organization's webhook of the same name does not make it ambiguous.
  Create(Body("Unique"));
  Create(Body("Unique"), kKeyB);
  EXPECT_EQ(Call("GET", "/v1/organizations/webhooks/Unique").status, 200);
}

}  // namespace
}  // namespace webhooks

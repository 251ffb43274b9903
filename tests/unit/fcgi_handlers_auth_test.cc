// The webhook API's authorization: the forms of the bearer key, and that one organization's key
// never reaches another organization's webhooks.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "fcgi/http.h"
#include "model/webhook.h"
#include "tests/unit/fcgi_handlers_fixture.h"

namespace webhooks {
namespace {

TEST_F(FcgiHandlersTest, OrganizationsCannotSeeEachOther) {
  std::string id = Create(Body("Private"));
  const std::string path = std::string(kWebhooks) + "/" + id;
  std::vector<Webhook> before = Snapshot();

  ExpectEnvelope(Call("GET", path, "", kKeyB), 404, "NotFoundError");
  ExpectEnvelope(Call("GET", std::string(kWebhooks) + "/Private", "", kKeyB), 404, "NotFoundError");
  ExpectEnvelope(Call("PUT", path, Body("Hijacked"), kKeyB), 404, "NotFoundError");
  HttpResponse del = Call("DELETE", path, "", kKeyB);
  EXPECT_EQ(del.status, 204);
  EXPECT_TRUE(del.body.empty());
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(Call("GET", path).status, 200);

  HttpResponse list = Call("POST", kList, "", kKeyB);
  ASSERT_EQ(list.status, 200);
  rapidjson::Document page = Json(list.body);
  EXPECT_EQ(page["results"].Size(), 0u);
  EXPECT_EQ(page["total"].GetUint64(), 0u);
  HttpResponse legacy = Call("GET", kWebhooks, "", kKeyB);
  ASSERT_EQ(legacy.status, 200);
  EXPECT_EQ(Json(legacy.body).Size(), 0u);
}

TEST_F(FcgiHandlersTest, AuthorizationForms) {
  // The scheme is case-insensitive and surrounding spaces of the key are ignored.
  HttpRequest r = Request("GET", kWebhooks, "", "");
  r.authorization = std::string("bearer ") + kKeyA;
  EXPECT_EQ(Call(r).status, 200);
  r.authorization = std::string("Bearer  ") + kKeyA + " ";
  EXPECT_EQ(Call(r).status, 200);
  // Key B sees org B only.
  Create(Body("b only"), kKeyB);
  HttpResponse list = Call("GET", kWebhooks, "", kKeyB);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(Json(list.body).Size(), 1u);
  list = Call("GET", kWebhooks, "", kKeyA);
  EXPECT_EQ(Json(list.body).Size(), 0u);
  // A key's hash is looked up, never a prefix of it.
  ExpectEnvelope(Call("GET", kWebhooks, "", std::string(kKeyA).substr(0, 20)), 401,
                 "UnauthorizedError");
  ExpectEnvelope(Call("GET", kWebhooks, "", std::string(kKeyA) + "x"), 401, "UnauthorizedError");
}

}  // namespace
}  // namespace webhooks

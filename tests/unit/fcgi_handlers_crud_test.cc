// The webhook API's health check and the create, get, replace, list and delete round of one
// webhook: status codes, JSON bodies and what the store keeps.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/ids.h"
#include "common/time_format.h"
#include "fcgi/http.h"
#include "model/webhook.h"
#include "tests/unit/fcgi_handlers_fixture.h"

namespace webhooks {
namespace {

TEST_F(FcgiHandlersTest, Healthz) {
  for (const char* path : {"/healthz", "/healthz/"}) {
    HttpResponse r = Call("GET", path, "", "");
    EXPECT_EQ(r.status, 200) << path;
    rapidjson::Document doc = Json(r.body);
    ASSERT_TRUE(doc.IsObject());
    EXPECT_STREQ(doc["status"].GetString(), "ok");
  }
}

TEST_F(FcgiHandlersTest, CreateGetPutListDeleteFlow) {
  const std::string body =
      R"({"webhook_name":"Ops","description":"pager","event_types":["object.created",)"
      R"("alert.triggered","object.created"],"channels":[{"channel":"http","configs":)"
      R"({"url":"https://example.com/hook"}},{"channel":"email","configs":{"to_addresses":)"
      R"(["ops@example.com"]}}],"unknown_field":1})";
  HttpResponse created = Call("POST", kWebhooks, body);
  ASSERT_EQ(created.status, 201) << created.body;
  rapidjson::Document doc = Json(created.body);
  ASSERT_TRUE(doc.IsObject());
  const std::string id = doc["webhook_id"].GetString();
  EXPECT_TRUE(IsWebhookId(id)) << id;
  EXPECT_EQ(id.size(), 13u);
  EXPECT_FALSE(doc.HasMember("internal_id"));
  EXPECT_FALSE(doc.HasMember("seq"));
  EXPECT_FALSE(doc.HasMember("unknown_field"));
  EXPECT_STREQ(doc["webhook_name"].GetString(), "Ops");
  EXPECT_STREQ(doc["description"].GetString(), "pager");
  ASSERT_TRUE(doc["event_types"].IsArray());
  ASSERT_EQ(doc["event_types"].Size(), 2u);  // the duplicate is dropped, order kept
  EXPECT_STREQ(doc["event_types"][0].GetString(), "object.created");
  EXPECT_STREQ(doc["event_types"][1].GetString(), "alert.triggered");
  ASSERT_TRUE(doc["channels"].IsArray());
  ASSERT_EQ(doc["channels"].Size(), 2u);
  const rapidjson::Value& http = doc["channels"][0];
  EXPECT_STREQ(http["channel"].GetString(), "webhook");  // "http" is an alias
  EXPECT_STREQ(http["configs"]["url"].GetString(), "https://example.com/hook");
  EXPECT_TRUE(http["configs"]["headers"].IsObject());
  EXPECT_EQ(http["configs"]["headers"].MemberCount(), 0u);
  EXPECT_EQ(http["configs"]["timeout"].GetDouble(), 10.0);
  const rapidjson::Value& email = doc["channels"][1];
  EXPECT_STREQ(email["channel"].GetString(), "email");
  EXPECT_EQ(email["configs"]["cc_addresses"].Size(), 0u);
  EXPECT_STREQ(email["configs"]["content_type"].GetString(), "html");
  EXPECT_TRUE(doc["is_active"].IsTrue());
  EXPECT_STREQ(doc["created_at"].GetString(), "2025-01-01T00:00:00Z");
  EXPECT_STREQ(doc["updated_at"].GetString(), "2025-01-01T00:00:00Z");

  absl::StatusOr<Webhook> stored = store_.GetWebhook(kOrgA, id);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->internal_id, kOrgA);
  const uint64_t seq = stored->seq;

  HttpResponse got = Call("GET", std::string(kWebhooks) + "/" + id);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_TRUE(Json(got.body) == doc);
  got = Call("GET", std::string(kWebhooks) + "/" + id + "/");  // trailing slash
  EXPECT_EQ(got.status, 200);

  // PUT: full replacement; server-owned fields in the body are ignored.
  now_ += std::chrono::hours(1);
  const std::string put_body =
      R"({"webhook_id":"wh_zzzzzzzzzz","internal_id":")" + std::string(kOrgB) +
      R"(","created_at":"2000-01-01T00:00:00Z","updated_at":"2000-01-01T00:00:00Z",)"
      R"("webhook_name":"Ops renamed","event_types":["*"],"is_active":false,"channels":)"
      R"([{"channel":"sms","configs":{"phone_numbers":["+15551234567"]}}]})";
  HttpResponse put = Call("PUT", std::string(kWebhooks) + "/" + id, put_body);
  ASSERT_EQ(put.status, 200) << put.body;
  rapidjson::Document updated = Json(put.body);
  ASSERT_TRUE(updated.IsObject());
  EXPECT_EQ(updated["webhook_id"].GetString(), id);
  EXPECT_STREQ(updated["webhook_name"].GetString(), "Ops renamed");
  EXPECT_FALSE(updated.HasMember("description"));  // not in the PUT body: gone
  EXPECT_FALSE(updated.HasMember("internal_id"));
  EXPECT_TRUE(updated["is_active"].IsFalse());
  EXPECT_STREQ(updated["event_types"][0].GetString(), "*");
  EXPECT_STREQ(updated["channels"][0]["channel"].GetString(), "sms");
  EXPECT_STREQ(updated["created_at"].GetString(), "2025-01-01T00:00:00Z");
  EXPECT_STREQ(updated["updated_at"].GetString(), "2025-01-01T01:00:00Z");
  stored = store_.GetWebhook(kOrgA, id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->seq, seq);
  EXPECT_EQ(stored->internal_id, kOrgA);
  EXPECT_TRUE(absl::IsNotFound(store_.GetWebhook(kOrgA, "wh_zzzzzzzzzz").status()));
  EXPECT_TRUE(absl::IsNotFound(store_.GetWebhook(kOrgB, id).status()));
  got = Call("GET", std::string(kWebhooks) + "/" + id);
  ASSERT_EQ(got.status, 200);
  EXPECT_TRUE(Json(got.body) == updated);

  HttpResponse list = Call("POST", kList);
  ASSERT_EQ(list.status, 200) << list.body;
  rapidjson::Document page = Json(list.body);
  ASSERT_TRUE(page.IsObject());
  EXPECT_EQ(ResultIds(page["results"]), std::vector<std::string>{id});
  EXPECT_TRUE(page["results"][0] == updated);
  EXPECT_EQ(page["total"].GetUint64(), 1u);

  HttpResponse del = Call("DELETE", std::string(kWebhooks) + "/" + id);
  EXPECT_EQ(del.status, 204);
  EXPECT_TRUE(del.body.empty()) << del.body;
  EXPECT_TRUE(absl::IsNotFound(store_.GetWebhook(kOrgA, id).status()));
  ExpectEnvelope(Call("GET", std::string(kWebhooks) + "/" + id), 404, "NotFoundError");
  ExpectEnvelope(Call("PUT", std::string(kWebhooks) + "/" + id, put_body), 404, "NotFoundError");
  del = Call("DELETE", std::string(kWebhooks) + "/" + id);  // idempotent
  EXPECT_EQ(del.status, 204);
  EXPECT_TRUE(del.body.empty());
  EXPECT_TRUE(Snapshot().empty());
}

TEST_F(FcgiHandlersTest, CreateWithTrailingSlash) {
  HttpResponse r = Call("POST", std::string(kWebhooks) + "/", Body("slash"));
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Snapshot().size(), 1u);
}

TEST_F(FcgiHandlersTest, PutKeepsCreatedAtAndAdvancesUpdatedAt) {
  std::string id = Create(Body("clock"));
  for (int i = 1; i <= 2; ++i) {
    now_ += std::chrono::seconds(90);
    HttpResponse put = Call("PUT", std::string(kWebhooks) + "/" + id, Body("clock"));
    ASSERT_EQ(put.status, 200) << put.body;
    rapidjson::Document doc = Json(put.body);
    EXPECT_STREQ(doc["created_at"].GetString(), "2025-01-01T00:00:00Z");
    EXPECT_EQ(doc["updated_at"].GetString(),
              FormatTimestamp(kStart + std::chrono::seconds(90 * i)));
  }
  absl::StatusOr<Webhook> stored = store_.GetWebhook(kOrgA, id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->created_at, "2025-01-01T00:00:00Z");
  EXPECT_EQ(stored->updated_at, "2025-01-01T00:03:00Z");
}

}  // namespace
}  // namespace webhooks

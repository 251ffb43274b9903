// The full webhook lifecycle through the real nginx, webhook-api and LMDB.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>
#include <vector>

#include "tests/integration/stack_harness.h"

namespace webhooks::testing {
namespace {

// The seed's PUT request body, byte for byte.
constexpr char kSeedPutBody[] = R"({
  "channels": [
    {
      "channel": "slack",
      "configs": {
        "bot_token": "xoxb-...",
        "channel_id": "C0123456789",
        "workspace_id": "T0123456789"
      }
    }
  ],
  "created_at": "2025-01-01T00:00:00Z",
  "description": "Slack notifications for object lifecycle",
  "event_types": [
    "object.created",
    "object.updated",
    "object.deleted"
  ],
  "is_active": true,
  "updated_at": "2025-01-01T00:00:00Z",
  "webhook_id": "wh_abc123def4",
  "webhook_name": "Engineering Slack Alerts"
})";

constexpr char kCreateBody[] = R"({
  "webhook_name": "Ingest hooks",
  "event_types": ["collection.documents.written"],
  "channels": [{"channel": "webhook", "configs": {"url": "https://example.com/hook",
                "headers": {"X-Mixpeek-Secret": "s3cr3t"}}}]
})";

rapidjson::Document Json(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  EXPECT_FALSE(d.HasParseError()) << text;
  return d;
}

class ApiFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = Stack::Start();
    ASSERT_NE(stack_, nullptr);
    key_ = stack_->CreateKey(stack_->CreateOrg("acme"));
  }
  std::unique_ptr<Stack> stack_;
  std::string key_;
};

TEST_F(ApiFlowTest, CreateGetSeedPutListDelete) {
  HttpResult created = stack_->Request("POST", "/v1/organizations/webhooks", kCreateBody, key_);
  ASSERT_EQ(created.status, 201) << created.body;
  rapidjson::Document c = Json(created.body);
  std::string id = c["webhook_id"].GetString();
  std::string created_at = c["created_at"].GetString();
  EXPECT_FALSE(c.HasMember("internal_id"));
  EXPECT_EQ(std::string(c["channels"][0]["configs"]["url"].GetString()),
            "https://example.com/hook");

  HttpResult got = stack_->Request("GET", "/v1/organizations/webhooks/" + id, "", key_);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body, created.body);

  HttpResult put = stack_->Request("PUT", "/v1/organizations/webhooks/" + id, kSeedPutBody, key_);
  ASSERT_EQ(put.status, 200) << put.body;
  rapidjson::Document p = Json(put.body);
  // The seed's response, with the server's own id and timestamps, plus last_error (null: no
  // delivery has failed), which the seed tells users to monitor.
  ASSERT_TRUE(p.HasMember("last_error"));
  EXPECT_TRUE(p["last_error"].IsNull());
  p.RemoveMember("last_error");
  rapidjson::Document expected = Json(kSeedPutBody);
  expected["webhook_id"].SetString(id.c_str(), expected.GetAllocator());
  expected["created_at"].SetString(created_at.c_str(), expected.GetAllocator());
  expected["updated_at"].SetString(p["updated_at"].GetString(), expected.GetAllocator());
  EXPECT_TRUE(p == expected) << put.body;
  EXPECT_NE(std::string(p["updated_at"].GetString()), "2025-01-01T00:00:00Z");

  HttpResult by_name =
      stack_->Request("GET", "/v1/organizations/webhooks/Engineering%20Slack%20Alerts", "", key_);
  ASSERT_EQ(by_name.status, 200);
  EXPECT_EQ(by_name.body, put.body);

  HttpResult list = stack_->Request("POST", "/v1/organizations/webhooks/list?include_total=true",
                                    R"({"event_type":"object.updated"})", key_);
  ASSERT_EQ(list.status, 200) << list.body;
  rapidjson::Document l = Json(list.body);
  ASSERT_EQ(l["results"].Size(), 1u);
  EXPECT_EQ(l["total"].GetInt(), 1);
  EXPECT_EQ(l["pagination"]["total"].GetInt(), 1);
  EXPECT_TRUE(l["pagination"]["next_cursor"].IsNull());

  HttpResult legacy = stack_->Request("GET", "/v1/organizations/webhooks/", "", key_);
  ASSERT_EQ(legacy.status, 200);
  ASSERT_TRUE(Json(legacy.body).IsArray());
  EXPECT_EQ(Json(legacy.body).Size(), 1u);

  HttpResult del = stack_->Request("DELETE", "/v1/organizations/webhooks/" + id, "", key_);
  EXPECT_EQ(del.status, 204);
  EXPECT_TRUE(del.body.empty());
  EXPECT_EQ(stack_->Request("GET", "/v1/organizations/webhooks/" + id, "", key_).status, 404);
  EXPECT_EQ(stack_->Request("DELETE", "/v1/organizations/webhooks/" + id, "", key_).status, 204);
}

TEST_F(ApiFlowTest, OrganizationsNeverSeeEachOther) {
  std::string other = stack_->CreateKey(stack_->CreateOrg("globex"));
  HttpResult a = stack_->Request("POST", "/v1/organizations/webhooks/", kCreateBody, key_);
  ASSERT_EQ(a.status, 201);
  std::string id = Json(a.body)["webhook_id"].GetString();
  std::string path = "/v1/organizations/webhooks/" + id;
  EXPECT_EQ(stack_->Request("GET", path, "", other).status, 404);
  EXPECT_EQ(stack_->Request("GET", "/v1/organizations/webhooks/Ingest%20hooks", "", other).status,
            404);
  EXPECT_EQ(stack_->Request("PUT", path, kSeedPutBody, other).status, 404);
  EXPECT_EQ(stack_->Request("DELETE", path, "", other).status, 204);
  HttpResult list = stack_->Request("POST", "/v1/organizations/webhooks/list", "", other);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(Json(list.body)["total"].GetInt(), 0);
  // The owner still has it, unchanged.
  HttpResult still = stack_->Request("GET", path, "", key_);
  EXPECT_EQ(still.status, 200);
  EXPECT_EQ(still.body, a.body);
}

// A 201 means the write is on disk: a SIGKILL right after it loses nothing.
TEST_F(ApiFlowTest, AcknowledgedCreatesSurviveKill9) {
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    HttpResult r = stack_->Request("POST", "/v1/organizations/webhooks", kCreateBody, key_);
    ASSERT_EQ(r.status, 201);
    ids.push_back(Json(r.body)["webhook_id"].GetString());
  }
  // While the API is down, nginx answers 502 itself: the API's error envelope and a
  // Retry-After that tells producers to come back soon.
  HttpResult down;
  ASSERT_TRUE(stack_->RestartApi(SIGKILL, nullptr, [&] {
    down = stack_->Request("POST", "/v1/events", R"({"event_type":"object.created"})", key_);
  }));
  EXPECT_EQ(down.status, 502);
  rapidjson::Document envelope = Json(down.body);
  ASSERT_TRUE(envelope.IsObject()) << down.body;
  EXPECT_STREQ(envelope["error"]["type"].GetString(), "BadGatewayError");
  EXPECT_EQ(down.headers["retry-after"], "5");
  for (const std::string& id : ids) {
    EXPECT_EQ(stack_->Request("GET", "/v1/organizations/webhooks/" + id, "", key_).status, 200);
  }
}

// A client that retries a create with its Idempotency-Key gets one webhook: of 8 concurrent
// requests through nginx one creates and 7 answer 201 with that webhook; the key survives a
// SIGKILL.
TEST_F(ApiFlowTest, AnIdempotencyKeyMakesRetriedCreatesSafe) {
  const std::vector<std::string> header = {"Idempotency-Key: 9f2c4e1a-create-ingest"};
  std::vector<HttpResult> results(8);
  std::vector<std::thread> threads;
  for (HttpResult& r : results) {
    threads.emplace_back([&] {
      r = stack_->Request("POST", "/v1/organizations/webhooks", kCreateBody, key_, header);
    });
  }
  for (std::thread& t : threads) t.join();
  int replayed = 0;
  for (const HttpResult& r : results) {
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(r.body, results[0].body);
    auto h = r.headers.find("idempotent-replayed");
    if (h != r.headers.end() && h->second == "true") ++replayed;
  }
  EXPECT_EQ(replayed, 7);
  HttpResult list = stack_->Request("POST", "/v1/organizations/webhooks/list", "", key_);
  EXPECT_EQ(Json(list.body)["total"].GetInt(), 1) << list.body;

  ASSERT_TRUE(stack_->RestartApi(SIGKILL));
  HttpResult after =
      stack_->Request("POST", "/v1/organizations/webhooks", kCreateBody, key_, header);
  EXPECT_EQ(after.status, 201);
  EXPECT_EQ(after.body, results[0].body);
  EXPECT_EQ(after.headers["idempotent-replayed"], "true");
  std::string other_body = kCreateBody;
  other_body.replace(other_body.find("Ingest hooks"), 12, "Other hooks");
  HttpResult changed =
      stack_->Request("POST", "/v1/organizations/webhooks", other_body, key_, header);
  EXPECT_EQ(changed.status, 409) << changed.body;
  list = stack_->Request("POST", "/v1/organizations/webhooks/list", "", key_);
  EXPECT_EQ(Json(list.body)["total"].GetInt(), 1) << list.body;
}

TEST_F(ApiFlowTest, SigtermStopsTheApiPromptlyWithExitZero) {
  int status = -1;
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(stack_->RestartApi(SIGTERM, &status));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(stack_->Request("GET", "/healthz").status, 200);
}

}  // namespace
}  // namespace webhooks::testing

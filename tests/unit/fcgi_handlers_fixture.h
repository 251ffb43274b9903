// The fixture of the webhook API's handler tests (fcgi_handlers_*_test.cc): Dispatch() with a
// MemoryStore holding two organizations and their API keys, and a controllable clock; request
// bodies, and checks of the error envelope.
#ifndef WEBHOOKS_TESTS_UNIT_FCGI_HANDLERS_FIXTURE_H_
#define WEBHOOKS_TESTS_UNIT_FCGI_HANDLERS_FIXTURE_H_

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "common/time_format.h"
#include "fcgi/http.h"
#include "fcgi/router.h"
#include "model/json_input.h"
#include "model/webhook.h"
#include "store/memory_store.h"
#include "tests/test_util.h"

namespace webhooks {

inline constexpr char kKeyA[] = "sk_live_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
inline constexpr char kKeyB[] = "sk_live_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
inline constexpr char kWebhooks[] = "/v1/organizations/webhooks";
inline constexpr char kList[] = "/v1/organizations/webhooks/list";

// 2025-01-01T00:00:00Z.
inline const TimePoint kStart = TimePoint(std::chrono::seconds(1735689600));

inline std::string Body(const std::string& name,
                        const std::string& event_types = R"(["object.created"])",
                        const std::string& extra = "") {
  return R"({"webhook_name":")" + name + R"(","event_types":)" + event_types +
         R"(,"channels":[{"channel":"webhook","configs":{"url":"https://example.com/hook"}}])" +
         extra + "}";
}

inline rapidjson::Document Json(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  EXPECT_FALSE(doc.HasParseError()) << "not JSON: " << text;
  return doc;
}

// Checks {success:false, status:N, error:{message, type, details}} and returns the document.
inline rapidjson::Document ExpectEnvelope(const HttpResponse& r, int status,
                                          const std::string& type) {
  EXPECT_EQ(r.status, status) << r.body;
  rapidjson::Document doc = Json(r.body);
  if (doc.HasParseError()) return doc;
  EXPECT_TRUE(doc.IsObject());
  if (!doc.IsObject()) return doc;
  EXPECT_EQ(doc.MemberCount(), 3u) << r.body;
  EXPECT_TRUE(doc.HasMember("success") && doc["success"].IsFalse()) << r.body;
  EXPECT_TRUE(doc.HasMember("status") && doc["status"].IsInt() && doc["status"].GetInt() == status)
      << r.body;
  EXPECT_TRUE(doc.HasMember("error") && doc["error"].IsObject()) << r.body;
  if (!doc.HasMember("error") || !doc["error"].IsObject()) return doc;
  const rapidjson::Value& e = doc["error"];
  EXPECT_EQ(e.MemberCount(), 3u) << r.body;
  EXPECT_TRUE(e.HasMember("message") && e["message"].IsString() &&
              e["message"].GetStringLength() > 0)
      << r.body;
  EXPECT_TRUE(e.HasMember("type") && e["type"].IsString() && e["type"].GetString() == type)
      << r.body;
  EXPECT_TRUE(e.HasMember("details") && (e["details"].IsNull() || e["details"].IsObject()))
      << r.body;
  return doc;
}

// The locations of details.validation_errors as compact JSON, e.g. ["body","webhook_name"].
inline std::vector<std::string> ErrorLocations(const rapidjson::Document& doc) {
  std::vector<std::string> out;
  if (!doc.IsObject() || !doc.HasMember("error")) return out;
  const rapidjson::Value& details = doc["error"]["details"];
  EXPECT_TRUE(details.IsObject() && details.HasMember("validation_errors") &&
              details["validation_errors"].IsArray());
  if (!details.IsObject() || !details.HasMember("validation_errors")) return out;
  for (const rapidjson::Value& v : details["validation_errors"].GetArray()) {
    EXPECT_TRUE(v.IsObject() && v.HasMember("type") && v["type"].IsString() &&
                v.HasMember("message") && v["message"].IsString() && v.HasMember("location") &&
                v["location"].IsArray());
    if (v.IsObject() && v.HasMember("location")) out.push_back(ToJson(v["location"]));
  }
  return out;
}

class FcgiHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(store_.CreateOrganization({kOrgA, "Org A", "2025-01-01T00:00:00Z"}));
    ASSERT_OK(store_.CreateOrganization({kOrgB, "Org B", "2025-01-01T00:00:00Z"}));
    ASSERT_OK(
        store_.AddApiKey({Sha256(kKeyA), kOrgA, ApiKeyPrefix(kKeyA), "2025-01-01T00:00:00Z"}));
    ASSERT_OK(
        store_.AddApiKey({Sha256(kKeyB), kOrgB, ApiKeyPrefix(kKeyB), "2025-01-01T00:00:00Z"}));
  }

  // `target` is the path with an optional "?query".
  static HttpRequest Request(const std::string& method, const std::string& target,
                             const std::string& body = "", const std::string& key = kKeyA) {
    HttpRequest r;
    r.method = method;
    size_t q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    if (!body.empty()) r.content_type = "application/json";
    if (!key.empty()) r.authorization = "Bearer " + key;
    r.body = body;
    return r;
  }

  HttpResponse Call(const HttpRequest& request) { return Dispatch(services_, request); }
  HttpResponse Call(const std::string& method, const std::string& target,
                    const std::string& body = "", const std::string& key = kKeyA) {
    return Call(Request(method, target, body, key));
  }

  // Creates a webhook through the API and returns its id.
  std::string Create(const std::string& body, const std::string& key = kKeyA) {
    HttpResponse r = Call("POST", kWebhooks, body, key);
    EXPECT_EQ(r.status, 201) << r.body;
    rapidjson::Document doc = Json(r.body);
    if (!doc.IsObject() || !doc.HasMember("webhook_id")) return "";
    return doc["webhook_id"].GetString();
  }

  // Every webhook of both organizations, straight from the store.
  std::vector<Webhook> Snapshot() {
    std::vector<Webhook> out;
    for (const char* org : {kOrgA, kOrgB}) {
      ListQuery q;
      q.limit = 1000;
      absl::StatusOr<WebhookPage> page = store_.ListWebhooks(org, q);
      EXPECT_TRUE(page.ok());
      if (page.ok()) out.insert(out.end(), page->items.begin(), page->items.end());
    }
    return out;
  }

  static std::vector<std::string> ResultIds(const rapidjson::Value& results) {
    std::vector<std::string> out;
    for (const rapidjson::Value& w : results.GetArray()) out.push_back(w["webhook_id"].GetString());
    return out;
  }

  MemoryStore store_;
  TimePoint now_ = kStart;
  Services services_{store_, store_, [this] { return now_; }};
};

}  // namespace webhooks

#endif  // WEBHOOKS_TESTS_UNIT_FCGI_HANDLERS_FIXTURE_H_

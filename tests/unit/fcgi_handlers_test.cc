// The webhook API's handlers, through Dispatch() with a MemoryStore and a controllable clock:
// status codes, JSON bodies, the error envelope, and that failed requests change nothing.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/crypto.h"
#include "common/ids.h"
#include "common/time_format.h"
#include "fcgi/http.h"
#include "fcgi/router.h"
#include "model/json_input.h"
#include "store/memory_store.h"
#include "tests/test_util.h"

namespace webhooks {
namespace {

constexpr char kOrgA[] = "int_AAAAAAAAAAAAAAAAAAAAAAAA";
constexpr char kOrgB[] = "int_BBBBBBBBBBBBBBBBBBBBBBBB";
constexpr char kKeyA[] = "sk_live_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
constexpr char kKeyB[] = "sk_live_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
constexpr char kWebhooks[] = "/v1/organizations/webhooks";
constexpr char kList[] = "/v1/organizations/webhooks/list";

// 2025-01-01T00:00:00Z.
const TimePoint kStart = TimePoint(std::chrono::seconds(1735689600));

std::string Body(const std::string& name, const std::string& event_types = R"(["object.created"])",
                 const std::string& extra = "") {
  return R"({"webhook_name":")" + name + R"(","event_types":)" + event_types +
         R"(,"channels":[{"channel":"webhook","configs":{"url":"https://example.com/hook"}}])" +
         extra + "}";
}

rapidjson::Document Json(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  EXPECT_FALSE(doc.HasParseError()) << "not JSON: " << text;
  return doc;
}

std::string Header(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

// The comma-separated tokens of an Allow header.
std::set<std::string> AllowSet(const std::string& allow) {
  std::set<std::string> out;
  size_t pos = 0;
  while (pos <= allow.size()) {
    size_t end = allow.find(',', pos);
    if (end == std::string::npos) end = allow.size();
    std::string token = allow.substr(pos, end - pos);
    while (!token.empty() && token.front() == ' ') token.erase(0, 1);
    while (!token.empty() && token.back() == ' ') token.pop_back();
    if (!token.empty()) out.insert(token);
    pos = end + 1;
  }
  return out;
}

// Checks {success:false, status:N, error:{message, type, details}} and returns the document.
rapidjson::Document ExpectEnvelope(const HttpResponse& r, int status, const std::string& type) {
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
std::vector<std::string> ErrorLocations(const rapidjson::Document& doc) {
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

TEST_F(FcgiHandlersTest, ListPagination) {
  std::vector<std::string> ids;
  for (int i = 0; i < 25; ++i) ids.push_back(Create(Body("n" + std::to_string(i))));
  Create(Body("other org"), kKeyB);
  auto slice = [&](size_t from, size_t to) {
    return std::vector<std::string>(ids.begin() + from, ids.begin() + to);
  };

  HttpResponse r = Call("POST", kList);
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = Json(r.body);
  ASSERT_TRUE(doc.IsObject());
  EXPECT_EQ(doc.MemberCount(), 3u);
  EXPECT_EQ(ResultIds(doc["results"]), slice(0, 20));  // default limit 20, creation order
  EXPECT_EQ(doc["total"].GetUint64(), 25u);
  const rapidjson::Value& p = doc["pagination"];
  EXPECT_TRUE(p["total"].IsNull());
  EXPECT_EQ(p["page"].GetUint64(), 1u);
  EXPECT_EQ(p["page_size"].GetUint64(), 20u);
  EXPECT_TRUE(p["total_pages"].IsNull());
  EXPECT_TRUE(p["next_page"].IsNull());
  EXPECT_TRUE(p["previous_page"].IsNull());
  EXPECT_TRUE(p["next_cursor"].IsString());
  EXPECT_FALSE(doc["results"][0].HasMember("internal_id"));

  doc = Json(Call("POST", std::string(kList) + "?include_total=true").body);
  EXPECT_EQ(doc["pagination"]["total"].GetUint64(), 25u);
  EXPECT_EQ(doc["pagination"]["total_pages"].GetUint64(), 2u);

  doc = Json(Call("POST", std::string(kList) + "?limit=10&offset=20&include_total=true").body);
  EXPECT_EQ(ResultIds(doc["results"]), slice(20, 25));
  EXPECT_EQ(doc["pagination"]["page"].GetUint64(), 3u);
  EXPECT_EQ(doc["pagination"]["page_size"].GetUint64(), 10u);
  EXPECT_EQ(doc["pagination"]["total_pages"].GetUint64(), 3u);
  EXPECT_TRUE(doc["pagination"]["next_cursor"].IsNull());
  EXPECT_EQ(doc["total"].GetUint64(), 25u);

  doc = Json(Call("POST", std::string(kList) + "?limit=7&offset=3").body);
  EXPECT_EQ(ResultIds(doc["results"]), slice(3, 10));

  doc = Json(Call("POST", std::string(kList) + "?limit=1000").body);
  EXPECT_EQ(ResultIds(doc["results"]), ids);
  EXPECT_TRUE(doc["pagination"]["next_cursor"].IsNull());

  r = Call("POST", std::string(kList) + "?limit=1&offset=10000&include_total=0&unknown=x");
  ASSERT_EQ(r.status, 200) << r.body;  // the bounds themselves are accepted
  doc = Json(r.body);
  EXPECT_EQ(doc["results"].Size(), 0u);
  EXPECT_TRUE(doc["pagination"]["total"].IsNull());

  doc = Json(Call("POST", std::string(kList) + "?offset=100").body);
  EXPECT_EQ(doc["results"].Size(), 0u);
  EXPECT_EQ(doc["total"].GetUint64(), 25u);

  // Following next_cursor walks every webhook once; offset is ignored with a cursor.
  std::vector<std::string> walked;
  std::string cursor;
  for (int pages = 0; pages < 5; ++pages) {
    std::string target = std::string(kList) + "?limit=10";
    if (!cursor.empty()) target += "&offset=5&cursor=" + cursor;
    r = Call("POST", target);
    ASSERT_EQ(r.status, 200) << r.body;
    doc = Json(r.body);
    for (const std::string& id : ResultIds(doc["results"])) walked.push_back(id);
    if (!cursor.empty()) {
      EXPECT_TRUE(doc["pagination"]["page"].IsNull());
    }
    EXPECT_EQ(doc["total"].GetUint64(), 25u);
    if (doc["pagination"]["next_cursor"].IsNull()) break;
    cursor = doc["pagination"]["next_cursor"].GetString();
  }
  EXPECT_EQ(walked, ids);

  r = Call("POST", std::string(kList) + "/?limit=2");  // trailing slash
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ResultIds(Json(r.body)["results"]), slice(0, 2));
}

TEST_F(FcgiHandlersTest, ListFilters) {
  std::string e0 = Create(Body("e0", R"(["object.created"])"));
  std::string e1 = Create(Body("e1", R"(["*"])"));
  std::string e2 = Create(Body("e2", R"(["alert.created"])"));
  std::string e3 = Create(Body("e3", R"(["object.created"])", R"(,"is_active":false)"));
  Create(Body("b", R"(["object.created"])"), kKeyB);

  auto list = [&](const std::string& body, const std::string& query = "") {
    HttpResponse r = Call("POST", std::string(kList) + query, body);
    EXPECT_EQ(r.status, 200) << body << " -> " << r.body;
    return Json(r.body);
  };
  rapidjson::Document doc = list(R"({"event_type":"object.created"})");
  EXPECT_EQ(ResultIds(doc["results"]), (std::vector<std::string>{e0, e1, e3}));
  EXPECT_EQ(doc["total"].GetUint64(), 3u);

  doc = list(R"({"event_type":"taxonomy.updated"})");  // only the "*" subscriber
  EXPECT_EQ(ResultIds(doc["results"]), std::vector<std::string>{e1});

  doc = list(R"({"event_type":"object.created","is_active":true})");
  EXPECT_EQ(ResultIds(doc["results"]), (std::vector<std::string>{e0, e1}));
  EXPECT_EQ(doc["total"].GetUint64(), 2u);

  doc = list(R"({"is_active":false})");
  EXPECT_EQ(ResultIds(doc["results"]), std::vector<std::string>{e3});
  EXPECT_EQ(doc["total"].GetUint64(), 1u);

  doc = list(R"({"event_type":null,"is_active":null})");
  EXPECT_EQ(ResultIds(doc["results"]), (std::vector<std::string>{e0, e1, e2, e3}));
  doc = list("{}");
  EXPECT_EQ(doc["total"].GetUint64(), 4u);

  // Filters combine with paging, include_total and cursors.
  doc = list(R"({"event_type":"object.created"})", "?limit=2&include_total=true");
  EXPECT_EQ(ResultIds(doc["results"]), (std::vector<std::string>{e0, e1}));
  EXPECT_EQ(doc["pagination"]["total"].GetUint64(), 3u);
  EXPECT_EQ(doc["pagination"]["total_pages"].GetUint64(), 2u);
  ASSERT_TRUE(doc["pagination"]["next_cursor"].IsString());
  std::string cursor = doc["pagination"]["next_cursor"].GetString();
  doc = list(R"({"event_type":"object.created"})", "?limit=2&cursor=" + cursor);
  EXPECT_EQ(ResultIds(doc["results"]), std::vector<std::string>{e3});
  EXPECT_TRUE(doc["pagination"]["next_cursor"].IsNull());
}

TEST_F(FcgiHandlersTest, LegacyListReturnsABareArray) {
  std::vector<std::string> ids;
  for (int i = 0; i < 25; ++i) ids.push_back(Create(Body("n" + std::to_string(i))));
  HttpResponse r = Call("GET", kWebhooks);
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = Json(r.body);
  ASSERT_TRUE(doc.IsArray());
  EXPECT_EQ(ResultIds(doc), ids);  // default limit 1000, not 20
  EXPECT_FALSE(doc[0].HasMember("internal_id"));

  r = Call("GET", std::string(kWebhooks) + "/?limit=5&offset=5");
  ASSERT_EQ(r.status, 200) << r.body;
  doc = Json(r.body);
  ASSERT_TRUE(doc.IsArray());
  EXPECT_EQ(ResultIds(doc), std::vector<std::string>(ids.begin() + 5, ids.begin() + 10));

  rapidjson::Document bad =
      ExpectEnvelope(Call("GET", std::string(kWebhooks) + "?limit=0"), 422, "ValidationError");
  EXPECT_EQ(ErrorLocations(bad), std::vector<std::string>{R"(["query","limit"])"});
}

// One failing request: its expected status and error type.
struct ErrorCase {
  std::string name;
  HttpRequest request;
  int status;
  std::string type;
  std::vector<std::string> locations = {};  // for 422: the validation error locations
};

TEST_F(FcgiHandlersTest, ErrorsUseTheEnvelopeAndChangeNothing) {
  std::string id = Create(Body("existing"));
  Create(Body("b's"), kKeyB);
  const std::string item = std::string(kWebhooks) + "/" + id;
  auto req = [](const std::string& method, const std::string& target, const std::string& body = "",
                const std::string& key = kKeyA) { return Request(method, target, body, key); };
  auto with = [](HttpRequest r, auto change) {
    change(r);
    return r;
  };
  const std::string deep = R"({"webhook_name":)" + std::string(100, '[') + std::string(100, ']') +
                           R"(,"event_types":["*"]})";
  const std::string depth65 = "{\"a\":" + std::string(64, '[') + std::string(64, ']') + "}";
  const std::string bad_utf8 = Body("bad \xff\xfe name");
  const std::string bad_url = R"({"webhook_name":"x","event_types":["*"],)"
                              R"("channels":[{"channel":"webhook","configs":{"url":"ftp://x"}}]})";

  std::vector<ErrorCase> cases = {
      {"unknown path", req("GET", "/v1/nothing"), 404, "NotFoundError"},
      {"too deep a path", req("GET", item + "/extra"), 404, "NotFoundError"},
      {"unknown webhook", req("GET", std::string(kWebhooks) + "/wh_0000000000"), 404,
       "NotFoundError"},
      {"missing key", req("POST", kWebhooks, Body("n"), ""), 401, "UnauthorizedError"},
      {"bad key", req("POST", kWebhooks, Body("n"), "sk_live_nope"), 401, "UnauthorizedError"},
      {"basic auth",
       with(req("POST", kWebhooks, Body("n"), ""),
            [](HttpRequest& r) { r.authorization = "Basic xyz"; }),
       401, "UnauthorizedError"},
      {"empty bearer",
       with(req("GET", item, "", ""), [](HttpRequest& r) { r.authorization = "Bearer "; }), 401,
       "UnauthorizedError"},
      {"bad key on list", req("POST", kList, "", "sk_live_nope"), 401, "UnauthorizedError"},
      {"bad key on legacy list", req("GET", kWebhooks, "", "sk_live_nope"), 401,
       "UnauthorizedError"},
      {"bad key on get", req("GET", item, "", "sk_live_nope"), 401, "UnauthorizedError"},
      {"bad key on put", req("PUT", item, Body("n"), "sk_live_nope"), 401, "UnauthorizedError"},
      {"bad key on delete", req("DELETE", item, "", "sk_live_nope"), 401, "UnauthorizedError"},
      {"malformed JSON", req("POST", kWebhooks, R"({"webhook_name": "x",)"), 400,
       "BadRequestError"},
      {"malformed JSON on PUT", req("PUT", item, "{,}"), 400, "BadRequestError"},
      {"malformed JSON on list", req("POST", kList, "{"), 400, "BadRequestError"},
      {"two JSON values", req("POST", kWebhooks, Body("a") + Body("b")), 400, "BadRequestError"},
      {"text/plain",
       with(req("POST", kWebhooks, Body("n")),
            [](HttpRequest& r) { r.content_type = "text/plain"; }),
       415, "UnsupportedMediaTypeError"},
      {"form on PUT",
       with(req("PUT", item, Body("n")),
            [](HttpRequest& r) { r.content_type = "application/x-www-form-urlencoded"; }),
       415, "UnsupportedMediaTypeError"},
      {"text/plain on list",
       with(req("POST", kList, "{}"), [](HttpRequest& r) { r.content_type = "text/plain"; }), 415,
       "UnsupportedMediaTypeError"},
      {"body too large",
       with(req("POST", kWebhooks, ""), [](HttpRequest& r) { r.body_too_large = true; }), 413,
       "PayloadTooLargeError"},
      {"body too large on PUT",
       with(req("PUT", item, ""), [](HttpRequest& r) { r.body_too_large = true; }), 413,
       "PayloadTooLargeError"},
      {"100 levels of nesting", req("POST", kWebhooks, deep), 400, "BadRequestError"},
      {"65 levels of nesting", req("POST", kWebhooks, depth65), 400, "BadRequestError"},
      {"invalid UTF-8", req("POST", kWebhooks, bad_utf8), 400, "BadRequestError"},
      {"invalid UTF-8 on PUT", req("PUT", item, bad_utf8), 400, "BadRequestError"},
      {"invalid body",
       req("POST", kWebhooks, R"({"event_types":["nope"],"channels":[]})"),
       422,
       "ValidationError",
       {R"(["body","webhook_name"])", R"(["body","event_types"])", R"(["body","channels"])"}},
      {"channel error location",
       req("POST", kWebhooks, bad_url),
       422,
       "ValidationError",
       {R"(["body","channels",0,"configs","url"])"}},
      {"invalid body on PUT",
       req("PUT", item, R"({"webhook_name":""})"),
       422,
       "ValidationError",
       {R"(["body","webhook_name"])", R"(["body","event_types"])", R"(["body","channels"])"}},
      {"array body", req("POST", kWebhooks, "[]"), 422, "ValidationError", {R"(["body"])"}},
      {"empty body", req("POST", kWebhooks, ""), 422, "ValidationError", {R"(["body"])"}},
      {"limit=0",
       req("POST", std::string(kList) + "?limit=0"),
       422,
       "ValidationError",
       {R"(["query","limit"])"}},
      {"limit=1001",
       req("POST", std::string(kList) + "?limit=1001"),
       422,
       "ValidationError",
       {R"(["query","limit"])"}},
      {"limit=abc",
       req("POST", std::string(kList) + "?limit=abc"),
       422,
       "ValidationError",
       {R"(["query","limit"])"}},
      {"limit=-1",
       req("POST", std::string(kList) + "?limit=-1"),
       422,
       "ValidationError",
       {R"(["query","limit"])"}},
      {"limit=",
       req("POST", std::string(kList) + "?limit="),
       422,
       "ValidationError",
       {R"(["query","limit"])"}},
      {"offset=10001",
       req("POST", std::string(kList) + "?offset=10001"),
       422,
       "ValidationError",
       {R"(["query","offset"])"}},
      {"bad cursor",
       req("POST", std::string(kList) + "?cursor=not-a-cursor"),
       422,
       "ValidationError",
       {R"(["query","cursor"])"}},
      {"bad include_total",
       req("POST", std::string(kList) + "?include_total=maybe"),
       422,
       "ValidationError",
       {R"(["query","include_total"])"}},
      {"unknown event_type",
       req("POST", kList, R"({"event_type":"object.exploded"})"),
       422,
       "ValidationError",
       {R"(["body","event_type"])"}},
      {"wildcard is not an event_type filter",
       req("POST", kList, R"({"event_type":"*"})"),
       422,
       "ValidationError",
       {R"(["body","event_type"])"}},
      {"is_active not a bool",
       req("POST", kList, R"({"is_active":"yes"})"),
       422,
       "ValidationError",
       {R"(["body","is_active"])"}},
      {"list body not an object",
       req("POST", kList, "[1]"),
       422,
       "ValidationError",
       {R"(["body"])"}},
      {"malformed escape in the path", req("GET", std::string(kWebhooks) + "/%zz"), 400,
       "BadRequestError"},
      {"NUL in the path", req("DELETE", std::string(kWebhooks) + "/a%00b"), 400, "BadRequestError"},
      {"malformed escape in the query", req("POST", std::string(kList) + "?limit=%zz"), 400,
       "BadRequestError"},
      {"PATCH on an item", req("PATCH", item, Body("n")), 405, "MethodNotAllowedError"},
      {"DELETE on the collection", req("DELETE", kWebhooks), 405, "MethodNotAllowedError"},
      {"POST on healthz", req("POST", "/healthz", "{}"), 405, "MethodNotAllowedError"},
  };

  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<Webhook> before = Snapshot();
    HttpResponse r = Call(c.request);
    rapidjson::Document doc = ExpectEnvelope(r, c.status, c.type);
    EXPECT_EQ(Snapshot(), before);
    if (c.status == 422) {
      EXPECT_EQ(ErrorLocations(doc), c.locations) << r.body;
    } else if (doc.IsObject() && doc.HasMember("error")) {
      EXPECT_TRUE(doc["error"]["details"].IsNull()) << r.body;
    }
    if (c.status == 405) {
      EXPECT_FALSE(Header(r, "Allow").empty());
    } else {
      EXPECT_TRUE(Header(r, "Allow").empty());
    }
  }
  EXPECT_EQ(Snapshot().size(), 2u);
}

TEST_F(FcgiHandlersTest, MalformedJsonMessageNamesTheOffset) {
  HttpResponse r = Call("POST", kWebhooks, R"({"webhook_name": "x",)");
  rapidjson::Document doc = ExpectEnvelope(r, 400, "BadRequestError");
  std::string message = doc["error"]["message"].GetString();
  EXPECT_NE(message.find("offset"), std::string::npos) << message;
  EXPECT_NE(message.find("21"), std::string::npos) << message;  // where the text ends

  r = Call("POST", kWebhooks,
           std::string("{\"a\":") + std::string(100, '[') + std::string(100, ']') + "}");
  doc = ExpectEnvelope(r, 400, "BadRequestError");
  message = doc["error"]["message"].GetString();
  EXPECT_NE(message.find("nesting"), std::string::npos) << message;
}

TEST_F(FcgiHandlersTest, NestingUpToTheLimitIsNotABadRequest) {
  // 64 levels in all (the outer object is one): parsed, then refused by validation.
  const std::string body = "{\"webhook_name\":" + std::string(63, '[') + std::string(63, ']') +
                           R"(,"event_types":["*"],"channels":[{"channel":"webhook",)"
                           R"("configs":{"url":"https://example.com"}}]})";
  rapidjson::Document doc = ExpectEnvelope(Call("POST", kWebhooks, body), 422, "ValidationError");
  EXPECT_EQ(ErrorLocations(doc), std::vector<std::string>{R"(["body","webhook_name"])"});
}

TEST_F(FcgiHandlersTest, JsonMediaTypesAreAccepted) {
  for (const char* type : {"application/json; charset=utf-8", "Application/JSON",
                           "application/merge-patch+json", ""}) {
    SCOPED_TRACE(type);
    HttpRequest r = Request("POST", kWebhooks, Body("typed"));
    r.content_type = type;
    EXPECT_EQ(Call(r).status, 201);
  }
}

TEST_F(FcgiHandlersTest, MethodNotAllowedListsTheAllowedMethods) {
  struct Case {
    std::string method, path;
    std::set<std::string> allow;
  };
  const std::vector<Case> cases = {
      {"PATCH", "/v1/organizations/webhooks/wh_0000000000", {"GET", "PUT", "DELETE"}},
      {"POST", "/v1/organizations/webhooks/wh_0000000000", {"GET", "PUT", "DELETE"}},
      {"PUT", "/v1/organizations/webhooks", {"GET", "POST"}},
      {"DELETE", "/v1/organizations/webhooks/", {"GET", "POST"}},
      {"PATCH", "/v1/organizations/webhooks/list", {"POST", "GET", "PUT", "DELETE"}},
      {"DELETE", "/healthz", {"GET"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.method + " " + c.path);
    HttpResponse r = Call(c.method, c.path);
    ExpectEnvelope(r, 405, "MethodNotAllowedError");
    EXPECT_EQ(AllowSet(Header(r, "Allow")), c.allow) << Header(r, "Allow");
  }
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

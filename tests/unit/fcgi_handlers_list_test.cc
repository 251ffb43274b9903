// The webhook API's lists: POST .../list with pagination, cursors and filters, and the legacy
// GET of the collection.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstddef>
#include <string>
#include <vector>

#include "fcgi/http.h"
#include "tests/unit/fcgi_handlers_fixture.h"

namespace webhooks {
namespace {

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

}  // namespace
}  // namespace webhooks

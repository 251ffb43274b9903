// The webhook API's failed requests: every error in the envelope with its status and type, the
// store left unchanged, and the Allow header of a 405.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "fcgi/http.h"
#include "model/webhook.h"
#include "tests/unit/fcgi_handlers_fixture.h"

namespace webhooks {
namespace {

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
      {"PUT", "/v1/organizations/webhooks/w/deliveries/msg_000000000000000000000000", {"GET"}},
      // "retry" could be a delivery id as far as the path goes (GET answers 404 for it)
      {"PUT", "/v1/organizations/webhooks/w/deliveries/retry", {"GET", "POST"}},
      {"GET", "/v1/events/batch", {"POST"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.method + " " + c.path);
    HttpResponse r = Call(c.method, c.path);
    ExpectEnvelope(r, 405, "MethodNotAllowedError");
    EXPECT_EQ(AllowSet(Header(r, "Allow")), c.allow) << Header(r, "Allow");
  }
}

}  // namespace
}  // namespace webhooks

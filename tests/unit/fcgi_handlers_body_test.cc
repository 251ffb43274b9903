// Request bodies as the webhook API reads them: JSON media types, the nesting limit and the
// message of malformed JSON.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "fcgi/http.h"
#include "tests/unit/fcgi_handlers_fixture.h"

namespace webhooks {
namespace {

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

}  // namespace
}  // namespace webhooks

// Bad input through nginx: every case answers the right status in the error envelope and leaves
// the store exactly as it was.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "tests/integration/stack_harness.h"

namespace webhooks::testing {
namespace {

constexpr char kValid[] = R"({"webhook_name":"n","event_types":["*"],
  "channels":[{"channel":"email","configs":{"to_addresses":["ops@example.com"]}}]})";

struct BadCase {
  const char* name;
  std::string method;
  std::string path;  // "{id}" is replaced by the existing webhook's id
  std::string body;
  bool send_key = true;
  std::string key_override;  // when non-empty, sent instead of the valid key
  std::vector<std::string> headers;
  int status;
  std::string type;
  std::string location;  // for 422: a field that must be named, as JSON
};

std::vector<BadCase> Cases() {
  const std::string create = "/v1/organizations/webhooks";
  const std::string one = "/v1/organizations/webhooks/{id}";
  std::string deep(200, '[');
  std::string huge = R"({"webhook_name":")" + std::string(2 << 20, 'a') + R"("})";
  return {
      {"malformed_json",
       "POST",
       create,
       R"({"webhook_name": )",
       true,
       "",
       {},
       400,
       "BadRequestError",
       ""},
      {"trailing_garbage",
       "PUT",
       one,
       std::string(kValid) + "x",
       true,
       "",
       {},
       400,
       "BadRequestError",
       ""},
      {"deep_nesting", "POST", create, deep, true, "", {}, 400, "BadRequestError", ""},
      {"bad_utf8",
       "POST",
       create,
       "{\"webhook_name\":\"\xff\xfe\"}",
       true,
       "",
       {},
       400,
       "BadRequestError",
       ""},
      {"huge_body", "POST", create, huge, true, "", {}, 413, "PayloadTooLargeError", ""},
      {"wrong_type_name",
       "POST",
       create,
       R"({"webhook_name":5,"event_types":["*"],"channels":[]})",
       true,
       "",
       {},
       422,
       "ValidationError",
       R"(["body","webhook_name"])"},
      {"wrong_type_channels",
       "PUT",
       one,
       R"({"webhook_name":"x","event_types":["*"],"channels":{}})",
       true,
       "",
       {},
       422,
       "ValidationError",
       R"(["body","channels"])"},
      {"unknown_event",
       "POST",
       create,
       R"({"webhook_name":"x","event_types":["batch.completed"],"channels":[{"channel":"sms","configs":{"phone_numbers":["+15551234567"]}}]})",
       true,
       "",
       {},
       422,
       "ValidationError",
       R"(["body","event_types"])"},
      {"bad_url",
       "POST",
       create,
       R"({"webhook_name":"x","event_types":["*"],"channels":[{"channel":"webhook","configs":{"url":"ftp://x"}}]})",
       true,
       "",
       {},
       422,
       "ValidationError",
       R"(["body","channels",0,"configs","url"])"},
      {"bad_filter_path",
       "PUT",
       one,
       R"({"webhook_name":"x","event_types":["*"],"filters":{"payload.x":"a"},"channels":[{"channel":"sms","configs":{"phone_numbers":["+15551234567"]}}]})",
       true,
       "",
       {},
       422,
       "ValidationError",
       R"(["body","filters","payload.x"])"},
      {"not_json_content_type",
       "POST",
       create,
       kValid,
       true,
       "",
       {"Content-Type: text/plain"},
       415,
       "UnsupportedMediaTypeError",
       ""},
      {"wrong_method", "PATCH", one, kValid, true, "", {}, 405, "MethodNotAllowedError", ""},
      {"unknown_path",
       "GET",
       "/v1/organizations/hooks",
       "",
       true,
       "",
       {},
       404,
       "NotFoundError",
       ""},
      {"missing_key", "POST", create, kValid, false, "", {}, 401, "UnauthorizedError", ""},
      {"invalid_key", "DELETE", one, "", true, "sk_live_nope", {}, 401, "UnauthorizedError", ""},
      {"bad_limit",
       "POST",
       create + "/list?limit=0",
       "",
       true,
       "",
       {},
       422,
       "ValidationError",
       R"(["query","limit"])"},
      {"long_event_id_filter",
       "GET",
       one + "/deliveries?event_id=" + std::string(129, 'e'),
       "",
       true,
       "",
       {},
       422,
       "ValidationError",
       R"(["query","event_id"])"},
      {"non_ascii_idempotency_key",
       "POST",
       create,
       kValid,
       true,
       "",
       {"Idempotency-Key: caf\xc3\xa9"},
       400,
       "BadRequestError",
       ""},
      {"long_idempotency_key",
       "POST",
       create,
       kValid,
       true,
       "",
       {"Idempotency-Key: " + std::string(256, 'k')},
       400,
       "BadRequestError",
       ""},
  };
}

class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = Stack::Start();
    ASSERT_NE(stack_, nullptr);
    key_ = stack_->CreateKey(stack_->CreateOrg("acme"));
    HttpResult r = stack_->Request("POST", "/v1/organizations/webhooks", kValid, key_);
    ASSERT_EQ(r.status, 201);
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    id_ = d["webhook_id"].GetString();
  }

  // Everything a client can observe of the store.
  std::string Snapshot() {
    return stack_->Request("GET", "/v1/organizations/webhooks?limit=1000", "", key_).body;
  }

  std::unique_ptr<Stack> stack_;
  std::string key_;
  std::string id_;
};

TEST_F(BadInputTest, EveryCaseAnswersInTheEnvelopeAndChangesNothing) {
  const std::string before = Snapshot();
  ASSERT_NE(before.find(id_), std::string::npos);
  for (const BadCase& c : Cases()) {
    SCOPED_TRACE(c.name);
    std::string path = c.path;
    if (size_t at = path.find("{id}"); at != std::string::npos) path.replace(at, 4, id_);
    std::string key = !c.key_override.empty() ? c.key_override : (c.send_key ? key_ : "");
    bool json_ct = c.headers.empty();
    HttpResult r = stack_->Request(c.method, path, c.body, key, c.headers, json_ct);
    EXPECT_EQ(r.status, c.status) << r.body;
    EXPECT_EQ(r.headers["content-type"], "application/json");
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    ASSERT_FALSE(d.HasParseError()) << r.body;
    ASSERT_TRUE(d.IsObject());
    EXPECT_TRUE(d["success"].IsFalse());
    EXPECT_EQ(d["status"].GetInt(), c.status);
    ASSERT_TRUE(d["error"].IsObject());
    EXPECT_TRUE(d["error"]["message"].IsString());
    EXPECT_EQ(std::string(d["error"]["type"].GetString()), c.type);
    if (!c.location.empty()) {
      rapidjson::Document want;
      want.Parse(c.location.c_str());
      bool found = false;
      for (const auto& e : d["error"]["details"]["validation_errors"].GetArray()) {
        found = found || e["location"] == want;
      }
      EXPECT_TRUE(found) << c.location << " not in " << r.body;
    }
    if (c.status == 405) {
      EXPECT_FALSE(r.headers["allow"].empty());
    }
    EXPECT_EQ(Snapshot(), before);
  }
}

}  // namespace
}  // namespace webhooks::testing

// How a body's validation failures are reported: the field-error matcher itself, every error in
// one status, and each missing required field.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/validation.h"
#include "model/webhook.h"
#include "tests/unit/model_webhook_fixture.h"

namespace webhooks {
namespace {

TEST(FieldErrorMatcherTest, ComparesTypeAndLocationExactly) {
  absl::Status st = FieldFailure("missing", {"body", "channels", size_t{0}, "configs"}, "m");
  rapidjson::Document errors;
  ASSERT_NO_FATAL_FAILURE(ParseFieldErrors(st, &errors));
  EXPECT_TRUE(HasError(errors, "missing", R"(["body","channels",0,"configs"])"));
  EXPECT_FALSE(HasError(errors, "dict_type", R"(["body","channels",0,"configs"])"));
  EXPECT_FALSE(HasError(errors, "missing", R"(["body","channels",0])"));
  EXPECT_FALSE(HasError(errors, "missing", R"(["body","channels",0,"configs","url"])"));
  EXPECT_FALSE(HasError(errors, "missing", R"(["body","channels","0","configs"])"));
  EXPECT_FALSE(HasError(errors, "missing", R"(["body","channels",1,"configs"])"));
  EXPECT_FALSE(HasError(errors, "missing", R"(["body","channels",0.0,"configs"])"));
}

TEST(WebhookSpecTest, ReportsEveryErrorInOneStatus) {
  absl::StatusOr<WebhookSpec> spec = ParseBody(R"({
      "webhook_name": "",
      "description": 5,
      "event_types": ["object.created", "no.such.event"],
      "channels": [
        {"channel": "webhook", "configs": {"url": "ftp://x.example", "timeout": 0}},
        {"channel": "sms", "configs": {"phone_numbers": ["555-1234"]}},
        {"channel": "email", "configs": {}}
      ],
      "is_active": "yes"})");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument);
  rapidjson::Document errors;
  ASSERT_NO_FATAL_FAILURE(ParseFieldErrors(spec.status(), &errors));
  std::string json = FieldErrorsJson(spec.status()).value_or("");
  EXPECT_GE(errors.Size(), 3u) << json;
  EXPECT_EQ(errors.Size(), 8u) << json;
  EXPECT_TRUE(HasError(errors, "string_too_short", R"(["body","webhook_name"])")) << json;
  EXPECT_TRUE(HasError(errors, "string_type", R"(["body","description"])")) << json;
  EXPECT_TRUE(HasError(errors, "enum", R"(["body","event_types"])")) << json;
  EXPECT_TRUE(HasError(errors, "url_parsing", R"(["body","channels",0,"configs","url"])")) << json;
  EXPECT_TRUE(HasError(errors, "value_error", R"(["body","channels",0,"configs","timeout"])"))
      << json;
  EXPECT_TRUE(HasError(errors, "value_error", R"(["body","channels",1,"configs","phone_numbers"])"))
      << json;
  EXPECT_TRUE(HasError(errors, "missing", R"(["body","channels",2,"configs","to_addresses"])"))
      << json;
  EXPECT_TRUE(HasError(errors, "bool_type", R"(["body","is_active"])")) << json;
  // The status message summarises the first error and counts the rest.
  EXPECT_NE(spec.status().message().find("body.webhook_name"), std::string_view::npos)
      << spec.status();
  EXPECT_NE(spec.status().message().find("(and 7 more)"), std::string_view::npos) << spec.status();
}

TEST(WebhookSpecTest, MissingEverythingReportsEachRequiredField) {
  absl::StatusOr<WebhookSpec> spec = ParseBody("{}");
  ASSERT_FALSE(spec.ok());
  rapidjson::Document errors;
  ASSERT_NO_FATAL_FAILURE(ParseFieldErrors(spec.status(), &errors));
  EXPECT_EQ(errors.Size(), 3u);
  EXPECT_TRUE(HasError(errors, "missing", R"(["body","webhook_name"])"));
  EXPECT_TRUE(HasError(errors, "missing", R"(["body","event_types"])"));
  EXPECT_TRUE(HasError(errors, "missing", R"(["body","channels"])"));
}

}  // namespace
}  // namespace webhooks

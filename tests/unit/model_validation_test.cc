// Validation errors (model/validation.h): field locations, the status message and the
// field-errors JSON carried by a status.
#include <gtest/gtest.h>

#include <cstddef>
#include <variant>

#include "absl/status/status.h"
#include "model/validation.h"
#include "tests/test_util.h"

namespace webhooks {
namespace {

TEST(ValidationTest, OkAndPlainStatusesCarryNoFieldErrors) {
  ValidationErrors errors;
  EXPECT_TRUE(errors.empty());
  EXPECT_OK(errors.ToStatus());
  EXPECT_FALSE(FieldErrorsJson(absl::OkStatus()).has_value());
  EXPECT_FALSE(FieldErrorsJson(absl::InvalidArgumentError("x")).has_value());
}

TEST(ValidationTest, FieldFailureCarriesOneError) {
  absl::Status st = FieldFailure("enum", {"query", "event_type"}, "bad \"value\"");
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "Validation error: query.event_type: bad \"value\"");
  EXPECT_EQ(FieldErrorsJson(st),
            R"([{"type":"enum","location":["query","event_type"],"message":"bad \"value\""}])");
}

TEST(ValidationTest, ChildPathsAndSeveralErrors) {
  Path body = {"body"};
  Path url = Child(Child(Child(body, "channels"), size_t{3}), "url");
  ASSERT_EQ(url.size(), 4u);
  EXPECT_EQ(std::get<size_t>(url[2]), 3u);
  EXPECT_EQ(body.size(), 1u);  // the parent is not modified
  ValidationErrors errors;
  errors.Add("url_parsing", url, "m1");
  errors.Add("missing", Child(body, "webhook_name"), "m2");
  EXPECT_FALSE(errors.empty());
  ASSERT_EQ(errors.errors().size(), 2u);
  absl::Status st = errors.ToStatus();
  EXPECT_EQ(st.message(), "Validation error: body.channels.3.url: m1 (and 1 more)");
  EXPECT_EQ(FieldErrorsJson(st),
            R"([{"type":"url_parsing","location":["body","channels",3,"url"],"message":"m1"},)"
            R"({"type":"missing","location":["body","webhook_name"],"message":"m2"}])");
}

}  // namespace
}  // namespace webhooks

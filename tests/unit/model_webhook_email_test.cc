// Valid bodies with an "email" channel: every field, the content types and the defaults written
// out.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "model/channel_codec.h"
#include "model/webhook.h"
#include "model/webhook_codec.h"
#include "tests/unit/model_webhook_fixture.h"

namespace webhooks {
namespace {

TEST(WebhookSpecTest, EmailChannelWithAllFields) {
  absl::StatusOr<WebhookSpec> spec = ParseBody(WithChannel(R"({
      "channel": "email",
      "configs": {
        "to_addresses": ["ops@example.com", "first.last+tag@sub.example.org"],
        "cc_addresses": ["cc@example.com"],
        "bcc_addresses": ["audit@example.com", "x@localhost"],
        "subject_template": "[{{event_type}}] {{webhook_name}}",
        "body_template": "<p>{{payload}}</p>",
        "content_type": "markdown"
      }})"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  const auto* email = std::get_if<EmailChannel>(&spec->channels[0]);
  ASSERT_NE(email, nullptr);
  EXPECT_EQ(ChannelName(spec->channels[0]), "email");
  EXPECT_EQ(email->to_addresses,
            (std::vector<std::string>{"ops@example.com", "first.last+tag@sub.example.org"}));
  EXPECT_EQ(email->cc_addresses, (std::vector<std::string>{"cc@example.com"}));
  EXPECT_EQ(email->bcc_addresses, (std::vector<std::string>{"audit@example.com", "x@localhost"}));
  EXPECT_EQ(email->subject_template, "[{{event_type}}] {{webhook_name}}");
  EXPECT_EQ(email->body_template, "<p>{{payload}}</p>");
  EXPECT_EQ(email->content_type, EmailContentType::kMarkdown);
}

TEST(WebhookSpecTest, EmailContentTypesAndDefaults) {
  const std::pair<std::string_view, EmailContentType> kCases[] = {
      {R"(, "content_type": "plain_text")", EmailContentType::kPlainText},
      {R"(, "content_type": "html")", EmailContentType::kHtml},
      {R"(, "content_type": "markdown")", EmailContentType::kMarkdown},
      {R"(, "content_type": "json")", EmailContentType::kJson},
      {"", EmailContentType::kHtml},
      {R"(, "content_type": null)", EmailContentType::kHtml},
  };
  for (const auto& [extra, expected] : kCases) {
    absl::StatusOr<WebhookSpec> spec = ParseBody(
        WithChannel(R"({"channel": "email", "configs": {"to_addresses": ["a@example.com"])" +
                    std::string(extra) + "}}"));
    ASSERT_TRUE(spec.ok()) << extra << ": " << spec.status();
    const auto& email = std::get<EmailChannel>(spec->channels[0]);
    EXPECT_EQ(email.content_type, expected) << extra;
    EXPECT_TRUE(email.cc_addresses.empty());
    EXPECT_TRUE(email.bcc_addresses.empty());
    EXPECT_FALSE(email.subject_template.has_value());
    EXPECT_FALSE(email.body_template.has_value());
  }
}

TEST(WebhookSpecTest, EmailDefaultsAreWrittenOut) {
  absl::StatusOr<WebhookSpec> spec = ParseBody(
      WithChannel(R"({"channel": "email", "configs": {"to_addresses": ["a@example.com"]}})"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  Webhook w;
  w.webhook_id = "wh_abc123def4";
  w.spec = *spec;
  w.created_at = w.updated_at = "2025-01-01T00:00:00Z";
  std::string json = EncodeWebhook(w, Audience::kApi);
  EXPECT_NE(json.find(R"("configs":{"to_addresses":["a@example.com"],"cc_addresses":[],)"
                      R"("bcc_addresses":[],"content_type":"html"})"),
            std::string::npos)
      << json;
}

}  // namespace
}  // namespace webhooks

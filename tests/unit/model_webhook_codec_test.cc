// The webhook codec: EncodeWebhook for the API and for storage, and DecodeStoredWebhook.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/ids.h"
#include "common/time_format.h"
#include "model/webhook.h"
#include "model/webhook_codec.h"
#include "tests/unit/model_webhook_fixture.h"

namespace webhooks {
namespace {

Webhook MakeWebhook(std::string_view body, uint64_t seq) {
  absl::StatusOr<WebhookSpec> spec = ParseBody(body);
  EXPECT_TRUE(spec.ok()) << spec.status();
  Webhook w;
  w.webhook_id = NewWebhookId();
  w.internal_id = NewOrganizationId();
  if (spec.ok()) w.spec = *spec;
  w.created_at = FormatTimestamp(std::chrono::system_clock::from_time_t(1735689600));
  w.updated_at = FormatTimestamp(std::chrono::system_clock::now());
  w.seq = seq;
  return w;
}

struct RoundTripCase {
  std::string name;
  std::string body;
};

class RoundTripTest : public ::testing::TestWithParam<RoundTripCase> {};

TEST_P(RoundTripTest, StorageEncodingDecodesToAnEqualWebhook) {
  Webhook original = MakeWebhook(GetParam().body, 7);
  std::string stored = EncodeWebhook(original, Audience::kStorage);
  absl::StatusOr<Webhook> decoded = DecodeStoredWebhook(stored);
  ASSERT_TRUE(decoded.ok()) << decoded.status() << "\n" << stored;
  EXPECT_TRUE(*decoded == original)
      << "stored:  " << stored << "\ndecoded: " << EncodeWebhook(*decoded, Audience::kStorage);
  // Encoding is deterministic, so a second trip gives the same bytes.
  EXPECT_EQ(EncodeWebhook(*decoded, Audience::kStorage), stored);
}

INSTANTIATE_TEST_SUITE_P(
    ChannelKinds, RoundTripTest,
    ::testing::Values(
        RoundTripCase{"Seed", kSeedPutBody},
        RoundTripCase{"WebhookFull", WithChannel(R"({"channel": "webhook", "configs": {
            "url": "https://a.example/x?y=1", "headers": {"X-B": "2", "X-A": "1 \"q\" \u00e9"},
            "payload_template": {"t": "{{event_type}}", "n": [1, 2.5, -3e-7, true, null, {}],
                                 "u": "\u0001\u00e9\ud83d\ude00"},
            "timeout": 0.1}})")},
        RoundTripCase{
            "WebhookDefaults",
            WithChannel(R"({"channel": "http", "configs": {"url": "http://b.example"}})")},
        RoundTripCase{"SlackIncoming", WithChannel(R"({"channel": "slack", "configs": {
            "webhook_url": "https://hooks.slack.com/services/T/B/X", "channel": "#c",
            "username": "u", "icon_emoji": ":x:", "icon_url": "https://e.example/i.png",
            "blocks_template": "[]"}})")},
        RoundTripCase{"EmailFull", WithChannel(R"({"channel": "email", "configs": {
            "to_addresses": ["a@example.com", "b@example.com"], "cc_addresses": ["c@example.com"],
            "bcc_addresses": ["d@example.com"], "subject_template": "S {{x}}",
            "body_template": "B\nline 2", "content_type": "json"}})")},
        RoundTripCase{"EmailDefaults", WithChannel(R"({"channel": "email", "configs": {
            "to_addresses": ["a@example.com"]}})")},
        RoundTripCase{"Sms", WithChannel(R"({"channel": "sms", "configs": {
            "phone_numbers": ["+15551234567", "+447911123456"], "message_template": "m"}})")},
        RoundTripCase{
            "AllKindsInactiveWildcard",
            Obj({"\"webhook_name\": \"\xc3\xa9t\xc3\xa9 \\\"quoted\\\"\"",
                 R"("description": "multi\nline")", R"("event_types": ["*", "alert.triggered"])",
                 R"("is_active": false)", R"("channels": [
              {"channel": "webhook", "configs": {"url": "https://a.example"}},
              {"channel": "slack", "configs": {"bot_token": "xoxb-1", "channel_id": "C1"}},
              {"channel": "email", "configs": {"to_addresses": ["a@example.com"]}},
              {"channel": "sms", "configs": {"phone_numbers": ["+15551234567"]}}])"})}),
    [](const ::testing::TestParamInfo<RoundTripCase>& row) { return row.param.name; });

TEST(WebhookCodecTest, RoundTripKeepsLargeSeqAndHexWebhookId) {
  Webhook w = MakeWebhook(kSeedPutBody, 0);
  w.webhook_id = "wh_0123456789abcdef";  // the public spec's 16-hex form, accepted on restore
  for (uint64_t seq : {uint64_t{0}, uint64_t{1}, uint64_t{1} << 53, ~uint64_t{0}}) {
    w.seq = seq;
    absl::StatusOr<Webhook> decoded = DecodeStoredWebhook(EncodeWebhook(w, Audience::kStorage));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(decoded->seq, seq);
    EXPECT_TRUE(*decoded == w);
  }
}

TEST(WebhookCodecTest, ApiAudienceHidesInternalIdAndSeq) {
  Webhook w = MakeWebhook(kSeedPutBody, 12345);
  std::string api = EncodeWebhook(w, Audience::kApi);
  rapidjson::Document doc;
  doc.Parse(api.c_str());
  ASSERT_FALSE(doc.HasParseError()) << api;
  ASSERT_TRUE(doc.IsObject());
  EXPECT_FALSE(doc.HasMember("internal_id")) << api;
  EXPECT_FALSE(doc.HasMember("seq")) << api;
  EXPECT_EQ(api.find(w.internal_id), std::string::npos) << api;
  std::vector<std::string> keys;
  for (const auto& m : doc.GetObject()) keys.emplace_back(m.name.GetString());
  EXPECT_EQ(keys,
            (std::vector<std::string>{"webhook_id", "webhook_name", "description", "event_types",
                                      "channels", "is_active", "created_at", "updated_at"}));
  EXPECT_EQ(doc["webhook_id"].GetString(), w.webhook_id);
  EXPECT_EQ(doc["created_at"].GetString(), w.created_at);
  EXPECT_EQ(doc["updated_at"].GetString(), w.updated_at);
  EXPECT_TRUE(doc["is_active"].IsBool());

  std::string storage = EncodeWebhook(w, Audience::kStorage);
  rapidjson::Document stored;
  stored.Parse(storage.c_str());
  ASSERT_FALSE(stored.HasParseError()) << storage;
  ASSERT_TRUE(stored.HasMember("internal_id") && stored["internal_id"].IsString());
  EXPECT_EQ(stored["internal_id"].GetString(), w.internal_id);
  ASSERT_TRUE(stored.HasMember("seq") && stored["seq"].IsUint64());
  EXPECT_EQ(stored["seq"].GetUint64(), 12345u);
}

TEST(WebhookCodecTest, DescriptionOmittedWhenUnset) {
  Webhook w = MakeWebhook(Obj({kName, kEvents, kChannels}), 1);
  EXPECT_EQ(EncodeWebhook(w, Audience::kApi).find("description"), std::string::npos);
  EXPECT_EQ(EncodeWebhook(w, Audience::kStorage).find("description"), std::string::npos);
}

TEST(WebhookCodecTest, UnknownInputFieldsAreNotStored) {
  Webhook w = MakeWebhook(Obj({kName, kEvents, R"("zz_top_unknown": "zz_top_value")",
                               R"("internal_id": "int_AAAAAAAAAAAAAAAAAAAAAAAA")", R"("seq": 999)",
                               R"("channels": [
          {"channel": "webhook", "zz_channel_unknown": 1,
           "configs": {"url": "https://a.example", "zz_config_unknown": "zz_config_value"}},
          {"channel": "slack", "configs": {"bot_token": "t", "channel_id": "c",
                                           "zz_slack_unknown": true}},
          {"channel": "email", "configs": {"to_addresses": ["a@example.com"], "zz_email": 1}},
          {"channel": "sms", "configs": {"phone_numbers": ["+15551234567"], "zz_sms": 1}}])"}),
                          3);
  std::string stored = EncodeWebhook(w, Audience::kStorage);
  std::string api = EncodeWebhook(w, Audience::kApi);
  for (const std::string& json : {stored, api}) {
    EXPECT_EQ(json.find("zz_"), std::string::npos) << json;
    EXPECT_EQ(json.find("int_AAAAAAAAAAAAAAAAAAAAAAAA"), std::string::npos) << json;
    rapidjson::Document doc;
    doc.Parse(json.c_str());
    ASSERT_FALSE(doc.HasParseError()) << json;
    EXPECT_TRUE(!doc.HasMember("seq") || (doc["seq"].IsUint64() && doc["seq"].GetUint64() == 3))
        << json;
  }
  absl::StatusOr<Webhook> decoded = DecodeStoredWebhook(stored);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE(*decoded == w);
  EXPECT_EQ(decoded->seq, 3u);
  EXPECT_EQ(EncodeWebhook(*decoded, Audience::kStorage).find("zz_"), std::string::npos);
}

TEST(WebhookCodecTest, DecodeRejectsDamagedRecords) {
  Webhook w = MakeWebhook(kSeedPutBody, 5);
  std::string good = EncodeWebhook(w, Audience::kStorage);
  ASSERT_TRUE(DecodeStoredWebhook(good).ok());

  auto replace = [&](std::string_view from, std::string_view to) {
    std::string s = good;
    size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) s.replace(at, from.size(), to);
    return s;
  };
  const std::string kDamaged[] = {
      "",
      good.substr(0, good.size() / 2),
      "[]",
      replace(w.webhook_id, "wh_bad"),
      replace(w.internal_id, "int_short"),
      replace(R"("internal_id")", R"("internal_idx")"),
      replace(w.created_at, "2025-13-01T00:00:00Z"),
      replace(R"("updated_at")", R"("updated_atx")"),
      replace(R"("webhook_name":"Engineering Slack Alerts")", R"("webhook_name":"")"),
      replace(R"("channel_id":"C0123456789",)", ""),
      replace(R"("object.created")", R"("object.bogus")"),
  };
  for (const std::string& damaged : kDamaged) {
    absl::StatusOr<Webhook> decoded = DecodeStoredWebhook(damaged);
    EXPECT_FALSE(decoded.ok()) << damaged;
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss) << damaged;
  }
}

}  // namespace
}  // namespace webhooks

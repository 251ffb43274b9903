// Request bodies and field-error matchers shared by the webhook body and codec tests
// (model_webhook_*_test.cc).
#ifndef WEBHOOKS_TESTS_UNIT_MODEL_WEBHOOK_FIXTURE_H_
#define WEBHOOKS_TESTS_UNIT_MODEL_WEBHOOK_FIXTURE_H_

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/json_input.h"
#include "model/validation.h"
#include "model/webhook.h"
#include "model/webhook_codec.h"

namespace webhooks {

// The request body of the seed's PUT /v1/organizations/webhooks/{identifier}, verbatim.
inline constexpr char kSeedPutBody[] = R"json({
  "channels": [
    {
      "channel": "slack",
      "configs": {
        "bot_token": "xoxb-...",
        "channel_id": "C0123456789",
        "workspace_id": "T0123456789"
      }
    }
  ],
  "created_at": "2025-01-01T00:00:00Z",
  "description": "Slack notifications for object lifecycle",
  "event_types": [
    "object.created",
    "object.updated",
    "object.deleted"
  ],
  "is_active": true,
  "updated_at": "2025-01-01T00:00:00Z",
  "webhook_id": "wh_abc123def4",
  "webhook_name": "Engineering Slack Alerts"
})json";

// Valid top-level members, for building bodies that differ in one place.
inline constexpr char kName[] = R"("webhook_name": "Hook")";
inline constexpr char kEvents[] = R"("event_types": ["object.created"])";
inline constexpr char kSmsChannel[] =
    R"({"channel": "sms", "configs": {"phone_numbers": ["+15551234567"]}})";
inline constexpr char kChannels[] =
    R"("channels": [{"channel": "sms", "configs": {"phone_numbers": ["+15551234567"]}}])";

// "{m1, m2, ...}".
inline std::string Obj(std::initializer_list<std::string_view> members) {
  std::string out = "{";
  for (std::string_view m : members) {
    if (out.size() > 1) out += ", ";
    out += m;
  }
  return out + "}";
}

// A valid body whose only channel (index 0) is `channel`.
inline std::string WithChannel(std::string_view channel) {
  return Obj({kName, kEvents, "\"channels\": [" + std::string(channel) + "]"});
}

// `s` repeated `n` times.
inline std::string Repeat(std::string_view s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

inline absl::StatusOr<WebhookSpec> ParseBody(std::string_view body) {
  rapidjson::Document doc;
  if (absl::Status st = ParseJson(body, &doc); !st.ok()) return st;
  return ParseWebhookSpec(doc);
}

// The validation errors carried by `status`, parsed; fails the test when there are none.
inline void ParseFieldErrors(const absl::Status& status, rapidjson::Document* errors) {
  std::optional<std::string> json = FieldErrorsJson(status);
  ASSERT_TRUE(json.has_value()) << "no field errors in " << status;
  errors->Parse(json->data(), json->size());
  ASSERT_FALSE(errors->HasParseError()) << *json;
  ASSERT_TRUE(errors->IsArray()) << *json;
}

// True when `actual` and `expected` are arrays of the same strings and unsigned integers, in order.
inline bool SameLocation(const rapidjson::Value& actual, const rapidjson::Value& expected) {
  if (!actual.IsArray() || !expected.IsArray() || actual.Size() != expected.Size()) return false;
  for (rapidjson::SizeType i = 0; i < expected.Size(); ++i) {
    const rapidjson::Value& a = actual[i];
    const rapidjson::Value& e = expected[i];
    if (e.IsString()) {
      if (!a.IsString() || std::string_view(a.GetString(), a.GetStringLength()) !=
                               std::string_view(e.GetString(), e.GetStringLength())) {
        return false;
      }
    } else if (e.IsUint64()) {
      if (!a.IsUint64() || a.GetUint64() != e.GetUint64()) return false;
    } else {
      return false;
    }
  }
  return true;
}

// True when `errors` (a FieldErrorsJson array) has an entry of `type` at `location_json`.
inline bool HasError(const rapidjson::Value& errors, std::string_view type,
                     std::string_view location_json) {
  rapidjson::Document location;
  location.Parse(location_json.data(), location_json.size());
  EXPECT_FALSE(location.HasParseError()) << location_json;
  for (const rapidjson::Value& e : errors.GetArray()) {
    if (!e.IsObject() || !e.HasMember("type") || !e.HasMember("location") ||
        !e.HasMember("message")) {
      ADD_FAILURE() << "malformed field error entry";
      continue;
    }
    const rapidjson::Value& t = e["type"];
    if (t.IsString() && std::string_view(t.GetString(), t.GetStringLength()) == type &&
        SameLocation(e["location"], location)) {
      return true;
    }
  }
  return false;
}

}  // namespace webhooks

#endif  // WEBHOOKS_TESTS_UNIT_MODEL_WEBHOOK_FIXTURE_H_

// Signing secrets through the API: generated at create, kept by an update that gives none, and
// rotated by an update that gives a new one (the replaced secret keeps signing for 24 hours).
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "model/webhook_codec.h"
#include "tests/unit/fcgi_handlers_fixture.h"

namespace webhooks {
namespace {

constexpr char kSecret1[] = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
constexpr char kSecret2[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

// Body() with one webhook channel whose configs add `configs_extra` (starting with ',').
std::string WithConfigs(const std::string& configs_extra) {
  return R"({"webhook_name":"rot","event_types":["object.created"],"channels":[)"
         R"({"channel":"webhook","configs":{"url":"https://example.com/hook")" +
         configs_extra + "}}]}";
}

class FcgiHandlersSecretsTest : public FcgiHandlersTest {
 protected:
  // The first channel's configs of PUT `body` to webhook `id` (status 200 expected).
  rapidjson::Document Put(const std::string& id, const std::string& body) {
    HttpResponse r = Call("PUT", std::string(kWebhooks) + "/" + id, body);
    EXPECT_EQ(r.status, 200) << r.body;
    return Json(r.body);
  }
  static const rapidjson::Value& Configs(const rapidjson::Document& doc) {
    return doc["channels"][0]["configs"];
  }
  HttpChannel Stored(const std::string& id) {
    absl::StatusOr<Webhook> w = store_.GetWebhook(kOrgA, id);
    EXPECT_TRUE(w.ok()) << w.status();
    return w.ok() ? std::get<HttpChannel>(w->spec.channels[0]) : HttpChannel{};
  }
};

TEST_F(FcgiHandlersSecretsTest, CreateTakesTheGivenSecretButNoPreviousOne) {
  const std::string id = Create(WithConfigs(
      std::string(R"(,"signing_secret":")") + kSecret1 + R"(","previous_signing_secret":")" +
      kSecret2 + R"(","previous_signing_secret_expires_at":"2030-01-01T00:00:00Z")"));
  HttpChannel c = Stored(id);
  EXPECT_EQ(c.signing_secret, kSecret1);
  EXPECT_EQ(c.previous_signing_secret, "");
  EXPECT_EQ(c.previous_secret_expires_ms, 0);
  HttpResponse get = Call("GET", std::string(kWebhooks) + "/" + id);
  rapidjson::Document doc = Json(get.body);
  EXPECT_FALSE(Configs(doc).HasMember("previous_signing_secret")) << get.body;
}

TEST_F(FcgiHandlersSecretsTest, ANewSecretKeepsTheOldOneSigningFor24Hours) {
  const std::string id =
      Create(WithConfigs(std::string(R"(,"signing_secret":")") + kSecret1 + "\""));
  now_ += std::chrono::seconds(90);
  rapidjson::Document doc =
      Put(id, WithConfigs(std::string(R"(,"signing_secret":")") + kSecret2 + "\""));
  EXPECT_STREQ(Configs(doc)["signing_secret"].GetString(), kSecret2);
  EXPECT_STREQ(Configs(doc)["previous_signing_secret"].GetString(), kSecret1);
  const TimePoint expires = kStart + std::chrono::seconds(90) + std::chrono::hours(24);
  EXPECT_EQ(Configs(doc)["previous_signing_secret_expires_at"].GetString(),
            FormatTimestamp(expires));
  HttpChannel c = Stored(id);  // what the notifier signs with
  EXPECT_EQ(c.signing_secret, kSecret2);
  EXPECT_EQ(c.previous_signing_secret, kSecret1);
  EXPECT_EQ(c.previous_secret_expires_ms, UnixMillis(expires));

  // An update that gives no secret, or the same one, keeps the rotation in progress.
  now_ += std::chrono::hours(1);
  Put(id, WithConfigs(""));
  EXPECT_EQ(Stored(id), c);
  Put(id, WithConfigs(std::string(R"(,"signing_secret":")") + kSecret2 + "\""));
  EXPECT_EQ(Stored(id), c);

  // Once it expired, the next update drops the old secret.
  now_ = expires;
  doc = Put(id, WithConfigs(""));
  EXPECT_FALSE(Configs(doc).HasMember("previous_signing_secret"));
  EXPECT_EQ(Stored(id).previous_signing_secret, "");
  EXPECT_EQ(Stored(id).signing_secret, kSecret2);
}

TEST_F(FcgiHandlersSecretsTest, AnUpdateCannotSetThePreviousSecret) {
  const std::string id =
      Create(WithConfigs(std::string(R"(,"signing_secret":")") + kSecret1 + "\""));
  rapidjson::Document doc =
      Put(id, WithConfigs(std::string(R"(,"previous_signing_secret":")") + kSecret2 +
                          R"(","previous_signing_secret_expires_at":"2030-01-01T00:00:00Z")"));
  EXPECT_FALSE(Configs(doc).HasMember("previous_signing_secret"));
  EXPECT_EQ(Stored(id).signing_secret, kSecret1);
  EXPECT_EQ(Stored(id).previous_signing_secret, "");
}

TEST_F(FcgiHandlersSecretsTest, TheRotationSurvivesTheStoredRecord) {
  const std::string id =
      Create(WithConfigs(std::string(R"(,"signing_secret":")") + kSecret1 + "\""));
  Put(id, WithConfigs(std::string(R"(,"signing_secret":")") + kSecret2 + "\""));
  Webhook w = *store_.GetWebhook(kOrgA, id);
  absl::StatusOr<Webhook> decoded = DecodeStoredWebhook(EncodeWebhook(w, Audience::kStorage));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->spec, w.spec);
}

}  // namespace
}  // namespace webhooks

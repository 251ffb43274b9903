// POST /v1/organizations/webhooks with an Idempotency-Key header: a repeat answers 201 with the
// webhook the first request created, as it is now, and creates nothing; the same key with
// another body is a 409, as is a repeat after that webhook was deleted; malformed keys are a 400.
#include "tests/unit/fcgi_handlers_fixture.h"

namespace webhooks {
namespace {

class IdempotentCreateTest : public FcgiHandlersTest {
 protected:
  HttpResponse CreateWithKey(const std::string& body, const std::string& key,
                             const std::string& api_key = kKeyA) {
    HttpRequest r = Request("POST", kWebhooks, body, api_key);
    r.idempotency_key = key;
    return Call(r);
  }
  static std::string Header(const HttpResponse& r, const std::string& name) {
    for (const auto& [n, v] : r.headers) {
      if (n == name) return v;
    }
    return "";
  }
};

TEST_F(IdempotentCreateTest, ARepeatGetsTheSameWebhookAndCreatesNothing) {
  HttpResponse first = CreateWithKey(Body("a"), "create-a-1");
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(Header(first, "Idempotent-Replayed"), "");
  now_ += std::chrono::hours(23);
  HttpResponse again = CreateWithKey(Body("a"), "create-a-1");
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(again.body, first.body);  // the same webhook_id and signing secret
  EXPECT_EQ(Header(again, "Idempotent-Replayed"), "true");
  EXPECT_EQ(Snapshot().size(), 1u);
  // The body is the webhook as stored (made before the write that stored it).
  const std::string id = Json(first.body)["webhook_id"].GetString();
  HttpResponse get = Call("GET", std::string(kWebhooks) + "/" + id);
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, first.body);
}

// A repeat shows the webhook as it is now: a PUT that replaced a leaked credential is not undone
// by a replay of the create-time body.
TEST_F(IdempotentCreateTest, ARepeatShowsTheWebhookAsItIsNow) {
  HttpResponse first = CreateWithKey(Body("a"), "k");
  ASSERT_EQ(first.status, 201) << first.body;
  const std::string id = Json(first.body)["webhook_id"].GetString();
  const std::string put_body = Body("renamed", R"(["object.created"])");
  ASSERT_EQ(Call("PUT", std::string(kWebhooks) + "/" + id, put_body).status, 200);
  HttpResponse again = CreateWithKey(Body("a"), "k");
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(Header(again, "Idempotent-Replayed"), "true");
  EXPECT_EQ(std::string(Json(again.body)["webhook_id"].GetString()), id);
  EXPECT_EQ(std::string(Json(again.body)["webhook_name"].GetString()), "renamed");
  EXPECT_EQ(again.body, Call("GET", std::string(kWebhooks) + "/" + id).body);

  ASSERT_EQ(Call("DELETE", std::string(kWebhooks) + "/" + id).status, 204);
  rapidjson::Document gone = ExpectEnvelope(CreateWithKey(Body("a"), "k"), 409, "ConflictError");
  EXPECT_NE(std::string(gone["error"]["message"].GetString()).find("deleted"), std::string::npos);
  EXPECT_EQ(Snapshot().size(), 0u);
}

TEST_F(IdempotentCreateTest, TheSameKeyWithAnotherBodyIsAConflict) {
  ASSERT_EQ(CreateWithKey(Body("a"), "k").status, 201);
  rapidjson::Document doc = ExpectEnvelope(CreateWithKey(Body("b"), "k"), 409, "ConflictError");
  EXPECT_NE(std::string(doc["error"]["message"].GetString()).find("Idempotency-Key"),
            std::string::npos);
  EXPECT_EQ(Snapshot().size(), 1u);
}

// A retry is recognised by what it asks for, not by its bytes: a client library that serialises
// the retry again (other whitespace and member order, defaults spelled out, the server-owned
// fields of an earlier answer sent back) still repeats the request.
TEST_F(IdempotentCreateTest, TheSameRequestSerialisedAgainIsARepeat) {
  HttpResponse first = CreateWithKey(Body("a"), "k");
  ASSERT_EQ(first.status, 201) << first.body;
  // ... previous_signing_secret (read-only) as an earlier answer may show it ...
  const std::string reserialised = R"({
    "channels": [ {"configs": {"url": "https://example.com/hook", "headers": {}, "timeout": 10,
                    "previous_signing_secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                    "previous_signing_secret_expires_at": "2030-01-01T00:00:00Z"},
                   "channel": "webhook"} ],
    "event_types": ["object.created"], "is_active": true,
    "webhook_id": "wh_0000000000", "created_at": "2020-01-01T00:00:00Z",
    "webhook_name": "a" })";
  HttpResponse again = CreateWithKey(reserialised, "k");
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(Header(again, "Idempotent-Replayed"), "true");
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(Snapshot().size(), 1u);
  // What the webhook would be does count: another URL, another secret, or another order of the
  // event types (kept as given) is another request.
  const std::string other_url = R"({"webhook_name":"a","event_types":["object.created"],)"
                                R"("channels":[{"channel":"webhook","configs":{"url":)"
                                R"("https://example.com/other"}}]})";
  ExpectEnvelope(CreateWithKey(other_url, "k"), 409, "ConflictError");
  const std::string with_secret =
      R"({"webhook_name":"a","event_types":["object.created"],"channels":[{"channel":"webhook",)"
      R"("configs":{"url":"https://example.com/hook","signing_secret":)"
      R"("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}]})";
  ExpectEnvelope(CreateWithKey(with_secret, "k"), 409, "ConflictError");
  ASSERT_EQ(CreateWithKey(Body("a", R"(["object.created","object.deleted"])"), "k2").status, 201);
  ExpectEnvelope(CreateWithKey(Body("a", R"(["object.deleted","object.created"])"), "k2"), 409,
                 "ConflictError");
  EXPECT_EQ(Snapshot().size(), 2u);
}

TEST_F(IdempotentCreateTest, WithoutAKeyEveryRequestCreates) {
  ASSERT_EQ(Call("POST", kWebhooks, Body("a")).status, 201);
  ASSERT_EQ(Call("POST", kWebhooks, Body("a")).status, 201);
  EXPECT_EQ(Snapshot().size(), 2u);
}

TEST_F(IdempotentCreateTest, KeysAreKeptPerOrganizationForADay) {
  ASSERT_EQ(CreateWithKey(Body("a"), "k").status, 201);
  HttpResponse other_org = CreateWithKey(Body("a"), "k", kKeyB);
  EXPECT_EQ(other_org.status, 201);
  EXPECT_EQ(Header(other_org, "Idempotent-Replayed"), "");
  now_ += std::chrono::hours(24);
  HttpResponse later = CreateWithKey(Body("a"), "k");
  EXPECT_EQ(later.status, 201);
  EXPECT_EQ(Header(later, "Idempotent-Replayed"), "");
  EXPECT_EQ(Snapshot().size(), 3u);
}

TEST_F(IdempotentCreateTest, MalformedKeysAreRefusedAndCreateNothing) {
  for (const std::string& key :
       {std::string(), std::string(256, 'k'), std::string("a\tb"), std::string("caf\xc3\xa9")}) {
    rapidjson::Document doc = ExpectEnvelope(CreateWithKey(Body("a"), key), 400, "BadRequestError");
    EXPECT_NE(std::string(doc["error"]["message"].GetString()).find("Idempotency-Key"),
              std::string::npos);
  }
  // The key is checked first: a malformed key with a malformed body is a 400 too.
  ExpectEnvelope(CreateWithKey("{", ""), 400, "BadRequestError");
  EXPECT_EQ(CreateWithKey(Body("a"), std::string(255, 'k')).status, 201);
  EXPECT_EQ(Snapshot().size(), 1u);
}

// A request refused for its body keeps no key: the corrected request with the same key creates.
TEST_F(IdempotentCreateTest, AnInvalidBodyDoesNotUseTheKey) {
  ExpectEnvelope(CreateWithKey(Body("a", R"(["no.such.type"])"), "k"), 422, "ValidationError");
  EXPECT_EQ(CreateWithKey(Body("a"), "k").status, 201);
  EXPECT_EQ(Snapshot().size(), 1u);
}

}  // namespace
}  // namespace webhooks

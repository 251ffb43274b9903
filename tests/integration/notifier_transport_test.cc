// The notifier's transport reuses libcurl handles from one request to the next (HTTP ones stay
// configured; only the per-request options change), and spreads requests over several send
// threads. These tests check what a reused handle must not carry over, and that every thread
// count delivers.
#include <set>

#include "tests/integration/sinks_harness.h"

namespace webhooks::testing {
namespace {

using std::chrono::seconds;

constexpr char kTwilioPath[] = "/twilio/2010-04-01/Accounts/ACtest0123456789/Messages.json";

class NotifierIntegrationTransport : public NotifierTestBase {};

// SMS requests carry Twilio's Basic credentials; webhook requests to the same receiver, sent
// on the handles the SMS requests used before (one send thread, ten rounds), must not.
TEST_F(NotifierIntegrationTransport, AReusedHandleCarriesNoCredentialsOfAnEarlierRequest) {
  ASSERT_NO_FATAL_FAILURE(StartStack(std::string(R"({")") + kTwilioPath + R"(": ["twilio"]})"));
  std::vector<std::string> args = NotifierArgs("0,300ms,300ms");
  args.insert(args.end(), {"--transport-threads", "1"});
  ASSERT_NO_FATAL_FAILURE(StartNotifier(args));
  rapidjson::Document w = CreateWebhook(R"({
    "webhook_name": "sms and webhook",
    "event_types": ["object.created"],
    "channels": [
      {"channel": "sms", "configs": {"phone_numbers": ["+15551230001"]}},
      {"channel": "webhook", "configs": {"url": ")" +
                                        http_->Url("/hook") + R"("}}
    ]})");
  ASSERT_FALSE(StringMember(w, "webhook_id").empty());

  constexpr size_t kRounds = 10;
  for (size_t i = 1; i <= kRounds; ++i) {
    ASSERT_FALSE(Emit("object.created").empty());
    // One round at a time, so the next round's requests start on the handles just freed.
    ASSERT_TRUE(WaitUntil(
        [&] { return http_->Count("/hook") >= i && http_->Count(kTwilioPath) >= i; }, seconds(15)))
        << "round " << i;
  }
  const std::string basic = "Basic " + Base64(std::string(kTwilioSid) + ":" + kTwilioToken);
  for (const ReceivedRequest& r : http_->Requests(kTwilioPath)) {
    EXPECT_EQ(r.header("authorization"), basic);
  }
  std::set<std::string> ids;
  for (const ReceivedRequest& r : http_->Requests("/hook")) {
    EXPECT_EQ(r.header("authorization"), "") << "webhook request carried credentials";
    EXPECT_EQ(r.header("content-type"), "application/json");
    ids.insert(r.header("webhook-id"));
  }
  EXPECT_EQ(ids.size(), kRounds);
}

// Every event reaches the receiver exactly once whatever the number of send threads.
TEST_F(NotifierIntegrationTransport, EveryThreadCountDeliversEachEventOnce) {
  ASSERT_NO_FATAL_FAILURE(StartStack());
  rapidjson::Document w = CreateWebhook(R"({
    "webhook_name": "threads", "event_types": ["object.created"],
    "channels": [{"channel": "webhook", "configs": {"url": ")" +
                                        http_->Url("/hook") + R"("}}]})");
  ASSERT_FALSE(StringMember(w, "webhook_id").empty());
  size_t expected = 0;
  for (const char* threads : {"1", "3"}) {
    std::vector<std::string> args = NotifierArgs("0,300ms,300ms");
    args.insert(args.end(), {"--transport-threads", threads});
    ASSERT_NO_FATAL_FAILURE(StartNotifier(args));
    std::set<std::string> sent;
    for (int i = 0; i < 30; ++i) sent.insert(Emit("object.created"));
    expected += sent.size();
    ASSERT_TRUE(WaitUntil([&] { return http_->Count("/hook") >= expected; }, seconds(15)))
        << threads << " threads: " << http_->Count("/hook") << " of " << expected;
    std::set<std::string> got;
    for (const ReceivedRequest& r : http_->Requests("/hook")) {
      got.insert(StringMember(ParseJsonText(r.body), "event_id"));
    }
    for (const std::string& id : sent) EXPECT_EQ(got.count(id), 1u) << id;
    notifier_.reset();  // SIGTERM; the next round starts a new one on the same store
  }
  EXPECT_EQ(http_->Count("/hook"), expected);
}

}  // namespace
}  // namespace webhooks::testing

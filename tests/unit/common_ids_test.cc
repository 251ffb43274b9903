// Identifiers (common/ids.h): webhook ids in both forms, organization ids and API keys.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <string_view>

#include "common/ids.h"
#include "store/delivery_store.h"

namespace webhooks {
namespace {

TEST(IdsTest, NewWebhookIdHasSeedFormat) {
  const std::regex kFormat("^wh_[A-Za-z0-9]{10}$");
  for (int i = 0; i < 200; ++i) {
    std::string id = NewWebhookId();
    EXPECT_TRUE(std::regex_match(id, kFormat)) << id;
    EXPECT_TRUE(IsWebhookId(id)) << id;
  }
}

TEST(IdsTest, IsWebhookIdAcceptsBothForms) {
  for (std::string_view ok : {"wh_abc123def4", "wh_ABCDEFGHIJ", "wh_0000000000",
                              "wh_0123456789abcdef", "wh_0123456789ABCDEF"}) {
    EXPECT_TRUE(IsWebhookId(ok)) << ok;
  }
}

TEST(IdsTest, IsWebhookIdRejectsOtherStrings) {
  for (std::string_view bad :
       {"", "wh_", "wh_abc123def", "wh_abc123def45", "wh_0123456789abcde", "wh_0123456789abcdef0",
        "wh_0123456789abcdeg", "WH_abc123def4", "wh-abc123def4", "xwh_abc123def4", "wh_abc123def!",
        "wh_abc 23def4", "wh_abc123def4\n", " wh_abc123def4", "wh_abc_23def4",
        "wh_abc123de\xc3\xa9", "int_abc123def4", "abc123def4"}) {
    EXPECT_FALSE(IsWebhookId(bad)) << bad;
  }
  EXPECT_FALSE(IsWebhookId(std::string_view("wh_abc123de\0f", 13)));
}

TEST(IdsTest, IsDeliveryIdTakesTheFormThatDeliveryIdMakes) {
  EXPECT_TRUE(
      IsDeliveryId(DeliveryId(42, "int_AAAAAAAAAAAAAAAAAAAAAAAA", "evt_1", "wh_abc123def4", 0, 0)));
  EXPECT_TRUE(IsDeliveryId("msg_3f9a1c7e2b4d8a6f0c1e5b7d"));
  for (std::string_view bad :
       {"", "msg_", "msg_3f9a1c7e2b4d8a6f0c1e5b7", "msg_3f9a1c7e2b4d8a6f0c1e5b7d0",
        "msg_3f9a1c7e2b4d8a6f0c1e5b7g", "MSG_3f9a1c7e2b4d8a6f0c1e5b7d", "wh_abc123def4",
        "msg_3f9a1c7e2b4d8a6f0c1e5b7\n"}) {
    EXPECT_FALSE(IsDeliveryId(bad)) << bad;
  }
  EXPECT_FALSE(IsDeliveryId(std::string(600, 'a')));
}

TEST(IdsTest, NewOrganizationIdFormat) {
  const std::regex kFormat("^int_[A-Za-z0-9]{24}$");
  for (int i = 0; i < 200; ++i) {
    std::string id = NewOrganizationId();
    EXPECT_TRUE(std::regex_match(id, kFormat)) << id;
    EXPECT_TRUE(IsOrganizationId(id)) << id;
    EXPECT_FALSE(IsWebhookId(id)) << id;
  }
  for (std::string_view bad :
       {"", "int_", "int_abcdefghijklmnopqrstuvw", "int_abcdefghijklmnopqrstuvwxy",
        "INT_abcdefghijklmnopqrstuvwx", "int-abcdefghijklmnopqrstuvwx",
        "int_abcdefghijklmnopqrstuv-x", "wh_abc123def4"}) {
    EXPECT_FALSE(IsOrganizationId(bad)) << bad;
  }
  EXPECT_TRUE(IsOrganizationId("int_abcdefghijklmnopqrstuvwx"));
}

TEST(IdsTest, NewApiKeyFormatAndPrefix) {
  const std::regex kFormat("^sk_live_[A-Za-z0-9]{40}$");
  for (int i = 0; i < 200; ++i) {
    std::string key = NewApiKey();
    EXPECT_TRUE(std::regex_match(key, kFormat)) << key;
    EXPECT_EQ(ApiKeyPrefix(key), key.substr(0, 14));
  }
  EXPECT_EQ(ApiKeyPrefix("sk_live_abcdefghij"), "sk_live_abcdef");
  EXPECT_EQ(ApiKeyPrefix("sk_live_abc"), "sk_live_abc");
  EXPECT_EQ(ApiKeyPrefix("sk_test_xyz789"), "sk_test_x");
  EXPECT_EQ(ApiKeyPrefix(""), "");
}

TEST(IdsTest, ThousandGeneratedIdsAreUnique) {
  std::set<std::string> webhooks, orgs, keys;
  for (int i = 0; i < 1000; ++i) {
    webhooks.insert(NewWebhookId());
    orgs.insert(NewOrganizationId());
    keys.insert(NewApiKey());
  }
  EXPECT_EQ(webhooks.size(), 1000u);
  EXPECT_EQ(orgs.size(), 1000u);
  EXPECT_EQ(keys.size(), 1000u);
}

}  // namespace
}  // namespace webhooks

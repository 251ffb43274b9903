// URL, address, number and signing-secret predicates used by the channel validators
// (model/channel_codec.h).
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "common/crypto.h"
#include "model/channel_codec.h"

namespace webhooks {
namespace {

TEST(ChannelPredicatesTest, IsHttpUrl) {
  for (std::string_view ok :
       {"http://a.example", "https://a.example/path?q=1#f", "http://127.0.0.1:8080/x",
        "https://[::1]:8443/", "HTTPS://A.EXAMPLE", "http://user:pass@a.example/"}) {
    EXPECT_TRUE(IsHttpUrl(ok)) << ok;
  }
  for (std::string_view bad : {"", "ftp://a.example", "not a url", "/relative/path", "a.example",
                               "http://", "https:// a.example", "mailto:a@example.com",
                               "file:///etc/passwd", "http://a.example/\r\n", "//a.example/x"}) {
    EXPECT_FALSE(IsHttpUrl(bad)) << bad;
  }
  EXPECT_FALSE(IsHttpUrl("https://a.example/" + std::string(2048, 'x')));
}

TEST(ChannelPredicatesTest, IsEmailAddress) {
  for (std::string_view ok : {"a@example.com", "first.last+tag@sub.example.org", "x@localhost",
                              "o'brien@example.ie", "a_b-c@ex-ample.com"}) {
    EXPECT_TRUE(IsEmailAddress(ok)) << ok;
  }
  for (std::string_view bad :
       {"", "a", "@example.com", "a@", "a@@example.com", "a b@example.com", "\"a\"@example.com",
        ".a@example.com", "a.@example.com", "a@.example.com", "a@example.com.", "a@exa..mple.com",
        "a@example.com\n", "a@exa_mple.com", "a@example.com>"}) {
    EXPECT_FALSE(IsEmailAddress(bad)) << bad;
  }
  EXPECT_TRUE(IsEmailAddress(std::string(64, 'l') + "@example.com"));
  EXPECT_FALSE(IsEmailAddress(std::string(65, 'l') + "@example.com"));
}

TEST(ChannelPredicatesTest, IsE164) {
  for (std::string_view ok : {"+15551234567", "+447911123456", "+12", "+123456789012345"}) {
    EXPECT_TRUE(IsE164(ok)) << ok;
  }
  for (std::string_view bad : {"", "+", "+1", "555-1234", "+0123", "15551234567", "+1 555",
                               "+1234567890123456", "++15551234567", "+1555123456a"}) {
    EXPECT_FALSE(IsE164(bad)) << bad;
  }
}

TEST(ChannelPredicatesTest, IsSigningSecret) {
  for (int i = 0; i < 20; ++i) {
    std::string secret = NewSigningSecret();
    EXPECT_TRUE(IsSigningSecret(secret)) << secret;
  }
  EXPECT_TRUE(IsSigningSecret("whsec_" + Base64Encode(std::string(24, 'k'))));
  EXPECT_TRUE(IsSigningSecret("whsec_" + Base64Encode(std::string(64, 'k'))));
  for (const std::string& bad :
       {std::string(""), std::string("whsec_"), Base64Encode(std::string(32, 'k')),
        "whsk_" + Base64Encode(std::string(32, 'k')), "whsec_" + Base64Encode(std::string(23, 'k')),
        "whsec_" + Base64Encode(std::string(65, 'k')), "whsec_" + std::string(44, '!')}) {
    EXPECT_FALSE(IsSigningSecret(bad)) << bad;
  }
}

TEST(ChannelPredicatesTest, IsSigningSecretRejectsNonBase64Keys) {
  // Padding characters alone are not a key (they decode to zero bytes if accepted).
  for (const std::string& bad :
       {"whsec_" + std::string(36, '='), "whsec_" + Base64Encode(std::string(32, 'k')) + "    "}) {
    EXPECT_FALSE(IsSigningSecret(bad)) << bad;
  }
}

}  // namespace
}  // namespace webhooks

// Standard Webhooks v1 signatures: the Svix conformance vector, key decoding, verification.
#include <gtest/gtest.h>

#include <string>

#include "common/crypto.h"
#include "notifier/signer.h"

namespace webhooks {
namespace {

constexpr char kSecret[] = "whsec_plJ3nmyCDGBKInavdOK15jsl";
constexpr char kMsgId[] = "msg_loFOjxBNrRLzqYUf";
constexpr int64_t kTimestamp = 1731705121;
constexpr char kBody[] = R"({"event_type":"ping","data":{"success":true}})";
constexpr char kExpected[] = "v1,rAvfW3dJ/X/qxhsaXPOyyCGmRKsaKWcsNccKXlIktD0=";

TEST(NotifierSignerTest, MatchesSvixTestVector) {
  EXPECT_EQ(SignatureHeader(kSecret, kMsgId, kTimestamp, kBody), kExpected);
}

TEST(NotifierSignerTest, PrefixIsOptional) {
  EXPECT_EQ(SignatureHeader("plJ3nmyCDGBKInavdOK15jsl", kMsgId, kTimestamp, kBody), kExpected);
}

TEST(NotifierSignerTest, SignsIdDotTimestampDotBody) {
  std::string key = *Base64Decode("plJ3nmyCDGBKInavdOK15jsl");
  std::string manual =
      "v1," + Base64Encode(HmacSha256(
                  key, std::string(kMsgId) + "." + std::to_string(kTimestamp) + "." + kBody));
  EXPECT_EQ(manual, kExpected);
}

TEST(NotifierSignerTest, EveryInputChangesTheSignature) {
  const std::string base = SignatureHeader(kSecret, kMsgId, kTimestamp, kBody);
  EXPECT_NE(SignatureHeader("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", kMsgId, kTimestamp, kBody),
            base);
  EXPECT_NE(SignatureHeader(kSecret, "msg_other", kTimestamp, kBody), base);
  EXPECT_NE(SignatureHeader(kSecret, kMsgId, kTimestamp + 1, kBody), base);
  EXPECT_NE(SignatureHeader(kSecret, kMsgId, kTimestamp, std::string(kBody) + " "), base);
  EXPECT_EQ(SignatureHeader(kSecret, kMsgId, kTimestamp, kBody), base);  // deterministic
}

TEST(NotifierSignerTest, HeaderShape) {
  std::string header = SignatureHeader(kSecret, "dlv_1", 0, "");
  ASSERT_EQ(header.substr(0, 3), "v1,");
  auto raw = Base64Decode(header.substr(3));
  ASSERT_TRUE(raw.has_value());
  EXPECT_EQ(raw->size(), 32u);
}

TEST(NotifierSignerTest, DecodeSigningKey) {
  EXPECT_EQ(DecodeSigningKey(kSecret), Base64Decode("plJ3nmyCDGBKInavdOK15jsl"));
  EXPECT_EQ(DecodeSigningKey("whsec_AAECAw=="), std::string("\x00\x01\x02\x03", 4));
  EXPECT_EQ(DecodeSigningKey("whsec_"), std::nullopt);
  EXPECT_EQ(DecodeSigningKey(""), std::nullopt);
  EXPECT_EQ(DecodeSigningKey("whsec_not base64!"), std::nullopt);
  EXPECT_EQ(DecodeSigningKey("whsec_abc"), std::nullopt);
}

TEST(NotifierSignerTest, UndecodableSecretStillSigns) {
  std::string header = SignatureHeader("whsec_###", kMsgId, kTimestamp, kBody);
  EXPECT_EQ(header, "v1," + Base64Encode(HmacSha256("whsec_###", std::string(kMsgId) + "." +
                                                                     std::to_string(kTimestamp) +
                                                                     "." + kBody)));
}

TEST(NotifierSignerTest, Verify) {
  EXPECT_TRUE(VerifySignatureHeader(kSecret, kMsgId, kTimestamp, kBody, kExpected));
  // A rotation list: any matching v1 entry verifies.
  std::string list = std::string("v1a,abc v1,AAAA ") + kExpected;
  EXPECT_TRUE(VerifySignatureHeader(kSecret, kMsgId, kTimestamp, kBody, list));
  EXPECT_FALSE(VerifySignatureHeader(kSecret, kMsgId, kTimestamp + 1, kBody, kExpected));
  EXPECT_FALSE(VerifySignatureHeader(kSecret, kMsgId, kTimestamp, "{}", kExpected));
  EXPECT_FALSE(VerifySignatureHeader(kSecret, kMsgId, kTimestamp, kBody, ""));
  EXPECT_FALSE(VerifySignatureHeader(kSecret, kMsgId, kTimestamp, kBody, "v1,"));
  EXPECT_FALSE(VerifySignatureHeader(kSecret, kMsgId, kTimestamp, kBody, "v2,garbage"));
  EXPECT_FALSE(VerifySignatureHeader(kSecret, kMsgId, kTimestamp, kBody,
                                     "v1a,rAvfW3dJ/X/qxhsaXPOyyCGmRKsaKWcsNccKXlIktD0="));
}

}  // namespace
}  // namespace webhooks

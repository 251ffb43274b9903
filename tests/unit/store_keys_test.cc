// The key encodings of store/keys.h: big-endian numbers, per-organization keys and the seq index
// values.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "model/event_types.h"
#include "store/keys.h"
#include "tests/unit/store_lmdb_fixture.h"

namespace webhooks {
namespace {

TEST(KeysTest, EncodeU64SortsNumericallyAsBytes) {
  const std::vector<uint64_t> values = {0,
                                        1,
                                        127,
                                        128,
                                        255,
                                        256,
                                        65535,
                                        65536,
                                        0x7fffffff,
                                        0x80000000,
                                        0xffffffff,
                                        uint64_t{1} << 32,
                                        uint64_t{1} << 56,
                                        ~uint64_t{0} - 1,
                                        ~uint64_t{0}};
  for (size_t i = 0; i < values.size(); ++i) {
    std::string a = keys::EncodeU64(values[i]);
    ASSERT_EQ(a.size(), 8u);
    EXPECT_EQ(keys::DecodeU64(a), values[i]);
    for (size_t j = 0; j < values.size(); ++j) {
      std::string b = keys::EncodeU64(values[j]);
      int cmp = std::memcmp(a.data(), b.data(), 8);  // LMDB's default key order
      EXPECT_EQ(cmp < 0, values[i] < values[j]) << values[i] << " vs " << values[j];
      EXPECT_EQ(cmp == 0, values[i] == values[j]);
    }
  }
  EXPECT_EQ(keys::EncodeU64(0x0102030405060708), std::string("\x01\x02\x03\x04\x05\x06\x07\x08"));
  EXPECT_FALSE(keys::DecodeU64("").has_value());
  EXPECT_FALSE(keys::DecodeU64("1234567").has_value());
  EXPECT_FALSE(keys::DecodeU64("123456789").has_value());
}

TEST(KeysTest, SeqKeysSortByOrganizationThenSeq) {
  EXPECT_LT(keys::Seq(kOrg, 255), keys::Seq(kOrg, 256));
  EXPECT_LT(keys::Seq(kOrg, ~uint64_t{0}), keys::Seq(kOtherOrg, 0));
  EXPECT_EQ(keys::Seq(kOrg, 1).substr(0, keys::OrgPrefix(kOrg).size()), keys::OrgPrefix(kOrg));
  EXPECT_EQ(keys::OrgPrefix(kOrg), std::string(kOrg) + "/");
  EXPECT_EQ(keys::Webhook(kOrg, "wh_x"), std::string(kOrg) + "/wh_x");
  EXPECT_EQ(keys::Name(kOrg, "a"), keys::OrgPrefix(kOrg) + Sha256("a"));
  EXPECT_NE(keys::Name(kOrg, "a"), keys::Name(kOtherOrg, "a"));
}

TEST(KeysTest, SeqIndexValueRoundTrip) {
  const std::vector<keys::SeqIndexValue> values = {
      {true, 0, "wh_0000000001"},
      {false, 0xffffffffu, "wh_abcdefghij"},
      {true, 1u << 31, "w"},
      {false, EventMask({"object.created", "alert.execution.failed"}), "wh_0123456789abcdef"},
      {true, 0x00ff00ffu, std::string("wh_\0\xff", 5)},
  };
  for (const keys::SeqIndexValue& v : values) {
    std::string bytes = keys::EncodeSeqIndexValue(v);
    std::optional<keys::SeqIndexValue> back = keys::DecodeSeqIndexValue(bytes);
    ASSERT_TRUE(back.has_value()) << v.webhook_id;
    EXPECT_EQ(back->is_active, v.is_active);
    EXPECT_EQ(back->event_mask, v.event_mask);
    EXPECT_EQ(back->webhook_id, v.webhook_id);
  }
  EXPECT_FALSE(keys::DecodeSeqIndexValue("").has_value());
  EXPECT_FALSE(keys::DecodeSeqIndexValue("\x01\x02\x03\x04\x05").has_value());
}

}  // namespace
}  // namespace webhooks

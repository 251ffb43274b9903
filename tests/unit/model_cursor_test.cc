// List cursors (model/cursor.h): round trips, and that only what EncodeCursor wrote decodes.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/crypto.h"
#include "model/cursor.h"

namespace webhooks {
namespace {

TEST(CursorTest, RoundTrip) {
  for (uint64_t seq : {uint64_t{0}, uint64_t{1}, uint64_t{42}, uint64_t{1000000}, uint64_t{1} << 53,
                       ~uint64_t{0} - 1, ~uint64_t{0}}) {
    std::string cursor = EncodeCursor(seq);
    EXPECT_FALSE(cursor.empty());
    EXPECT_LE(cursor.size(), 64u);
    EXPECT_EQ(cursor.find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos)
        << cursor;
    EXPECT_EQ(DecodeCursor(cursor), seq) << cursor;
  }
  EXPECT_NE(EncodeCursor(1), EncodeCursor(2));
}

TEST(CursorTest, RejectsGarbage) {
  for (const std::string& bad : {std::string(""),
                                 std::string("garbage!"),
                                 std::string("===="),
                                 std::string("c1:5"),
                                 std::string(65, 'A'),
                                 Base64UrlEncode("abc"),
                                 Base64UrlEncode("c2:5"),
                                 Base64UrlEncode("C1:5"),
                                 Base64UrlEncode("c1:"),
                                 Base64UrlEncode("c1:abc"),
                                 Base64UrlEncode("c1:5x"),
                                 Base64UrlEncode("c1:-5"),
                                 Base64UrlEncode("c1:+5"),
                                 Base64UrlEncode("c1: 5"),
                                 Base64UrlEncode("c1:5 "),
                                 Base64UrlEncode("c1:1.5"),
                                 Base64UrlEncode("c1:18446744073709551616"),
                                 Base64UrlEncode(std::string("c1:5\0", 5)),
                                 EncodeCursor(42) + "!",
                                 EncodeCursor(42) + "=",
                                 EncodeCursor(42) + "+",
                                 "/" + EncodeCursor(42)}) {
    EXPECT_FALSE(DecodeCursor(bad).has_value()) << "[" << bad << "]";
  }
}

TEST(CursorTest, RejectsTamperedVersionPrefix) {
  // The first four characters encode "c1:"; changing any of them must not give a cursor.
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const std::string good = EncodeCursor(123456);
  for (size_t i = 0; i < 4; ++i) {
    for (char c : kAlphabet) {
      if (c == good[i]) continue;
      std::string tampered = good;
      tampered[i] = c;
      EXPECT_FALSE(DecodeCursor(tampered).has_value()) << tampered;
    }
  }
}

TEST(CursorTest, RejectsNonCanonicalCursors) {
  // Only strings EncodeCursor produced decode (cursor.h): no leading zeros, no stray pad bits.
  std::string good = EncodeCursor(42);  // "YzE6NDI"
  std::string stray_bits = good;
  stray_bits.back() = static_cast<char>(stray_bits.back() + 1);
  for (const std::string& bad : {stray_bits, Base64UrlEncode("c1:007"), Base64UrlEncode("c1:00"),
                                 Base64UrlEncode("c1:042")}) {
    std::optional<uint64_t> seq = DecodeCursor(bad);
    EXPECT_FALSE(seq.has_value()) << bad << " decoded to " << *seq;
  }
}

}  // namespace
}  // namespace webhooks

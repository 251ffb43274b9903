// common/crypto: SHA-256, HMAC-SHA256 (per-thread keyed contexts), randomness, encodings.
#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/crypto.h"

namespace webhooks {
namespace {

TEST(CryptoTest, Sha256KnownVectors) {
  EXPECT_EQ(Sha256("abc").size(), 32u);
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexEncode(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(CryptoTest, HmacSha256Rfc4231) {
  // Test case 1.
  EXPECT_EQ(HexEncode(HmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 2.
  std::string mac = HmacSha256("Jefe", "what do ya want for nothing?");
  EXPECT_EQ(mac.size(), 32u);
  EXPECT_EQ(HexEncode(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a key longer than the block size.
  EXPECT_EQ(HexEncode(HmacSha256(std::string(131, '\xaa'),
                                 "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(CryptoTest, HexEncode) {
  EXPECT_EQ(HexEncode(""), "");
  EXPECT_EQ(HexEncode(std::string("\x00\xff\x10\xab", 4)), "00ff10ab");
}

TEST(CryptoTest, RandomBytesAndAlphanumeric) {
  EXPECT_EQ(RandomBytes(0), "");
  EXPECT_EQ(RandomBytes(32).size(), 32u);
  EXPECT_NE(RandomBytes(32), RandomBytes(32));
  EXPECT_EQ(RandomAlphanumeric(0), "");
  // 12400 draws: each of the 62 characters shows up (a miss has probability ~e^-200).
  std::string s = RandomAlphanumeric(62 * 200);
  ASSERT_EQ(s.size(), 62u * 200);
  std::set<char> seen(s.begin(), s.end());
  EXPECT_EQ(seen.size(), 62u);
  for (char c : seen) {
    EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) << c;
  }
}

TEST(CryptoTest, Base64Rfc4648Vectors) {
  const std::pair<std::string_view, std::string_view> kVectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : kVectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    EXPECT_EQ(Base64Decode(encoded), std::string(plain)) << encoded;
    std::string url(encoded);
    while (!url.empty() && url.back() == '=') url.pop_back();
    EXPECT_EQ(Base64UrlEncode(plain), url);
    EXPECT_EQ(Base64UrlDecode(url), std::string(plain)) << url;
  }
  EXPECT_EQ(Base64Encode("\xfb\xff\xfe"), "+//+");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff\xfe"), "-__-");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(Base64UrlDecode("-_8"), "\xfb\xff");
}

TEST(CryptoTest, Base64RoundTripsArbitraryBytes) {
  for (size_t n = 0; n <= 100; ++n) {
    std::string bytes = RandomBytes(n);
    std::string std_text = Base64Encode(bytes);
    EXPECT_EQ(std_text.size() % 4, 0u);
    EXPECT_EQ(Base64Decode(std_text), bytes) << std_text;
    std::string url_text = Base64UrlEncode(bytes);
    EXPECT_EQ(url_text.find_first_of("+/="), std::string::npos) << url_text;
    EXPECT_EQ(Base64UrlDecode(url_text), bytes) << url_text;
  }
}

TEST(CryptoTest, Base64RejectsGarbage) {
  for (std::string_view bad : {"Zm9", "Zm9vY", "Zm9v!!!!", "@@@@", "Zm9v\n", "Zm 9",
                               "Zm9vYg=", "\xc3\xa9\xc3\xa9", "Zm9v\nZm9v", "Zm-v", "Zm_v"}) {
    EXPECT_FALSE(Base64Decode(bad).has_value()) << bad;
  }
  for (std::string_view bad : {"Zm+v", "Zm/v", "Zg==", "Zg=", "Zm 9", "!!", "Zm9v\n", "Zm.v"}) {
    EXPECT_FALSE(Base64UrlDecode(bad).has_value()) << bad;
  }
}

TEST(CryptoTest, Base64RejectsMisplacedPaddingAndWhitespace) {
  // '=' may only end the text, and nothing may surround the encoded characters.
  for (std::string_view bad : {"Zg=a", "Zg==Zg==", "====", "Z===", "Zm9v    ", "Zm9v\t\t\t\t"}) {
    std::optional<std::string> decoded = Base64Decode(bad);
    EXPECT_FALSE(decoded.has_value()) << "[" << bad << "] decoded to " << HexEncode(*decoded);
  }
  // A single leftover character carries only 6 bits: not a whole byte.
  for (std::string_view bad : {"Y", "Zm9vY"}) {
    std::optional<std::string> decoded = Base64UrlDecode(bad);
    EXPECT_FALSE(decoded.has_value()) << "[" << bad << "] decoded to " << HexEncode(*decoded);
  }
}

// HmacSha256 keeps a keyed context per key and thread: the answers must not depend on what was
// signed before, with which key, or on which thread.
TEST(CryptoTest, HmacSha256IsTheSameWhateverCameBefore) {
  const std::string k1(20, '\x0b'), k2 = "Jefe";
  const std::string want1 = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";
  const std::string want2 = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(HexEncode(HmacSha256(k1, "Hi There")), want1);
    EXPECT_EQ(HexEncode(HmacSha256(k2, "what do ya want for nothing?")), want2);
    EXPECT_EQ(HexEncode(HmacSha256(k1, "Hi There")), want1);
  }
  // The empty key, also as a null string_view.
  const std::string empty_key_mac =
      "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad";
  EXPECT_EQ(HexEncode(HmacSha256("", "")), empty_key_mac);
  EXPECT_EQ(HexEncode(HmacSha256(k1, "Hi There")), want1);
  EXPECT_EQ(HexEncode(HmacSha256(std::string_view(), "")), empty_key_mac);
}

TEST(CryptoTest, HmacSha256AfterManyKeys) {
  // More keys than the per-thread cache holds: evicted keys are set up again when they return.
  std::vector<std::string> first;
  for (int i = 0; i < 1500; ++i) {
    std::string key = "key-" + std::to_string(i);
    std::string mac = HmacSha256(key, "message");
    if (i < 10) first.push_back(mac);
  }
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(HmacSha256("key-" + std::to_string(i), "message"), first[i]);
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(CryptoTest, HashesAgreeAcrossThreads) {
  const std::string mac = HmacSha256("Jefe", "what do ya want for nothing?");
  const std::string sha = Sha256("abc");
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        if (HmacSha256("Jefe", "what do ya want for nothing?") != mac) ++mismatches[t];
        if (HmacSha256("other-" + std::to_string(i % 7), "x").size() != 32) ++mismatches[t];
        if (Sha256("abc") != sha) ++mismatches[t];
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace webhooks

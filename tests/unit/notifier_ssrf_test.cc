// The SSRF guard: CIDR parsing, the forbidden ranges, and guarded resolution. No network DNS:
// only IP literals and "localhost" (from /etc/hosts).
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "notifier/ssrf_guard.h"

namespace webhooks {
namespace {

IpBytes Ip(const char* text) {
  std::optional<IpBytes> ip = ParseIpAddress(text);
  EXPECT_TRUE(ip.has_value()) << text;
  return ip.value_or(IpBytes{});
}

std::vector<Cidr> Allow(std::initializer_list<const char*> cidrs) {
  std::vector<Cidr> out;
  for (const char* c : cidrs) out.push_back(*Cidr::Parse(c));
  return out;
}

TEST(NotifierSsrfTest, ParsesAddresses) {
  EXPECT_TRUE(ParseIpAddress("8.8.8.8").has_value());
  EXPECT_TRUE(ParseIpAddress("::1").has_value());
  EXPECT_TRUE(ParseIpAddress("[::1]").has_value());
  EXPECT_TRUE(ParseIpAddress("2606:4700::1111").has_value());
  EXPECT_EQ(ParseIpAddress("8.8.8.8"), ParseIpAddress("::ffff:8.8.8.8"));
  for (const char* bad : {"", "[]", "localhost", "127.1", "1.2.3.256", "1.2.3.4.5", "::1%lo",
                          "[::1", "0x7f.0.0.1", "1.2.3.4/8", " 1.2.3.4", "gggg::"}) {
    EXPECT_FALSE(ParseIpAddress(bad).has_value()) << bad;
  }
}

TEST(NotifierSsrfTest, FormatsAddresses) {
  EXPECT_EQ(IpToString(Ip("8.8.8.8")), "8.8.8.8");
  EXPECT_EQ(IpToString(Ip("::ffff:127.0.0.1")), "127.0.0.1");
  EXPECT_EQ(IpToString(Ip("2606:4700:0:0:0:0:0:1111")), "2606:4700::1111");
  EXPECT_EQ(IpToString(Ip("[::1]")), "::1");
}

TEST(NotifierSsrfTest, CidrParse) {
  struct Case {
    const char* text;
    const char* canonical;
  };
  const Case kCases[] = {
      {"10.0.0.0/8", "10.0.0.0/8"},
      {"10.1.2.3/8", "10.0.0.0/8"},
      {"127.0.0.1", "127.0.0.1/32"},
      {"0.0.0.0/0", "0.0.0.0/0"},
      {"::1/128", "::1/128"},
      {"::1", "::1/128"},
      {"fc00::/7", "fc00::/7"},
      {"fd12:3456::1/16", "fd12::/16"},
      {"::/0", "::/0"},
      {"[2001:db8::]/32", "2001:db8::/32"},
      {"192.168.1.0/24", "192.168.1.0/24"},
      {"::ffff:10.0.0.0/104", "10.0.0.0/8"},
  };
  for (const Case& c : kCases) {
    absl::StatusOr<Cidr> cidr = Cidr::Parse(c.text);
    ASSERT_TRUE(cidr.ok()) << c.text << ": " << cidr.status();
    EXPECT_EQ(cidr->ToString(), c.canonical) << c.text;
  }
  for (const char* bad : {"", "/8", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/-1",
                          "10.0.0.0/8/8", "10.0.0.0/x", "host/8", "10.0.0.0/0008", "10/8"}) {
    absl::StatusOr<Cidr> cidr = Cidr::Parse(bad);
    EXPECT_EQ(cidr.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(NotifierSsrfTest, CidrContains) {
  Cidr v4 = *Cidr::Parse("10.0.0.0/8");
  EXPECT_TRUE(v4.Contains("10.0.0.0"));
  EXPECT_TRUE(v4.Contains("10.255.255.255"));
  EXPECT_TRUE(v4.Contains("::ffff:10.1.1.1"));
  EXPECT_FALSE(v4.Contains("11.0.0.0"));
  EXPECT_FALSE(v4.Contains("9.255.255.255"));
  EXPECT_FALSE(v4.Contains("::a00:1"));
  EXPECT_FALSE(v4.Contains("not an address"));
  Cidr v6 = *Cidr::Parse("fe80::/10");
  EXPECT_TRUE(v6.Contains("fe80::1"));
  EXPECT_TRUE(v6.Contains("febf:ffff::1"));
  EXPECT_FALSE(v6.Contains("fec0::1"));
  EXPECT_FALSE(v6.Contains("10.0.0.1"));
  Cidr odd = *Cidr::Parse("100.64.0.0/10");
  EXPECT_TRUE(odd.Contains("100.127.255.255"));
  EXPECT_FALSE(odd.Contains("100.128.0.0"));
  EXPECT_TRUE(Cidr::Parse("0.0.0.0/0")->Contains("203.0.113.9"));
  EXPECT_FALSE(Cidr::Parse("0.0.0.0/0")->Contains("2001:db8::1"));
  EXPECT_TRUE(Cidr::Parse("::/0")->Contains("203.0.113.9"));
  EXPECT_TRUE(Cidr::Parse("1.2.3.4")->Contains("1.2.3.4"));
  EXPECT_FALSE(Cidr::Parse("1.2.3.4")->Contains("1.2.3.5"));
}

struct RangeCase {
  const char* address;
  const char* reason;  // substring of ForbiddenReason; nullptr when the address is public
};

TEST(NotifierSsrfTest, ForbiddenRanges) {
  const RangeCase kCases[] = {
      // IPv4.
      {"0.0.0.0", "unspecified"},
      {"0.255.255.255", "unspecified"},
      {"10.0.0.1", "private"},
      {"10.255.255.255", "private"},
      {"100.64.0.1", "carrier-grade NAT"},
      {"100.127.255.254", "carrier-grade NAT"},
      {"127.0.0.1", "loopback"},
      {"127.255.255.254", "loopback"},
      {"169.254.169.254", "link-local"},
      {"169.254.0.1", "link-local"},
      {"172.16.0.1", "private"},
      {"172.31.255.255", "private"},
      {"192.0.0.1", "IETF protocol"},
      {"192.0.0.255", "IETF protocol"},
      {"192.0.2.1", "documentation"},
      {"192.88.99.1", "6to4 relay"},
      {"192.168.0.1", "private"},
      {"192.168.255.255", "private"},
      {"198.18.0.1", "benchmarking"},
      {"198.19.255.255", "benchmarking"},
      {"198.51.100.7", "documentation"},
      {"203.0.113.9", "documentation"},
      {"224.0.0.1", "multicast"},
      {"239.255.255.250", "multicast"},
      {"240.0.0.1", "reserved"},
      {"254.1.1.1", "reserved"},
      {"255.255.255.255", "broadcast"},
      // IPv4 neighbours that are public.
      {"8.8.8.8", nullptr},
      {"1.1.1.1", nullptr},
      {"9.255.255.255", nullptr},
      {"11.0.0.0", nullptr},
      {"100.63.255.255", nullptr},
      {"100.128.0.0", nullptr},
      {"126.255.255.255", nullptr},
      {"128.0.0.0", nullptr},
      {"169.253.255.255", nullptr},
      {"169.255.0.0", nullptr},
      {"172.15.255.255", nullptr},
      {"172.32.0.0", nullptr},
      {"192.0.1.1", nullptr},
      {"192.0.3.0", nullptr},
      {"192.88.98.255", nullptr},
      {"192.167.255.255", nullptr},
      {"192.169.0.0", nullptr},
      {"198.17.255.255", nullptr},
      {"198.20.0.0", nullptr},
      {"198.51.99.255", nullptr},
      {"203.0.112.255", nullptr},
      {"223.255.255.255", nullptr},
      // IPv6.
      {"::", "unspecified"},
      {"::1", "loopback"},
      {"::ffff:127.0.0.1", "loopback"},
      {"::ffff:10.0.0.1", "private"},
      {"::ffff:169.254.169.254", "link-local"},
      {"::ffff:0.0.0.0", "unspecified"},
      {"64:ff9b::7f00:1", "NAT64"},
      {"64:ff9b::8.8.8.8", "NAT64"},
      {"64:ff9b:1::1", "NAT64"},
      {"64:ff9b:1:ffff::1", "NAT64"},
      {"::7f00:1", "reserved"},
      {"::127.0.0.1", "reserved"},
      {"100::1", "discard"},
      {"100::ffff:ffff:ffff:ffff", "discard"},
      {"2001::1", "IETF protocol"},
      {"2001:1ff:ffff::1", "IETF protocol"},
      {"2001:db8::1", "documentation"},
      {"2001:db8:ffff::1", "documentation"},
      {"2002::1", "6to4"},
      {"2002:7f00:1::1", "6to4"},
      {"2002:808:808::1", "6to4"},
      {"3fff::1", "documentation"},
      {"3fff:fff::1", "documentation"},
      {"5f00::1", "segment routing"},
      {"5f00:ffff::1", "segment routing"},
      {"fc00::1", "unique local"},
      {"fdff:ffff::1", "unique local"},
      {"fe80::1", "link-local"},
      {"febf::1", "link-local"},
      {"fec0::1", "site-local"},
      {"ff02::1", "multicast"},
      {"ff0e::1", "multicast"},
      // IPv6 public.
      {"2606:4700::1111", nullptr},
      {"2001:4860:4860::8888", nullptr},
      {"2001:200::1", nullptr},
      {"2001:db9::1", nullptr},
      {"2003::1", nullptr},
      {"3fff:1000::1", nullptr},
      {"5f01::1", nullptr},
      {"100:0:0:1::1", nullptr},
      {"64:ff9b:2::1", "reserved"},
      {"::ffff:8.8.8.8", nullptr},
  };
  for (const RangeCase& c : kCases) {
    std::optional<std::string> reason = ForbiddenReason(Ip(c.address));
    if (c.reason == nullptr) {
      EXPECT_FALSE(reason.has_value()) << c.address << ": " << reason.value_or("");
      EXPECT_FALSE(IsForbiddenAddress(Ip(c.address))) << c.address;
    } else {
      ASSERT_TRUE(reason.has_value()) << c.address;
      EXPECT_NE(reason->find(c.reason), std::string::npos) << c.address << ": " << *reason;
      EXPECT_TRUE(IsForbiddenAddress(Ip(c.address))) << c.address;
    }
  }
}

TEST(NotifierSsrfTest, TranslationReasonsNameEmbeddedAddress) {
  EXPECT_EQ(ForbiddenReason(Ip("64:ff9b::7f00:1")), "NAT64 address embedding 127.0.0.1 (loopback)");
  EXPECT_EQ(ForbiddenReason(Ip("64:ff9b::8.8.8.8")), "NAT64 address");
  EXPECT_EQ(ForbiddenReason(Ip("2002:a9fe:a9fe::")),
            "6to4 address embedding 169.254.169.254 (link-local (cloud metadata))");
}

TEST(NotifierSsrfTest, SockaddrForms) {
  sockaddr_storage ss{};
  auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
  sin->sin_family = AF_INET;
  inet_pton(AF_INET, "169.254.169.254", &sin->sin_addr);
  EXPECT_TRUE(IsForbiddenAddress(ss));
  inet_pton(AF_INET, "8.8.4.4", &sin->sin_addr);
  EXPECT_FALSE(IsForbiddenAddress(ss));
  EXPECT_EQ(IpToString(*IpFromSockaddr(ss)), "8.8.4.4");

  ss = {};
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
  sin6->sin6_family = AF_INET6;
  inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6->sin6_addr);
  EXPECT_TRUE(IsForbiddenAddress(ss));
  inet_pton(AF_INET6, "2606:4700::1111", &sin6->sin6_addr);
  EXPECT_FALSE(IsForbiddenAddress(ss));

  ss = {};
  ss.ss_family = AF_UNIX;
  EXPECT_TRUE(IsForbiddenAddress(ss));
  EXPECT_FALSE(IpFromSockaddr(ss).has_value());
}

TEST(NotifierSsrfTest, AllowListOverrides) {
  EXPECT_FALSE(IsAllowedAddress(Ip("127.0.0.1"), {}));
  EXPECT_TRUE(IsAllowedAddress(Ip("127.0.0.1"), Allow({"127.0.0.0/8"})));
  EXPECT_TRUE(IsAllowedAddress(Ip("::ffff:127.0.0.1"), Allow({"127.0.0.0/8"})));
  EXPECT_FALSE(IsAllowedAddress(Ip("::1"), Allow({"127.0.0.0/8"})));
  EXPECT_TRUE(IsAllowedAddress(Ip("::1"), Allow({"::1/128"})));
  EXPECT_TRUE(IsAllowedAddress(Ip("10.1.2.3"), Allow({"192.168.0.0/16", "10.1.0.0/16"})));
  EXPECT_FALSE(IsAllowedAddress(Ip("10.2.0.1"), Allow({"10.1.0.0/16"})));
  EXPECT_TRUE(IsAllowedAddress(Ip("8.8.8.8"), Allow({"10.0.0.0/8"})));
  // NAT64 is refused even when its embedded IPv4 is allowed; allowing the prefix permits it.
  EXPECT_FALSE(IsAllowedAddress(Ip("64:ff9b::7f00:1"), Allow({"127.0.0.0/8"})));
  EXPECT_TRUE(IsAllowedAddress(Ip("64:ff9b::7f00:1"), Allow({"64:ff9b::/96"})));
}

TEST(NotifierSsrfTest, ResolveLiterals) {
  EXPECT_EQ(*ResolveGuarded("8.8.8.8", 443, {}), "8.8.8.8");
  EXPECT_EQ(*ResolveGuarded("2606:4700::1111", 443, {}), "2606:4700::1111");
  EXPECT_EQ(*ResolveGuarded("[2606:4700::1111]", 443, {}), "2606:4700::1111");
  EXPECT_EQ(*ResolveGuarded("127.0.0.1", 8080, Allow({"127.0.0.0/8"})), "127.0.0.1");
  EXPECT_EQ(*ResolveGuarded("[::1]", 8080, Allow({"::1/128"})), "::1");
}

TEST(NotifierSsrfTest, RefusedLiteralsNameAddressAndReason) {
  struct Case {
    const char* host;
    const char* message;
  };
  const Case kCases[] = {
      {"127.0.0.1", "refused by SSRF guard: 127.0.0.1 is loopback; use --allow-cidr to permit it"},
      {"169.254.169.254",
       "refused by SSRF guard: 169.254.169.254 is link-local (cloud metadata); use --allow-cidr "
       "to permit it"},
      {"[::1]", "refused by SSRF guard: ::1 is loopback; use --allow-cidr to permit it"},
      {"::ffff:127.0.0.1",
       "refused by SSRF guard: ::ffff:127.0.0.1 is loopback; use --allow-cidr to permit it"},
      {"64:ff9b::7f00:1",
       "refused by SSRF guard: 64:ff9b::7f00:1 is NAT64 address embedding 127.0.0.1 "
       "(loopback); use --allow-cidr to permit it"},
      {"10.0.0.5",
       "refused by SSRF guard: 10.0.0.5 is private (RFC 1918); use --allow-cidr to permit it"},
  };
  for (const Case& c : kCases) {
    absl::StatusOr<std::string> r = ResolveGuarded(c.host, 80, {});
    EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied) << c.host;
    EXPECT_EQ(r.status().message(), c.message) << c.host;
  }
  // An allow list for other ranges does not help.
  EXPECT_EQ(ResolveGuarded("127.0.0.1", 80, Allow({"10.0.0.0/8"})).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(NotifierSsrfTest, ResolveLocalhost) {
  absl::StatusOr<std::string> refused = ResolveGuarded("localhost", 80, {});
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied) << refused.status();
  std::string message(refused.status().message());
  EXPECT_EQ(message.rfind("refused by SSRF guard: localhost resolves to ", 0), 0u) << message;
  EXPECT_NE(message.find("(loopback)"), std::string::npos) << message;
  EXPECT_NE(message.find("use --allow-cidr to permit it"), std::string::npos) << message;

  absl::StatusOr<std::string> allowed = ResolveGuarded("localhost", 80, Allow({"127.0.0.0/8"}));
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  EXPECT_EQ(*allowed, "127.0.0.1");
}

TEST(NotifierSsrfTest, ResolveErrors) {
  EXPECT_EQ(ResolveGuarded("", 80, {}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ResolveGuarded("[]", 80, {}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ResolveGuarded("8.8.8.8", 0, {}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ResolveGuarded("8.8.8.8", 65536, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  // (Unavailable for names that do not resolve is not tested: it needs a DNS query.)
}

}  // namespace
}  // namespace webhooks

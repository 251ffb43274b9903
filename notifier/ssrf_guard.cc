#include "notifier/ssrf_guard.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>

namespace webhooks {
namespace {

struct Rule {
  const char* cidr;
  const char* reason;
};

// IPv4 blocks (RFC 6890 special-purpose registry and friends). Order matters only for the
// reason reported: 255.255.255.255 comes before 240.0.0.0/4.
constexpr Rule kIpv4Rules[] = {
    {"0.0.0.0/8", "unspecified ('this network')"},
    {"10.0.0.0/8", "private (RFC 1918)"},
    {"100.64.0.0/10", "carrier-grade NAT (RFC 6598)"},
    {"127.0.0.0/8", "loopback"},
    {"169.254.0.0/16", "link-local (cloud metadata)"},
    {"172.16.0.0/12", "private (RFC 1918)"},
    {"192.0.0.0/24", "IETF protocol assignments"},
    {"192.0.2.0/24", "documentation (TEST-NET-1)"},
    {"192.88.99.0/24", "6to4 relay anycast"},
    {"192.168.0.0/16", "private (RFC 1918)"},
    {"198.18.0.0/15", "benchmarking"},
    {"198.51.100.0/24", "documentation (TEST-NET-2)"},
    {"203.0.113.0/24", "documentation (TEST-NET-3)"},
    {"224.0.0.0/4", "multicast"},
    {"255.255.255.255/32", "broadcast"},
    {"240.0.0.0/4", "reserved"},
};

// IPv6 blocks other than the IPv4-mapped, NAT64 and 6to4 ones (handled in ForbiddenReason).
constexpr Rule kIpv6Rules[] = {
    {"::/128", "unspecified"},
    {"::1/128", "loopback"},
    {"::/8", "reserved (incl. IPv4-compatible)"},
    {"100::/64", "discard-only"},
    {"2001::/23", "IETF protocol assignments"},
    {"2001:db8::/32", "documentation"},
    {"3fff::/20", "documentation"},
    {"5f00::/16", "segment routing (SRv6)"},
    {"fc00::/7", "unique local (private)"},
    {"fe80::/10", "link-local"},
    {"fec0::/10", "site-local (deprecated)"},
    {"ff00::/8", "multicast"},
};

struct CompiledRule {
  Cidr cidr;
  const char* reason;
};

template <size_t N>
std::vector<CompiledRule> Compile(const Rule (&rules)[N]) {
  std::vector<CompiledRule> out;
  for (const Rule& r : rules) out.push_back({*Cidr::Parse(r.cidr), r.reason});
  return out;
}

const std::vector<CompiledRule>& Ipv4Rules() {
  static const auto* rules = new std::vector<CompiledRule>(Compile(kIpv4Rules));
  return *rules;
}

const std::vector<CompiledRule>& Ipv6Rules() {
  static const auto* rules = new std::vector<CompiledRule>(Compile(kIpv6Rules));
  return *rules;
}

const char* FirstMatch(const std::vector<CompiledRule>& rules, const IpBytes& ip) {
  for (const CompiledRule& r : rules) {
    if (r.cidr.Contains(ip)) return r.reason;
  }
  return nullptr;
}

// ::ffff:a.b.c.d for the IPv4 address in `b[0..3]`.
IpBytes MapV4(const uint8_t* b) {
  IpBytes ip{};
  ip[10] = 0xff;
  ip[11] = 0xff;
  std::memcpy(ip.data() + 12, b, 4);
  return ip;
}

bool IsV4Mapped(const IpBytes& ip) {
  static const IpBytes kZero{};
  return std::memcmp(ip.data(), kZero.data(), 10) == 0 && ip[10] == 0xff && ip[11] == 0xff;
}

// Why a translation address (NAT64 / 6to4) is refused, naming its embedded IPv4 address.
std::string TranslationReason(const char* kind, const uint8_t* v4) {
  IpBytes embedded = MapV4(v4);
  std::string reason = std::string(kind) + " address";
  if (const char* why = FirstMatch(Ipv4Rules(), embedded)) {
    reason += " embedding " + IpToString(embedded) + " (" + why + ")";
  }
  return reason;
}

}  // namespace

std::optional<IpBytes> ParseIpAddress(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  std::string s(text);
  uint8_t v4[4];
  if (inet_pton(AF_INET, s.c_str(), v4) == 1) return MapV4(v4);
  IpBytes ip{};
  if (inet_pton(AF_INET6, s.c_str(), ip.data()) == 1) return ip;
  return std::nullopt;
}

std::optional<IpBytes> IpFromSockaddr(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&addr);
    return MapV4(reinterpret_cast<const uint8_t*>(&sin->sin_addr));
  }
  if (addr.ss_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    IpBytes ip;
    std::memcpy(ip.data(), &sin6->sin6_addr, 16);
    return ip;
  }
  return std::nullopt;
}

std::string IpToString(const IpBytes& ip) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (IsV4Mapped(ip)) {
    inet_ntop(AF_INET, ip.data() + 12, buf, sizeof(buf));
  } else {
    inet_ntop(AF_INET6, ip.data(), buf, sizeof(buf));
  }
  return buf;
}

absl::StatusOr<Cidr> Cidr::Parse(std::string_view text) {
  size_t slash = text.find('/');
  std::optional<IpBytes> ip = ParseIpAddress(text.substr(0, slash));
  if (!ip) {
    return absl::InvalidArgumentError("bad CIDR '" + std::string(text) +
                                      "': expected an IP address or address/prefix, e.g. "
                                      "10.0.0.0/8 or fc00::/7");
  }
  const bool v4 = IsV4Mapped(*ip) && text.substr(0, slash).find(':') == std::string_view::npos;
  const int max_len = v4 ? 32 : 128;
  int len = max_len;
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), len);
    if (digits.empty() || digits.size() > 3 || ec != std::errc() ||
        end != digits.data() + digits.size() || len < 0 || len > max_len) {
      return absl::InvalidArgumentError("bad CIDR '" + std::string(text) +
                                        "': prefix length must be 0.." + std::to_string(max_len));
    }
  }
  Cidr cidr;
  cidr.prefix_len = v4 ? len + 96 : len;
  for (int i = 0; i < 16; ++i) {
    int bits = std::clamp(cidr.prefix_len - 8 * i, 0, 8);
    uint8_t mask = bits == 0 ? 0 : static_cast<uint8_t>(0xFF << (8 - bits));
    cidr.network[i] = (*ip)[i] & mask;
  }
  return cidr;
}

bool Cidr::Contains(const IpBytes& ip) const {
  for (int i = 0; i < 16; ++i) {
    int bits = std::clamp(prefix_len - 8 * i, 0, 8);
    if (bits == 0) return true;
    uint8_t mask = static_cast<uint8_t>(0xFF << (8 - bits));
    if ((ip[i] & mask) != network[i]) return false;
  }
  return true;
}

bool Cidr::Contains(std::string_view address) const {
  std::optional<IpBytes> ip = ParseIpAddress(address);
  return ip && Contains(*ip);
}

std::string Cidr::ToString() const {
  if (prefix_len >= 96 && IsV4Mapped(network)) {
    return IpToString(network) + "/" + std::to_string(prefix_len - 96);
  }
  return IpToString(network) + "/" + std::to_string(prefix_len);
}

std::optional<std::string> ForbiddenReason(const IpBytes& ip) {
  static const Cidr kNat64 = *Cidr::Parse("64:ff9b::/96");
  static const Cidr kNat64Local = *Cidr::Parse("64:ff9b:1::/48");
  static const Cidr k6to4 = *Cidr::Parse("2002::/16");
  if (IsV4Mapped(ip)) {
    if (const char* why = FirstMatch(Ipv4Rules(), ip)) return why;
    return std::nullopt;
  }
  if (kNat64.Contains(ip)) return TranslationReason("NAT64", ip.data() + 12);
  if (kNat64Local.Contains(ip)) return TranslationReason("NAT64 (local-use)", ip.data() + 12);
  if (k6to4.Contains(ip)) return TranslationReason("6to4", ip.data() + 2);
  if (const char* why = FirstMatch(Ipv6Rules(), ip)) return why;
  return std::nullopt;
}

bool IsForbiddenAddress(const IpBytes& ip) { return ForbiddenReason(ip).has_value(); }

bool IsForbiddenAddress(const sockaddr_storage& addr) {
  std::optional<IpBytes> ip = IpFromSockaddr(addr);
  return !ip || IsForbiddenAddress(*ip);
}

bool IsAllowedAddress(const IpBytes& ip, const std::vector<Cidr>& allow) {
  for (const Cidr& c : allow) {
    if (c.Contains(ip)) return true;
  }
  return !IsForbiddenAddress(ip);
}

absl::StatusOr<std::string> ResolveGuarded(const std::string& host, int port,
                                           const std::vector<Cidr>& allow) {
  std::string name = host;
  if (name.size() >= 2 && name.front() == '[' && name.back() == ']') {
    name = name.substr(1, name.size() - 2);
  }
  if (name.empty()) return absl::InvalidArgumentError("empty host name");
  if (port < 1 || port > 65535) {
    return absl::InvalidArgumentError("port out of range: " + std::to_string(port));
  }
  const bool literal = ParseIpAddress(name).has_value();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (literal ? AI_NUMERICHOST : 0);
  addrinfo* raw = nullptr;
  int rc = getaddrinfo(name.c_str(), std::to_string(port).c_str(), &hints, &raw);
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(raw, &freeaddrinfo);
  if (rc != 0) {
    std::string why = rc == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(rc);
    return absl::UnavailableError("cannot resolve host '" + name + "': " + why);
  }
  std::string refused;
  for (const addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    sockaddr_storage ss{};
    std::memcpy(&ss, ai->ai_addr, std::min<size_t>(ai->ai_addrlen, sizeof(ss)));
    std::optional<IpBytes> ip = IpFromSockaddr(ss);
    if (!ip) continue;
    if (IsAllowedAddress(*ip, allow)) return IpToString(*ip);
    const std::string reason = ForbiddenReason(*ip).value_or("forbidden");
    if (literal) {
      return absl::PermissionDeniedError("refused by SSRF guard: " + name + " is " + reason +
                                         "; use --allow-cidr to permit it");
    }
    const std::string what = IpToString(*ip) + " (" + reason + ")";
    if (refused.find(what) == std::string::npos) refused += (refused.empty() ? "" : ", ") + what;
  }
  if (refused.empty()) return absl::UnavailableError("no usable address for host '" + name + "'");
  return absl::PermissionDeniedError("refused by SSRF guard: " + name + " resolves to " + refused +
                                     "; use --allow-cidr to permit it");
}

}  // namespace webhooks

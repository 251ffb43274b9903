// The SSRF guard: webhook targets must not reach loopback, private, link-local (cloud metadata),
// CGNAT, multicast, documentation, reserved or translation addresses unless the operator allows
// them (--allow-cidr). Addresses are checked after resolution, and the caller pins the connection
// to the vetted address (CURLOPT_RESOLVE) so DNS rebinding cannot swap it afterwards.
//
// IPv4 addresses are handled in their IPv4-mapped IPv6 form (::ffff:a.b.c.d): an IPv4 CIDR such
// as 127.0.0.0/8 is ::ffff:127.0.0.0/104, and so also matches ::ffff:127.0.0.1.
#ifndef WEBHOOKS_NOTIFIER_SSRF_GUARD_H_
#define WEBHOOKS_NOTIFIER_SSRF_GUARD_H_

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace webhooks {

// An address as 16 bytes in network order; IPv4 as ::ffff:a.b.c.d.
using IpBytes = std::array<uint8_t, 16>;

// Parses an IP literal: dotted-quad IPv4, or IPv6 (optionally in brackets). No host names, no
// zone ids, no legacy IPv4 forms ("127.1"). nullopt otherwise.
std::optional<IpBytes> ParseIpAddress(std::string_view text);

// The address of a sockaddr_in / sockaddr_in6; nullopt for other families.
std::optional<IpBytes> IpFromSockaddr(const sockaddr_storage& addr);

// Text of an address: dotted quad for IPv4 (also for ::ffff:a.b.c.d), RFC 5952 IPv6 otherwise.
std::string IpToString(const IpBytes& ip);

struct Cidr {
  IpBytes network{};   // host bits zeroed
  int prefix_len = 0;  // 0..128, over the 16-byte form (an IPv4 /8 is 104)

  // "10.0.0.0/8", "::1/128", "fc00::/7" or a bare address (a single-address block). Host bits
  // after the prefix are ignored ("10.1.2.3/8" is 10.0.0.0/8). InvalidArgument otherwise.
  static absl::StatusOr<Cidr> Parse(std::string_view text);

  bool Contains(const IpBytes& ip) const;
  // False when `address` is not an IP literal (see ParseIpAddress).
  bool Contains(std::string_view address) const;

  // "10.0.0.0/8" for IPv4 blocks, "fc00::/7" otherwise.
  std::string ToString() const;
};

// Why `ip` is refused ("loopback", "private (RFC 1918)", ...), or nullopt when it is a public
// address. IPv4-mapped addresses are judged by their IPv4 address; NAT64 (64:ff9b::/96,
// 64:ff9b:1::/48) and 6to4 (2002::/16) addresses are always refused, naming the embedded IPv4
// address when that is itself forbidden.
std::optional<std::string> ForbiddenReason(const IpBytes& ip);
bool IsForbiddenAddress(const IpBytes& ip);
// Families other than AF_INET / AF_INET6 are forbidden.
bool IsForbiddenAddress(const sockaddr_storage& addr);

// True when `ip` may be connected to: it is inside one of `allow`, or it is not forbidden.
bool IsAllowedAddress(const IpBytes& ip, const std::vector<Cidr>& allow);

// Resolves `host` (a name, or an IP literal; IPv6 may be bracketed) with getaddrinfo and returns
// the first allowed address as text (IpToString; IPv6 without brackets). Errors:
//   InvalidArgument   empty host or port outside 1..65535;
//   Unavailable       the name does not resolve (message names the host and the reason);
//   PermissionDenied  every address is refused, e.g. "refused by SSRF guard: 127.0.0.1 is
//                     loopback; use --allow-cidr to permit it" (for names: "refused by SSRF
//                     guard: db.internal resolves to 10.0.0.5 (private (RFC 1918)); use ...").
// May block on DNS.
absl::StatusOr<std::string> ResolveGuarded(const std::string& host, int port,
                                           const std::vector<Cidr>& allow);

}  // namespace webhooks

#endif  // WEBHOOKS_NOTIFIER_SSRF_GUARD_H_

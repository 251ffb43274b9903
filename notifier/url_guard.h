// The SSRF guard applied to a URL: resolve its host, refuse forbidden addresses.
#ifndef WEBHOOKS_NOTIFIER_URL_GUARD_H_
#define WEBHOOKS_NOTIFIER_URL_GUARD_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "notifier/ssrf_guard.h"

namespace webhooks {

// The address the connection to `url` must be pinned to (see ResolveGuarded), or the refusal.
// InvalidArgument when `url` cannot be parsed.
absl::StatusOr<std::string> ResolveGuardedUrl(const std::string& url,
                                              const std::vector<Cidr>& allow);

}  // namespace webhooks

#endif  // WEBHOOKS_NOTIFIER_URL_GUARD_H_

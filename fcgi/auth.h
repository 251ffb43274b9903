// API key authentication.
#ifndef WEBHOOKS_FCGI_AUTH_H_
#define WEBHOOKS_FCGI_AUTH_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "store/store.h"

namespace webhooks {

// Resolves an `Authorization: Bearer <key>` header to the key's organization internal_id.
// Unauthenticated when the header is missing, malformed, or names no stored key. Keys are looked
// up by their SHA-256 only; the key itself is never stored or logged.
absl::StatusOr<std::string> Authenticate(AccountStore& accounts, std::string_view authorization);

}  // namespace webhooks

#endif  // WEBHOOKS_FCGI_AUTH_H_

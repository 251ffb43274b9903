#include "fcgi/auth.h"

#include <strings.h>

#include "common/crypto.h"

namespace webhooks {

absl::StatusOr<std::string> Authenticate(AccountStore& accounts, std::string_view authorization) {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.empty()) {
    return absl::UnauthenticatedError("Missing API key: send 'Authorization: Bearer sk_...'");
  }
  if (authorization.size() <= kBearer.size() ||
      strncasecmp(authorization.data(), kBearer.data(), kBearer.size()) != 0) {
    return absl::UnauthenticatedError("Authorization header must be 'Bearer <api key>'");
  }
  std::string_view key = authorization.substr(kBearer.size());
  while (!key.empty() && key.front() == ' ') key.remove_prefix(1);
  while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
  absl::StatusOr<ApiKeyRecord> record = accounts.FindApiKey(Sha256(key));
  if (absl::IsNotFound(record.status())) return absl::UnauthenticatedError("Invalid API key");
  if (!record.ok()) return record.status();
  return record->internal_id;
}

}  // namespace webhooks

// JSON encodings of organizations and API key records (storage and dumps).
#ifndef WEBHOOKS_STORE_ACCOUNT_CODEC_H_
#define WEBHOOKS_STORE_ACCOUNT_CODEC_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "store/store.h"

namespace webhooks {

std::string EncodeOrganization(const Organization& org);
// DataLoss when malformed.
absl::StatusOr<Organization> DecodeOrganization(std::string_view json);

// The key hash is the LMDB key, so it is not part of the encoding; Decode takes it back.
std::string EncodeApiKey(const ApiKeyRecord& key);
absl::StatusOr<ApiKeyRecord> DecodeApiKey(std::string_view key_hash, std::string_view json);

}  // namespace webhooks

#endif  // WEBHOOKS_STORE_ACCOUNT_CODEC_H_

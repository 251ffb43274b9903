// An in-memory AccountStore + WebhookStore with the same contracts as LmdbStore, for unit tests
// of the layers above the store. Not durable.
#ifndef WEBHOOKS_STORE_MEMORY_STORE_H_
#define WEBHOOKS_STORE_MEMORY_STORE_H_

#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "store/store.h"

namespace webhooks {

class MemoryStore final : public AccountStore, public WebhookStore {
 public:
  absl::Status CreateOrganization(const Organization& org) override;
  absl::StatusOr<Organization> GetOrganization(std::string_view internal_id) override;
  absl::StatusOr<std::vector<Organization>> ListOrganizations() override;
  absl::Status AddApiKey(const ApiKeyRecord& key) override;
  absl::StatusOr<ApiKeyRecord> FindApiKey(std::string_view key_hash) override;

  absl::Status CreateWebhook(Webhook* webhook) override;
  absl::StatusOr<std::optional<std::string>> CreateWebhookOnce(
      Webhook* webhook, const IdempotentCreate& once) override;
  absl::StatusOr<Webhook> GetWebhook(std::string_view internal_id,
                                     std::string_view webhook_id) override;
  absl::StatusOr<std::vector<Webhook>> FindWebhooksByName(std::string_view internal_id,
                                                          std::string_view name,
                                                          size_t max) override;
  absl::StatusOr<Webhook> UpdateWebhook(
      std::string_view internal_id, std::string_view webhook_id,
      const std::function<absl::Status(Webhook&)>& update) override;
  absl::Status DeleteWebhook(std::string_view internal_id, std::string_view webhook_id) override;
  absl::StatusOr<WebhookPage> ListWebhooks(std::string_view internal_id,
                                           const ListQuery& query) override;
  absl::Status CheckReadable() override { return absl::OkStatus(); }
  absl::StatusOr<std::string> ConfigVersion() override;

 private:
  using Key = std::pair<std::string, std::string>;  // (internal_id, webhook_id)
  // CreateWebhook's work. REQUIRES: mu_ held.
  absl::Status CreateLocked(Webhook* webhook);

  std::mutex mu_;
  std::map<std::string, Organization> orgs_;
  std::map<std::string, ApiKeyRecord> keys_;
  std::map<Key, Webhook> webhooks_;
  std::map<std::pair<std::string, uint64_t>, std::string> by_seq_;  // (org, seq) -> webhook_id
  struct KeyUse {
    IdempotentCreate once;
    std::string webhook_id;
  };
  // (internal_id, key) -> the create that used it (expired entries are replaced, never purged:
  // a fake for tests)
  std::map<Key, KeyUse> used_keys_;
  uint64_t next_seq_ = 1;
  uint64_t version_ = 0;  // counts webhook writes
};

}  // namespace webhooks

#endif  // WEBHOOKS_STORE_MEMORY_STORE_H_

// The LMDB-backed AccountStore and WebhookStore (layout in keys.h). Several processes may open
// the same data directory at once; LMDB serialises their writers.
#ifndef WEBHOOKS_STORE_LMDB_STORE_H_
#define WEBHOOKS_STORE_LMDB_STORE_H_

#include <memory>
#include <string>

#include "store/lmdb_env.h"
#include "store/store.h"

namespace webhooks {

class LmdbStore final : public AccountStore, public WebhookStore {
 public:
  // Opens (creating if needed) the store in `data_dir`/db.
  static absl::StatusOr<std::unique_ptr<LmdbStore>> Open(const std::string& data_dir,
                                                         const LmdbOptions& options = {});

  absl::Status CreateOrganization(const Organization& org) override;
  absl::StatusOr<Organization> GetOrganization(std::string_view internal_id) override;
  absl::StatusOr<std::vector<Organization>> ListOrganizations() override;
  absl::Status AddApiKey(const ApiKeyRecord& key) override;
  absl::StatusOr<ApiKeyRecord> FindApiKey(std::string_view key_hash) override;

  absl::Status CreateWebhook(Webhook* webhook) override;
  absl::StatusOr<std::optional<std::string>> CreateWebhookOnce(
      Webhook* webhook, const IdempotentCreate& once) override;  // lmdb_idempotency.cc
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
  absl::Status CheckReadable() override;
  absl::StatusOr<std::string> ConfigVersion() override;

  LmdbEnv& env() { return *env_; }

 private:
  explicit LmdbStore(std::unique_ptr<LmdbEnv> env);
  // CreateWebhook's writes, inside the caller's write transaction.
  absl::Status PutNewWebhook(MDB_txn* txn, Webhook* webhook);
  // Removes up to `max` idempotency keys used at or before `cutoff_ms`, oldest first: keys that
  // a create at cutoff_ms + kIdempotencyWindowMs no longer replays (lmdb_idempotency.cc).
  absl::Status ForgetIdempotencyKeysUsedBy(MDB_txn* txn, int64_t cutoff_ms, size_t max);

  std::unique_ptr<LmdbEnv> env_;
  // The databases of keys.h.
  MDB_dbi meta_, orgs_, api_keys_, webhooks_, by_seq_, names_, idempotency_;
};

}  // namespace webhooks

#endif  // WEBHOOKS_STORE_LMDB_STORE_H_

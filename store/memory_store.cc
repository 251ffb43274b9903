#include "store/memory_store.h"

#include "model/event_types.h"

namespace webhooks {

absl::Status MemoryStore::CreateOrganization(const Organization& org) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!orgs_.emplace(org.internal_id, org).second) {
    return absl::AlreadyExistsError("organization exists");
  }
  return absl::OkStatus();
}

absl::StatusOr<Organization> MemoryStore::GetOrganization(std::string_view internal_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = orgs_.find(std::string(internal_id));
  if (it == orgs_.end()) return absl::NotFoundError("organization not found");
  return it->second;
}

absl::StatusOr<std::vector<Organization>> MemoryStore::ListOrganizations() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Organization> out;
  for (const auto& [id, org] : orgs_) out.push_back(org);
  return out;
}

absl::Status MemoryStore::AddApiKey(const ApiKeyRecord& key) {
  std::lock_guard<std::mutex> lock(mu_);
  if (orgs_.count(key.internal_id) == 0) return absl::NotFoundError("organization not found");
  if (!keys_.emplace(key.key_hash, key).second) return absl::AlreadyExistsError("key exists");
  return absl::OkStatus();
}

absl::StatusOr<ApiKeyRecord> MemoryStore::FindApiKey(std::string_view key_hash) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = keys_.find(std::string(key_hash));
  if (it == keys_.end()) return absl::NotFoundError("key not found");
  return it->second;
}

absl::StatusOr<std::string> MemoryStore::ConfigVersion() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::to_string(version_);
}

absl::Status MemoryStore::CreateWebhook(Webhook* webhook) {
  std::lock_guard<std::mutex> lock(mu_);
  return CreateLocked(webhook);
}

absl::StatusOr<std::optional<std::string>> MemoryStore::CreateWebhookOnce(
    Webhook* webhook, const IdempotentCreate& once) {
  if (once.now_ms < 0) return absl::InvalidArgumentError("negative time");
  std::lock_guard<std::mutex> lock(mu_);
  Key key{webhook->internal_id, once.key};
  auto used = used_keys_.find(key);
  if (used != used_keys_.end() && once.now_ms - used->second.once.now_ms < kIdempotencyWindowMs) {
    if (used->second.once.fingerprint != once.fingerprint) return IdempotencyKeyReusedError();
    return used->second.webhook_id;
  }
  if (absl::Status st = CreateLocked(webhook); !st.ok()) return st;
  used_keys_[key] = KeyUse{once, webhook->webhook_id};
  return std::nullopt;
}

absl::Status MemoryStore::CreateLocked(Webhook* webhook) {
  if (orgs_.count(webhook->internal_id) == 0) return absl::NotFoundError("organization not found");
  Key key{webhook->internal_id, webhook->webhook_id};
  if (webhooks_.count(key) != 0) return absl::AlreadyExistsError("webhook id exists");
  webhook->seq = next_seq_++;
  webhooks_[key] = *webhook;
  by_seq_[{webhook->internal_id, webhook->seq}] = webhook->webhook_id;
  ++version_;
  return absl::OkStatus();
}

absl::StatusOr<Webhook> MemoryStore::GetWebhook(std::string_view internal_id,
                                                std::string_view webhook_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = webhooks_.find(Key{internal_id, webhook_id});
  if (it == webhooks_.end()) return absl::NotFoundError("webhook not found");
  return it->second;
}

absl::StatusOr<std::vector<Webhook>> MemoryStore::FindWebhooksByName(std::string_view internal_id,
                                                                     std::string_view name,
                                                                     size_t max) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Webhook> out;
  for (auto it = by_seq_.lower_bound({std::string(internal_id), 0});
       it != by_seq_.end() && it->first.first == internal_id && out.size() < max; ++it) {
    const Webhook& w = webhooks_[Key{it->first.first, it->second}];
    if (w.spec.webhook_name == name) out.push_back(w);
  }
  return out;
}

absl::StatusOr<Webhook> MemoryStore::UpdateWebhook(
    std::string_view internal_id, std::string_view webhook_id,
    const std::function<absl::Status(Webhook&)>& update) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = webhooks_.find(Key{internal_id, webhook_id});
  if (it == webhooks_.end()) return absl::NotFoundError("webhook not found");
  Webhook next = it->second;
  if (absl::Status st = update(next); !st.ok()) return st;
  next.internal_id = it->second.internal_id;
  next.webhook_id = it->second.webhook_id;
  next.seq = it->second.seq;
  it->second = next;
  ++version_;
  return next;
}

absl::Status MemoryStore::DeleteWebhook(std::string_view internal_id, std::string_view webhook_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = webhooks_.find(Key{internal_id, webhook_id});
  if (it == webhooks_.end()) return absl::NotFoundError("webhook not found");
  by_seq_.erase({std::string(internal_id), it->second.seq});
  webhooks_.erase(it);
  ++version_;
  return absl::OkStatus();
}

absl::StatusOr<WebhookPage> MemoryStore::ListWebhooks(std::string_view internal_id,
                                                      const ListQuery& query) {
  std::lock_guard<std::mutex> lock(mu_);
  WebhookPage page;
  size_t to_skip = query.after_seq ? 0 : query.offset;
  for (auto it = by_seq_.lower_bound({std::string(internal_id), 0});
       it != by_seq_.end() && it->first.first == internal_id; ++it) {
    const Webhook& w = webhooks_[Key{it->first.first, it->second}];
    if (query.is_active && w.spec.is_active != *query.is_active) continue;
    if (query.event_type_index &&
        !MaskReceives(EventMask(w.spec.event_types), *query.event_type_index)) {
      continue;
    }
    ++page.total;
    if ((query.after_seq && w.seq <= *query.after_seq) || page.next_after_seq) continue;
    if (to_skip > 0) {
      --to_skip;
    } else if (page.items.size() == query.limit) {
      page.next_after_seq = page.items.empty() ? 0 : page.items.back().seq;
    } else {
      page.items.push_back(w);
    }
  }
  return page;
}

}  // namespace webhooks

#include "store/lmdb_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "model/event_types.h"
#include "model/webhook_codec.h"
#include "store/account_codec.h"
#include "store/config_version.h"
#include "store/keys.h"
#include "store/lmdb_txn.h"

namespace webhooks {
namespace {

using lmdb::Cursor;

keys::SeqIndexValue IndexValueOf(const Webhook& w) {
  return keys::SeqIndexValue{w.spec.is_active, EventMask(w.spec.event_types), w.webhook_id};
}

bool IndexMatches(const keys::SeqIndexValue& v, const ListQuery& q) {
  if (q.is_active && v.is_active != *q.is_active) return false;
  return !q.event_type_index || MaskReceives(v.event_mask, *q.event_type_index);
}

bool HasPrefix(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

absl::StatusOr<Webhook> LoadWebhook(MDB_txn* txn, MDB_dbi dbi, std::string_view internal_id,
                                    std::string_view webhook_id) {
  absl::StatusOr<std::string> raw = lmdb::Get(txn, dbi, keys::Webhook(internal_id, webhook_id));
  if (absl::IsNotFound(raw.status())) {
    return absl::NotFoundError("webhook " + std::string(webhook_id) + " not found");
  }
  if (!raw.ok()) return raw.status();
  return DecodeStoredWebhook(*raw);
}

}  // namespace

absl::StatusOr<std::unique_ptr<LmdbStore>> LmdbStore::Open(const std::string& data_dir,
                                                           const LmdbOptions& options) {
  if (mkdir(data_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::InternalError("cannot create " + data_dir + ": " + strerror(errno));
  }
  auto env = LmdbEnv::Open(data_dir + "/db", options,
                           {{"meta"},
                            {"orgs"},
                            {"api_keys"},
                            {"webhooks"},
                            {"webhooks_by_seq"},
                            {"webhook_names", MDB_DUPSORT},
                            {"deliveries"},
                            {"due"},
                            {"attempts"},
                            {"webhook_state"},
                            {"seen_events"},
                            {"idempotency"}});
  if (!env.ok()) return env.status();
  return std::unique_ptr<LmdbStore>(new LmdbStore(*std::move(env)));
}

LmdbStore::LmdbStore(std::unique_ptr<LmdbEnv> env)
    : env_(std::move(env)),
      meta_(env_->dbi("meta")),
      orgs_(env_->dbi("orgs")),
      api_keys_(env_->dbi("api_keys")),
      webhooks_(env_->dbi("webhooks")),
      by_seq_(env_->dbi("webhooks_by_seq")),
      names_(env_->dbi("webhook_names")),
      idempotency_(env_->dbi("idempotency")) {}

absl::Status LmdbStore::CreateOrganization(const Organization& org) {
  return env_->Write([&](MDB_txn* txn) {
    absl::Status st =
        lmdb::Put(txn, orgs_, org.internal_id, EncodeOrganization(org), MDB_NOOVERWRITE);
    if (absl::IsAlreadyExists(st)) return absl::AlreadyExistsError("organization exists");
    return st;
  });
}

absl::StatusOr<Organization> LmdbStore::GetOrganization(std::string_view internal_id) {
  absl::StatusOr<Organization> out;
  absl::Status st = env_->Read([&](MDB_txn* txn) {
    absl::StatusOr<std::string> raw = lmdb::Get(txn, orgs_, internal_id);
    if (absl::IsNotFound(raw.status())) {
      return absl::NotFoundError("organization " + std::string(internal_id) + " not found");
    }
    if (!raw.ok()) return raw.status();
    out = DecodeOrganization(*raw);
    return out.status();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<std::vector<Organization>> LmdbStore::ListOrganizations() {
  std::vector<Organization> out;
  absl::Status st = env_->Read([&](MDB_txn* txn) {
    Cursor c(txn, orgs_);
    for (bool ok = c.Seek(MDB_FIRST); ok; ok = c.Seek(MDB_NEXT)) {
      absl::StatusOr<Organization> org = DecodeOrganization(c.value());
      if (!org.ok()) return org.status();
      out.push_back(*std::move(org));
    }
    return c.status();
  });
  if (!st.ok()) return st;
  return out;
}

absl::Status LmdbStore::AddApiKey(const ApiKeyRecord& key) {
  return env_->Write([&](MDB_txn* txn) {
    absl::StatusOr<std::string> org = lmdb::Get(txn, orgs_, key.internal_id);
    if (absl::IsNotFound(org.status())) {
      return absl::NotFoundError("organization " + key.internal_id + " not found");
    }
    if (!org.ok()) return org.status();
    return lmdb::Put(txn, api_keys_, key.key_hash, EncodeApiKey(key), MDB_NOOVERWRITE);
  });
}

absl::StatusOr<ApiKeyRecord> LmdbStore::FindApiKey(std::string_view key_hash) {
  absl::StatusOr<ApiKeyRecord> out;
  absl::Status st = env_->Read([&](MDB_txn* txn) {
    absl::StatusOr<std::string> raw = lmdb::Get(txn, api_keys_, key_hash);
    if (!raw.ok()) return raw.status();
    out = DecodeApiKey(key_hash, *raw);
    return out.status();
  });
  if (!st.ok()) return st;
  return out;
}

absl::Status LmdbStore::CheckReadable() {
  return env_->Read(
      [&](MDB_txn* txn) { return lmdb::GetCounter(txn, meta_, keys::kLastSeq).status(); });
}

absl::StatusOr<std::string> LmdbStore::ConfigVersion() {
  absl::StatusOr<std::string> out;
  absl::Status st = env_->Read([&](MDB_txn* txn) {
    out = ReadConfigVersion(txn, meta_);
    return out.status();
  });
  if (!st.ok()) return st;
  return out;
}

absl::Status LmdbStore::CreateWebhook(Webhook* webhook) {
  return env_->Write([&](MDB_txn* txn) { return PutNewWebhook(txn, webhook); });
}

absl::Status LmdbStore::PutNewWebhook(MDB_txn* txn, Webhook* webhook) {
  absl::StatusOr<std::string> org = lmdb::Get(txn, orgs_, webhook->internal_id);
  if (absl::IsNotFound(org.status())) return absl::NotFoundError("organization not found");
  if (!org.ok()) return org.status();
  absl::StatusOr<uint64_t> seq = lmdb::AddCounter(txn, meta_, keys::kLastSeq, 1);
  if (!seq.ok()) return seq.status();
  webhook->seq = *seq;
  const std::string& org_id = webhook->internal_id;
  absl::Status st = lmdb::Put(txn, webhooks_, keys::Webhook(org_id, webhook->webhook_id),
                              EncodeWebhook(*webhook, Audience::kStorage), MDB_NOOVERWRITE);
  if (absl::IsAlreadyExists(st)) return absl::AlreadyExistsError("webhook id exists");
  if (st.ok()) {
    st = lmdb::Put(txn, by_seq_, keys::Seq(org_id, *seq),
                   keys::EncodeSeqIndexValue(IndexValueOf(*webhook)));
  }
  if (st.ok()) {
    st =
        lmdb::Put(txn, names_, keys::Name(org_id, webhook->spec.webhook_name), webhook->webhook_id);
  }
  if (st.ok()) st = lmdb::AddCounter(txn, meta_, keys::Count(org_id), 1).status();
  if (st.ok()) st = BumpConfigVersion(txn, meta_);
  return st;
}

absl::StatusOr<Webhook> LmdbStore::GetWebhook(std::string_view internal_id,
                                              std::string_view webhook_id) {
  absl::StatusOr<Webhook> out;
  absl::Status st = env_->Read([&](MDB_txn* txn) {
    out = LoadWebhook(txn, webhooks_, internal_id, webhook_id);
    return out.status();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<std::vector<Webhook>> LmdbStore::FindWebhooksByName(std::string_view internal_id,
                                                                   std::string_view name,
                                                                   size_t max) {
  std::vector<Webhook> out;
  absl::Status st = env_->Read([&](MDB_txn* txn) -> absl::Status {
    Cursor c(txn, names_);
    // Duplicates sort by webhook_id, not creation order: collect all, then keep the first `max`.
    for (bool ok = c.Seek(MDB_SET, keys::Name(internal_id, name)); ok; ok = c.Seek(MDB_NEXT_DUP)) {
      absl::StatusOr<Webhook> w = LoadWebhook(txn, webhooks_, internal_id, c.value());
      if (!w.ok()) return w.status();
      if (w->spec.webhook_name == name) out.push_back(*std::move(w));
    }
    return c.status();
  });
  if (!st.ok()) return st;
  std::sort(out.begin(), out.end(),
            [](const Webhook& a, const Webhook& b) { return a.seq < b.seq; });
  if (out.size() > max) out.resize(max);
  return out;
}

absl::StatusOr<Webhook> LmdbStore::UpdateWebhook(
    std::string_view internal_id, std::string_view webhook_id,
    const std::function<absl::Status(Webhook&)>& update) {
  Webhook stored;
  absl::Status st = env_->Write([&](MDB_txn* txn) -> absl::Status {
    absl::StatusOr<Webhook> old = LoadWebhook(txn, webhooks_, internal_id, webhook_id);
    if (!old.ok()) return old.status();
    Webhook next = *old;
    if (absl::Status changed = update(next); !changed.ok()) return changed;
    next.internal_id = old->internal_id;
    next.webhook_id = old->webhook_id;
    next.seq = old->seq;
    const std::string& org_id = old->internal_id;
    absl::Status put = lmdb::Put(txn, webhooks_, keys::Webhook(org_id, next.webhook_id),
                                 EncodeWebhook(next, Audience::kStorage));
    if (put.ok()) {
      put = lmdb::Put(txn, by_seq_, keys::Seq(org_id, next.seq),
                      keys::EncodeSeqIndexValue(IndexValueOf(next)));
    }
    if (put.ok() && old->spec.webhook_name != next.spec.webhook_name) {
      put = lmdb::Del(txn, names_, keys::Name(org_id, old->spec.webhook_name), next.webhook_id);
      if (put.ok()) {
        put = lmdb::Put(txn, names_, keys::Name(org_id, next.spec.webhook_name), next.webhook_id);
      }
    }
    if (put.ok()) put = BumpConfigVersion(txn, meta_);
    stored = std::move(next);  // each run (a batch may run again) overwrites what the last left
    return put;
  });
  if (!st.ok()) return st;
  return stored;
}

absl::Status LmdbStore::DeleteWebhook(std::string_view internal_id, std::string_view webhook_id) {
  return env_->Write([&](MDB_txn* txn) -> absl::Status {
    absl::StatusOr<Webhook> old = LoadWebhook(txn, webhooks_, internal_id, webhook_id);
    if (!old.ok()) return old.status();
    absl::Status st = lmdb::Del(txn, webhooks_, keys::Webhook(internal_id, webhook_id));
    if (st.ok()) st = lmdb::Del(txn, by_seq_, keys::Seq(internal_id, old->seq));
    if (st.ok()) {
      st = lmdb::Del(txn, names_, keys::Name(internal_id, old->spec.webhook_name), webhook_id);
    }
    if (st.ok()) st = lmdb::AddCounter(txn, meta_, keys::Count(internal_id), -1).status();
    if (st.ok()) st = BumpConfigVersion(txn, meta_);
    return st;
  });
}

absl::StatusOr<WebhookPage> LmdbStore::ListWebhooks(std::string_view internal_id,
                                                    const ListQuery& query) {
  WebhookPage page;
  const bool filtered = query.is_active.has_value() || query.event_type_index.has_value();
  absl::Status st = env_->Read([&](MDB_txn* txn) -> absl::Status {
    page = WebhookPage{};
    if (!filtered) {
      absl::StatusOr<uint64_t> count = lmdb::GetCounter(txn, meta_, keys::Count(internal_id));
      if (!count.ok()) return count.status();
      page.total = *count;
    }
    const std::string prefix = keys::OrgPrefix(internal_id);
    // Unfiltered pages start at the cursor; filtered ones scan the whole range to count.
    uint64_t start = !filtered && query.after_seq ? *query.after_seq + 1 : 0;
    size_t to_skip = query.after_seq ? 0 : query.offset;
    Cursor c(txn, by_seq_);
    for (bool ok = c.Seek(MDB_SET_RANGE, keys::Seq(internal_id, start));
         ok && HasPrefix(c.key(), prefix); ok = c.Seek(MDB_NEXT)) {
      std::optional<uint64_t> seq = keys::DecodeU64(c.key().substr(prefix.size()));
      std::optional<keys::SeqIndexValue> v = keys::DecodeSeqIndexValue(c.value());
      if (!seq || !v) return absl::DataLossError("malformed webhook index entry");
      if (!IndexMatches(*v, query)) continue;
      if (filtered) ++page.total;
      if ((query.after_seq && *seq <= *query.after_seq) || page.next_after_seq) continue;
      if (to_skip > 0) {
        --to_skip;
        continue;
      }
      if (page.items.size() == query.limit) {
        page.next_after_seq = page.items.empty() ? 0 : page.items.back().seq;
        if (!filtered) break;
        continue;
      }
      absl::StatusOr<Webhook> w = LoadWebhook(txn, webhooks_, internal_id, v->webhook_id);
      if (!w.ok()) return w.status();
      page.items.push_back(*std::move(w));
    }
    return c.status();
  });
  if (!st.ok()) return st;
  return page;
}

}  // namespace webhooks

#include "store/lmdb_admin.h"

#include <algorithm>

#include "model/channel_codec.h"
#include "store/account_codec.h"
#include "store/delivery_record.h"
#include "store/keys.h"
#include "store/lmdb_delivery_store.h"
#include "store/lmdb_txn.h"

namespace webhooks {
namespace {

absl::StatusOr<uint64_t> Entries(MDB_txn* txn, MDB_dbi dbi) {
  MDB_stat stat;
  if (int rc = mdb_stat(txn, dbi, &stat); rc != 0) return LmdbStatus(rc, "mdb_stat");
  return stat.ms_entries;
}

// Every key record passing `keep`, in key-hash order.
absl::StatusOr<std::vector<ApiKeyRecord>> ScanKeys(
    MDB_txn* txn, MDB_dbi dbi, const std::function<bool(const ApiKeyRecord&)>& keep) {
  std::vector<ApiKeyRecord> out;
  lmdb::Cursor c(txn, dbi);
  for (bool ok = c.Seek(MDB_FIRST); ok; ok = c.Seek(MDB_NEXT)) {
    absl::StatusOr<ApiKeyRecord> k = DecodeApiKey(c.key(), c.value());
    if (!k.ok()) return k.status();
    if (keep(*k)) out.push_back(*std::move(k));
  }
  if (!c.status().ok()) return c.status();
  return out;
}

// The troubled channels of one webhook, given its delivery state.
void AddTrouble(const Webhook& w, const WebhookDeliveryState& state,
                std::vector<ChannelTrouble>& out) {
  const size_t first = out.size();
  auto base = [&](uint32_t index) {
    ChannelTrouble t;
    t.internal_id = w.internal_id;
    t.webhook_id = w.webhook_id;
    t.webhook_name = w.spec.webhook_name;
    t.channel_index = index;
    t.channel = index < w.spec.channels.size() ? std::string(ChannelName(w.spec.channels[index]))
                                               : "(removed)";
    return t;
  };
  for (const auto& [index, why] : state.disabled_channels) {
    ChannelTrouble t = base(index);
    t.disabled = true;
    t.reason = why;
    out.push_back(std::move(t));
  }
  for (const FailureStreak& f : state.failing) {
    const auto& disabled = state.disabled_channels;
    if (std::any_of(disabled.begin(), disabled.end(),
                    [&](const auto& d) { return d.first == f.channel_index; })) {
      continue;
    }
    ChannelTrouble t = base(f.channel_index);
    if (state.last_error && state.last_error->channel_index == f.channel_index) {
      t.reason = state.last_error->message;
    }
    t.since_ms = f.since_ms;
    t.last_ms = f.last_ms;
    out.push_back(std::move(t));
  }
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
            [](const ChannelTrouble& a, const ChannelTrouble& b) {
              return a.channel_index < b.channel_index;
            });
}

}  // namespace

absl::StatusOr<std::vector<ApiKeyRecord>> ListApiKeys(LmdbStore& store,
                                                      std::string_view internal_id) {
  absl::StatusOr<std::vector<ApiKeyRecord>> out;
  absl::Status st = store.env().Read([&](MDB_txn* txn) {
    out = ScanKeys(txn, store.env().dbi("api_keys"),
                   [&](const ApiKeyRecord& k) { return k.internal_id == internal_id; });
    return out.status();
  });
  if (!st.ok()) return st;
  std::stable_sort(out->begin(), out->end(), [](const ApiKeyRecord& a, const ApiKeyRecord& b) {
    return a.created_at < b.created_at;
  });
  return out;
}

absl::StatusOr<ApiKeyRecord> RevokeApiKey(LmdbStore& store, std::string_view prefix,
                                          std::optional<std::string> internal_id) {
  ApiKeyRecord revoked;
  MDB_dbi dbi = store.env().dbi("api_keys");
  absl::Status st = store.env().Write([&](MDB_txn* txn) -> absl::Status {
    absl::StatusOr<std::vector<ApiKeyRecord>> found =
        ScanKeys(txn, dbi, [&](const ApiKeyRecord& k) {
          return k.prefix == prefix && (!internal_id || k.internal_id == *internal_id);
        });
    if (!found.ok()) return found.status();
    if (found->empty()) return absl::NotFoundError("no API key has prefix " + std::string(prefix));
    if (found->size() > 1) {
      return absl::FailedPreconditionError(std::to_string(found->size()) +
                                           " API keys have prefix " + std::string(prefix) +
                                           "; name the organization with --org");
    }
    revoked = found->front();
    return lmdb::Del(txn, dbi, revoked.key_hash);
  });
  if (!st.ok()) return st;
  return revoked;
}

absl::StatusOr<uint64_t> RetryFailedDeliveries(LmdbStore& store, std::string_view webhook_id,
                                               std::optional<std::string> internal_id,
                                               std::optional<TimePoint> since, int64_t now_ms) {
  uint64_t n = 0;
  MDB_dbi deliveries = store.env().dbi("deliveries"), due = store.env().dbi("due");
  absl::Status st = store.env().Write([&](MDB_txn* txn) -> absl::Status {
    n = 0;
    std::vector<Delivery> retry;
    lmdb::Cursor c(txn, deliveries);
    for (bool ok = c.Seek(MDB_FIRST); ok; ok = c.Seek(MDB_NEXT)) {
      absl::StatusOr<Delivery> d = DecodeDeliveryRecord(c.value());
      if (!d.ok()) return d.status();
      if (d->state != DeliveryState::kFailed || d->webhook_id != webhook_id) continue;
      if (internal_id && d->internal_id != *internal_id) continue;
      std::optional<TimePoint> created = ParseTimestamp(d->created_at);
      if (since && (!created || *created < *since)) continue;
      retry.push_back(*std::move(d));
    }
    if (!c.status().ok()) return c.status();
    for (Delivery& d : retry) {
      RequeueForRetry(d, now_ms);
      absl::Status s = lmdb::Put(txn, deliveries, d.delivery_id, EncodeDeliveryRecord(d));
      if (s.ok()) s = lmdb::Put(txn, due, DueKey(now_ms, d.delivery_id), DueGroup(d));
      if (!s.ok()) return s;
      ++n;
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return n;
}

absl::StatusOr<std::vector<ChannelTrouble>> ListChannelTrouble(LmdbStore& store) {
  absl::StatusOr<std::vector<Organization>> orgs = store.ListOrganizations();
  if (!orgs.ok()) return orgs.status();
  LmdbDeliveryStore deliveries(store.env());
  std::vector<ChannelTrouble> out;
  for (const Organization& o : *orgs) {
    ListQuery q;
    q.limit = 1000;
    for (;;) {
      absl::StatusOr<WebhookPage> page = store.ListWebhooks(o.internal_id, q);
      if (!page.ok()) return page.status();
      for (const Webhook& w : page->items) {
        absl::StatusOr<WebhookDeliveryState> state =
            deliveries.GetWebhookState(w.internal_id, w.webhook_id);
        if (!state.ok()) return state.status();
        AddTrouble(w, *state, out);
      }
      if (!page->next_after_seq) break;
      q.after_seq = page->next_after_seq;
    }
  }
  return out;
}

absl::StatusOr<StoreStats> ReadStoreStats(LmdbStore& store) {
  StoreStats s;
  LmdbEnv& env = store.env();
  absl::Status st = env.Read([&](MDB_txn* txn) -> absl::Status {
    const std::pair<const char*, uint64_t*> kDbs[] = {
        {"orgs", &s.organizations},    {"api_keys", &s.api_keys},      {"webhooks", &s.webhooks},
        {"deliveries", &s.deliveries}, {"due", &s.pending_deliveries}, {"attempts", &s.attempts}};
    for (const auto& [name, out] : kDbs) {
      absl::StatusOr<uint64_t> n = Entries(txn, env.dbi(name));
      if (!n.ok()) return n.status();
      *out = *n;
    }
    absl::StatusOr<uint64_t> cursor = lmdb::GetCounter(txn, env.dbi("meta"), keys::kNotifierCursor);
    if (!cursor.ok()) return cursor.status();
    s.notifier_cursor = *cursor;
    MDB_envinfo info;
    MDB_stat stat;
    MDB_env* raw = mdb_txn_env(txn);
    mdb_env_info(raw, &info);
    mdb_env_stat(raw, &stat);
    s.store_bytes = (info.me_last_pgno + 1) * uint64_t{stat.ms_psize};
    s.map_bytes = info.me_mapsize;
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return s;
}

absl::Status MoveNotifierCursor(LmdbStore& store, uint64_t from, uint64_t to) {
  MDB_dbi meta = store.env().dbi("meta");
  return store.env().Write([&](MDB_txn* txn) -> absl::Status {
    absl::StatusOr<uint64_t> cursor = lmdb::GetCounter(txn, meta, keys::kNotifierCursor);
    if (!cursor.ok()) return cursor.status();
    if (*cursor != from) {
      return absl::AbortedError("the notifier's cursor is at " + std::to_string(*cursor) +
                                ", not " + std::to_string(from));
    }
    return lmdb::Put(txn, meta, keys::kNotifierCursor, keys::EncodeU64(to));
  });
}

}  // namespace webhooks

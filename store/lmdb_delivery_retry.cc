// LmdbDeliveryStore's retries on demand: one failed delivery (RetryDelivery), or those of a
// time window (RetryFailedSince); webhookctl's bulk re-queue shares RequeueForRetry.
#include "absl/container/flat_hash_set.h"
#include "common/time_format.h"
#include "store/delivery_record.h"
#include "store/lmdb_delivery_internal.h"
#include "store/lmdb_delivery_store.h"
#include "store/lmdb_txn.h"

namespace webhooks {

using delivery_internal::PutDelivery;
using delivery_internal::WebhookPrefix;

// Attempts are keyed in the order they were recorded, newest first; their attempted_at times
// may be out of that order by a recorder batch or a clock step. A scan for a window stops at
// the first attempt older than its start by this much.
constexpr int64_t kOrderSlackMs = 60'000;

void RequeueForRetry(Delivery& d, int64_t now_ms) {
  d.state = DeliveryState::kPending;
  d.attempts = 0;
  d.next_attempt_ms = now_ms;
}

absl::StatusOr<Delivery> LmdbDeliveryStore::RetryDelivery(std::string_view internal_id,
                                                          std::string_view webhook_id,
                                                          std::string_view delivery_id,
                                                          int64_t now_ms) {
  Delivery d;
  absl::Status st = env_.Write([&](MDB_txn* txn) -> absl::Status {
    absl::StatusOr<std::string> raw = lmdb::Get(txn, deliveries_, delivery_id);
    absl::StatusOr<Delivery> found =
        raw.ok() ? DecodeDeliveryRecord(*raw) : absl::StatusOr<Delivery>(raw.status());
    if (absl::IsNotFound(found.status()) ||
        (found.ok() && (found->internal_id != internal_id || found->webhook_id != webhook_id))) {
      return absl::NotFoundError("Webhook " + std::string(webhook_id) + " has no delivery " +
                                 std::string(delivery_id));
    }
    if (!found.ok()) return found.status();
    if (found->state != DeliveryState::kFailed) {
      return absl::AbortedError("Delivery " + std::string(delivery_id) + " has status " +
                                std::string(DeliveryStateName(found->state)) +
                                "; only failed deliveries can be retried");
    }
    d = *std::move(found);
    RequeueForRetry(d, now_ms);
    return PutDelivery(txn, deliveries_, due_, d);
  });
  if (!st.ok()) return st;
  return d;
}

absl::StatusOr<std::vector<std::string>> LmdbDeliveryStore::FailedInWindow(
    std::string_view internal_id, std::string_view webhook_id, const RecoverQuery& query,
    bool* complete) {
  std::vector<std::string> ids;
  absl::Status st = env_.Read([&](MDB_txn* txn) -> absl::Status {
    ids.clear();
    *complete = true;
    absl::flat_hash_set<std::string> seen;
    const std::string prefix = WebhookPrefix(internal_id, webhook_id);
    size_t examined = 0;
    lmdb::Cursor c(txn, attempts_);
    for (bool ok = c.Seek(MDB_SET_RANGE, prefix); ok && c.key().substr(0, prefix.size()) == prefix;
         ok = c.Seek(MDB_NEXT)) {
      if (examined++ == query.max_examined) {
        *complete = false;
        break;
      }
      absl::StatusOr<Attempt> a = DecodeAttemptRecord(c.value());
      if (!a.ok()) return a.status();
      std::optional<TimePoint> at = ParseTimestamp(a->attempted_at);
      const int64_t at_ms = at ? UnixMillis(*at) : 0;
      if (at_ms < query.since_ms - kOrderSlackMs) break;  // the rest is older still
      if (at_ms < query.since_ms) continue;
      if ((query.until_ms && at_ms >= *query.until_ms) || a->status != "failed") continue;
      if (seen.insert(a->delivery_id).second) ids.push_back(std::move(a->delivery_id));
    }
    return c.status();
  });
  if (!st.ok()) return st;
  return ids;
}

absl::StatusOr<RecoverResult> LmdbDeliveryStore::RetryFailedSince(
    std::string_view internal_id, std::string_view webhook_id, const RecoverQuery& query,
    const std::function<bool(const Delivery&)>& eligible, int64_t now_ms) {
  RecoverResult result;
  absl::StatusOr<std::vector<std::string>> ids =
      FailedInWindow(internal_id, webhook_id, query, &result.complete);
  if (!ids.ok()) return ids.status();
  const bool scan_complete = result.complete;
  absl::Status st = env_.Write([&](MDB_txn* txn) -> absl::Status {
    result.retried = 0;
    result.complete = scan_complete;
    for (const std::string& id : *ids) {
      absl::StatusOr<std::string> raw = lmdb::Get(txn, deliveries_, id);
      if (absl::IsNotFound(raw.status())) continue;  // gone since the scan
      if (!raw.ok()) return raw.status();
      absl::StatusOr<Delivery> d = DecodeDeliveryRecord(*raw);
      if (!d.ok()) return d.status();
      if (d->state != DeliveryState::kFailed || !eligible(*d)) continue;
      if (result.retried == query.max_retried) {
        result.complete = false;
        break;
      }
      RequeueForRetry(*d, now_ms);
      if (absl::Status put = PutDelivery(txn, deliveries_, due_, *d); !put.ok()) return put;
      ++result.retried;
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return result;
}

}  // namespace webhooks

// LmdbDeliveryStore's retries on demand: one failed delivery (RetryDelivery), or those of a
// time window (RetryFailedSince); webhookctl's bulk re-queue shares RequeueForRetry.
#include <cstdint>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "common/time_format.h"
#include "model/event_types.h"
#include "model/webhook_codec.h"
#include "store/admission.h"
#include "store/delivery_record.h"
#include "store/keys.h"
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

struct LmdbDeliveryStore::Sendability {
  std::string webhook_id;
  bool active = false;
  std::vector<ChannelShape> channels;
  std::vector<std::pair<uint32_t, std::string>> disabled;  // (channel index, why)

  std::string PausedMessage() const {
    return "Webhook " + webhook_id + " is inactive; set is_active to true before retrying";
  }
  // Why the notifier would cancel `d` rather than send it (WhyUnsendable), as the API says
  // it; "" when it can be sent.
  std::string WhyNot(const Delivery& d) const {
    const std::string channel = "Channel " + std::to_string(d.channel_index);
    switch (WhyUnsendable(d, active, channels)) {
      case Unsendable::kNo:
        return "";
      case Unsendable::kPaused:
        return PausedMessage();
      case Unsendable::kChannelRemoved:
        return channel + " of the delivery was removed from the webhook";
      case Unsendable::kChannelDisabled:
        return channel + " is disabled (" + DisabledWhy(d.channel_index) +
               "); an update of the webhook enables it again";
      case Unsendable::kRecipientRemoved:
        return channel + " no longer has recipient " + std::to_string(d.target_index) +
               " (a PUT removed it)";
      case Unsendable::kNoticeOnWebhookChannel:
        return channel + " is a webhook channel now; notices go to e-mail, Slack and SMS only";
    }
    return "";
  }
  std::string DisabledWhy(uint32_t index) const {
    for (const auto& [i, why] : disabled) {
      if (i == index) return why.empty() ? "disabled" : why;
    }
    return "disabled";
  }
};

absl::StatusOr<LmdbDeliveryStore::Sendability> LmdbDeliveryStore::ReadSendability(
    MDB_txn* txn, std::string_view internal_id, std::string_view webhook_id) {
  absl::StatusOr<std::string> raw =
      lmdb::Get(txn, webhooks_, keys::Webhook(internal_id, webhook_id));
  if (absl::IsNotFound(raw.status())) {
    return absl::NotFoundError("Webhook " + std::string(webhook_id) + " not found");
  }
  if (!raw.ok()) return raw.status();
  absl::StatusOr<Webhook> w = DecodeStoredWebhook(*raw);
  if (!w.ok()) return w.status();
  absl::StatusOr<WebhookDeliveryState> state =
      delivery_internal::ReadWebhookState(txn, state_, internal_id, webhook_id);
  if (!state.ok()) return state.status();
  std::vector<ChannelShape> shapes = ChannelShapes(w->spec.channels, state->disabled_channels);
  return Sendability{std::string(webhook_id), w->spec.is_active, std::move(shapes),
                     std::move(state->disabled_channels)};
}

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
    absl::StatusOr<Sendability> sendable = ReadSendability(txn, internal_id, webhook_id);
    if (!sendable.ok()) return sendable.status();
    if (std::string why = sendable->WhyNot(*found); !why.empty()) {
      return absl::AbortedError(why);
    }
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

absl::StatusOr<std::vector<std::pair<std::string, uint64_t>>> LmdbDeliveryStore::FailedInWindow(
    std::string_view internal_id, std::string_view webhook_id, const RecoverQuery& query,
    std::optional<uint64_t>* stopped_before) {
  std::vector<std::pair<std::string, uint64_t>> found;
  const int64_t since_ms = query.since_ms - ((query.since_ms % 1000) + 1000) % 1000;
  absl::Status st = env_.Read([&](MDB_txn* txn) -> absl::Status {
    found.clear();
    stopped_before->reset();
    absl::flat_hash_set<std::string> seen;
    const std::string prefix = WebhookPrefix(internal_id, webhook_id);
    const uint64_t start = query.before_seq ? UINT64_MAX - *query.before_seq + 1 : 0;
    size_t examined = 0;
    lmdb::Cursor c(txn, attempts_);
    for (bool ok = c.Seek(MDB_SET_RANGE, prefix + keys::EncodeU64(start));
         ok && c.key().substr(0, prefix.size()) == prefix; ok = c.Seek(MDB_NEXT)) {
      absl::StatusOr<Attempt> a = DecodeAttemptRecord(c.value());
      if (!a.ok()) return a.status();
      if (examined++ == query.max_examined) {
        *stopped_before = a->seq + 1;  // this one is read first next time
        break;
      }
      std::optional<TimePoint> at = ParseTimestamp(a->attempted_at);
      if (!at) continue;
      const int64_t at_ms = UnixMillis(*at);
      if (at_ms < since_ms - kOrderSlackMs) break;  // the rest is older still
      if (at_ms < since_ms) continue;
      if ((query.until_ms && at_ms >= *query.until_ms) || a->status != "failed") continue;
      if (seen.insert(a->delivery_id).second) found.emplace_back(std::move(a->delivery_id), a->seq);
    }
    return c.status();
  });
  if (!st.ok()) return st;
  return found;
}

absl::StatusOr<RecoverResult> LmdbDeliveryStore::RetryFailedSince(std::string_view internal_id,
                                                                  std::string_view webhook_id,
                                                                  const RecoverQuery& query,
                                                                  int64_t now_ms) {
  std::optional<uint64_t> scan_stopped;
  absl::StatusOr<std::vector<std::pair<std::string, uint64_t>>> found =
      FailedInWindow(internal_id, webhook_id, query, &scan_stopped);
  if (!found.ok()) return found.status();
  RecoverResult result;
  absl::Status st = env_.Write([&](MDB_txn* txn) -> absl::Status {
    result = RecoverResult{0, scan_stopped};
    absl::StatusOr<Sendability> sendable = ReadSendability(txn, internal_id, webhook_id);
    if (!sendable.ok()) return sendable.status();
    if (!sendable->active) return absl::AbortedError(sendable->PausedMessage());
    for (const auto& [id, seq] : *found) {
      absl::StatusOr<std::string> raw = lmdb::Get(txn, deliveries_, id);
      if (absl::IsNotFound(raw.status())) continue;  // gone since the scan
      if (!raw.ok()) return raw.status();
      absl::StatusOr<Delivery> d = DecodeDeliveryRecord(*raw);
      if (!d.ok()) return d.status();
      // Deliveries of removed or disabled channels stay failed: they would only be cancelled.
      // So do disable notices: a recovery follows the owner's fix, which makes them stale (one
      // can still be retried by its delivery_id).
      if (d->state != DeliveryState::kFailed || !sendable->WhyNot(*d).empty() ||
          d->event_type == kChannelDisabledEventType) {
        continue;
      }
      if (result.retried == query.max_retried) {
        result.next_before_seq = seq + 1;  // from this delivery's attempt on, next time
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

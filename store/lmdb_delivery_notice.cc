// LmdbDeliveryStore: the disable notices queued by RecordOutcomes (store/disable_notice.h).
#include <lmdb.h>

#include <string>
#include <vector>

#include "model/webhook_codec.h"
#include "store/disable_notice.h"
#include "store/keys.h"
#include "store/lmdb_delivery_internal.h"
#include "store/lmdb_delivery_store.h"
#include "store/lmdb_txn.h"

namespace webhooks {

absl::StatusOr<size_t> LmdbDeliveryStore::QueueDisableNotices(
    MDB_txn* txn, const Attempt& attempt, const WebhookDeliveryState& state,
    const AttemptOutcome::Disabled& disabled) {
  absl::StatusOr<std::string> raw =
      lmdb::Get(txn, webhooks_, keys::Webhook(attempt.internal_id, attempt.webhook_id));
  if (absl::IsNotFound(raw.status())) return 0;  // deleted: nobody left to tell
  if (!raw.ok()) return raw.status();
  // A record that does not decode tells nobody, rather than failing the batch: every later
  // recording of the notifier would fail with it. (The dispatcher logs such a record when it
  // loads the webhook for a delivery.)
  absl::StatusOr<Webhook> w = DecodeStoredWebhook(*raw);
  if (!w.ok()) return 0;
  std::vector<uint32_t> off;
  for (const auto& d : state.disabled_channels) off.push_back(d.first);
  const std::vector<Delivery> notices = ChannelDisabledNotices(
      *w, off, disabled.channel_index, disabled.reason, UnixMillis(clock_()));
  size_t queued = 0;
  for (const Delivery& d : notices) {
    absl::Status st = delivery_internal::PutDelivery(txn, deliveries_, due_, d, MDB_NOOVERWRITE);
    if (absl::IsAlreadyExists(st)) continue;  // the same notice, queued already
    if (!st.ok()) return st;
    ++queued;
  }
  return queued;
}

}  // namespace webhooks

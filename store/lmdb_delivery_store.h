// The LMDB DeliveryStore, sharing the environment of an LmdbStore.
//
//   deliveries     <delivery_id>                          -> delivery JSON
//   due            <next_attempt_ms, 8 bytes BE><delivery_id> -> "" (pending deliveries only)
//   attempts       <internal_id>/<webhook_id>/<~seq, 8 bytes BE> -> attempt JSON (newest first)
//   webhook_state  <internal_id>/<webhook_id>             -> state JSON (last_error, disabled
//                                                            channels, failure streaks)
//   seen_events    <internal_id>/<event_id>               -> when recorded (unix ms, 8 bytes BE;
//                                                            "" in stores written before that)
//   meta           "notifier_cursor", "attempt_seq"      -> u64
#ifndef WEBHOOKS_STORE_LMDB_DELIVERY_STORE_H_
#define WEBHOOKS_STORE_LMDB_DELIVERY_STORE_H_

#include "common/time_format.h"
#include "store/delivery_store.h"
#include "store/lmdb_env.h"

namespace webhooks {

class LmdbDeliveryStore final : public DeliveryStore {
 public:
  // REQUIRES: `env` was opened by LmdbStore::Open (which opens these databases) and outlives
  // this object. `clock` dates the seen event ids that Enqueue records (for PurgeHistory).
  explicit LmdbDeliveryStore(LmdbEnv& env, Clock clock = SystemClock());

  absl::Status Enqueue(const std::vector<Delivery>& deliveries,
                       const std::vector<std::pair<std::string, std::string>>& seen,
                       std::optional<uint64_t> next_position) override;
  absl::StatusOr<std::vector<bool>> SeenEvents(
      const std::vector<std::pair<std::string, std::string>>& ids) override;
  absl::StatusOr<uint64_t> Cursor() override;
  absl::StatusOr<std::vector<Delivery>> Due(int64_t now_ms, size_t max, const DueSkip& skip,
                                            DueScan* scan) override;
  absl::StatusOr<Delivery> GetDelivery(std::string_view delivery_id) override;
  absl::Status RecordOutcomes(std::vector<AttemptOutcome>& outcomes) override;
  absl::StatusOr<AttemptPage> ListAttempts(std::string_view internal_id,
                                           std::string_view webhook_id,
                                           const AttemptQuery& query) override;
  absl::StatusOr<WebhookDeliveryState> GetWebhookState(std::string_view internal_id,
                                                       std::string_view webhook_id) override;
  absl::StatusOr<bool> EnableChannels(std::string_view internal_id,
                                      std::string_view webhook_id) override;
  absl::StatusOr<uint64_t> PendingCount() override;
  absl::StatusOr<Delivery> RetryDelivery(std::string_view internal_id, std::string_view webhook_id,
                                         std::string_view delivery_id, int64_t now_ms) override;
  absl::StatusOr<RecoverResult> RetryFailedSince(std::string_view internal_id,
                                                 std::string_view webhook_id,
                                                 const RecoverQuery& query,
                                                 int64_t now_ms) override;
  absl::StatusOr<HistoryRemoved> PurgeHistory(HistorySweep& sweep) override;

 private:
  struct PurgeCandidates;  // lmdb_delivery_history.cc
  // PurgeHistory's read phase: fills `c` from where `sweep` stands and advances it.
  absl::Status FindPurgeCandidates(MDB_txn* txn, HistorySweep& sweep, PurgeCandidates& c);
  // The deliveries part of the read phase (see lmdb_delivery_history.cc); `examined` counts what
  // was read. True at the end of the table.
  absl::StatusOr<bool> FindOldDeliveries(MDB_txn* txn, HistorySweep& sweep, size_t& examined,
                                         PurgeCandidates& c);
  // The attempts part of the read phase: per webhook, its attempts older than the cutoff, read
  // from its oldest back; `examined` counts what was read. True at the end of the table.
  absl::StatusOr<bool> FindOldAttempts(MDB_txn* txn, HistorySweep& sweep, size_t& examined,
                                       PurgeCandidates& c);
  // PurgeHistory's write phase: removes the candidates that still qualify.
  absl::Status RemovePurgeCandidates(MDB_txn* txn, const HistorySweep& sweep,
                                     const PurgeCandidates& c, HistoryRemoved& removed);
  // `seq`: the attempt's sequence number (ignored when no attempt was made).
  absl::Status ApplyOutcome(MDB_txn* txn, AttemptOutcome& o, uint64_t seq);
  // Deletes the due entry the delivery had (o.taken_due_ms, or read from the stored record).
  absl::Status RemoveDueEntry(MDB_txn* txn, const AttemptOutcome& o);
  // The deliveries with a failed attempt in the query's window, each with the seq of its newest
  // such attempt, newest first. *stopped_before is set (to continue before) when max_examined
  // stopped the scan.
  absl::StatusOr<std::vector<std::pair<std::string, uint64_t>>> FailedInWindow(
      std::string_view internal_id, std::string_view webhook_id, const RecoverQuery& query,
      std::optional<uint64_t>* stopped_before);
  // What decides whether a delivery of a webhook would be sent if queued now (the webhook's
  // is_active, its channels, the channels an answer disabled), read inside a retry's write
  // transaction so that a change committed before it counts (lmdb_delivery_retry.cc). NotFound
  // when the webhook is gone.
  struct Sendability;
  absl::StatusOr<Sendability> ReadSendability(MDB_txn* txn, std::string_view internal_id,
                                              std::string_view webhook_id);
  // Applies o's last_error / disabled-channel changes and failure streak, disables the channel
  // when it failed too long, and sets o.disabled; writes only when something changes.
  absl::Status UpdateWebhookState(MDB_txn* txn, AttemptOutcome& o);
  // Queues the notices of `disabled` (ChannelDisabledNotices, with `state` as it is after the
  // disable) for the webhook of `attempt`, read as stored in `txn`; returns how many.
  absl::StatusOr<size_t> QueueDisableNotices(MDB_txn* txn, const Attempt& attempt,
                                             const WebhookDeliveryState& state,
                                             const AttemptOutcome::Disabled& disabled);

  LmdbEnv& env_;
  Clock clock_;
  MDB_dbi meta_, deliveries_, due_, attempts_, state_, seen_, webhooks_;
};

}  // namespace webhooks

#endif  // WEBHOOKS_STORE_LMDB_DELIVERY_STORE_H_

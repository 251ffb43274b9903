// DeliveryStore::PurgeHistory on LMDB: what a pass of delivery history retention removes, what
// it must keep (pending deliveries, recent history, the state of existing webhooks), and that
// small step budgets reach the same result.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "common/ids.h"
#include "common/time_format.h"
#include "store/keys.h"
#include "store/lmdb_delivery_store.h"
#include "store/lmdb_store.h"
#include "store/lmdb_txn.h"
#include "tests/test_util.h"
#include "tests/unit/store_lmdb_fixture.h"

namespace webhooks {
namespace {

using ::webhooks::testing::TempDir;

constexpr int64_t kCutoff = 5'000'000;  // unix ms: history that ended before this goes
constexpr int64_t kOld = 1'000'000;
constexpr int64_t kNew = 9'000'000;

class HistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LmdbOptions fast;
    fast.durable = false;  // durability is the LMDB tests' subject, not this one's
    auto s = LmdbStore::Open(dir_.path(), fast);
    ASSERT_OK(s.status());
    store_ = *std::move(s);
    deliveries_ = std::make_unique<LmdbDeliveryStore>(
        store_->env(), [this] { return TimePoint(std::chrono::milliseconds(now_ms_)); });
    ASSERT_OK(store_->CreateOrganization({kOrgA, "o", "2026-01-01T00:00:00Z"}));
  }

  std::string AddWebhook() {
    Webhook w = MakeWebhook(NewWebhookId(), "w", kOrgA);
    EXPECT_OK(store_->CreateWebhook(&w));
    return w.webhook_id;
  }

  // Queues a delivery of `webhook` due at `due_ms` (its id of order next_order_), records one
  // failed attempt at each time of `attempts_at`, and leaves it in `state`: finished (the store
  // notes when) at `ended_ms`, by default its last attempt or its due time.
  Delivery Make(const std::string& webhook, const std::string& event_id, int64_t due_ms,
                DeliveryState state, const std::vector<int64_t>& attempts_at = {},
                std::optional<int64_t> ended_ms = std::nullopt) {
    Delivery d;
    d.internal_id = kOrgA;
    d.webhook_id = webhook;
    d.event_id = event_id;
    d.event_type = "object.created";
    // Queued in id order, as the fan-out does (the event's log position leads the id), when
    // it was first due.
    d.delivery_id = DeliveryId(next_order_++, kOrgA, event_id, webhook, 0, 0);
    d.envelope_json = "{}";
    d.next_attempt_ms = due_ms;
    const int64_t queued = attempts_at.empty() ? due_ms : std::min(due_ms, attempts_at.front());
    d.created_at = FormatTimestamp(TimePoint(std::chrono::milliseconds(queued)));
    EXPECT_OK(deliveries_->Enqueue({d}, {}, std::nullopt));
    std::vector<AttemptOutcome> outcomes;
    for (size_t i = 0; i < attempts_at.size(); ++i) {
      AttemptOutcome& o = outcomes.emplace_back();
      o.delivery = d;  // pending, due at due_ms, until the last outcome says otherwise
      o.delivery.attempts = static_cast<uint32_t>(i + 1);
      o.taken_due_ms = due_ms;
      o.attempt.delivery_id = d.delivery_id;
      o.attempt.internal_id = kOrgA;
      o.attempt.webhook_id = webhook;
      o.attempt.event_id = event_id;
      o.attempt.channel = "webhook";
      o.attempt.attempt = static_cast<uint32_t>(i + 1);
      o.attempt.status = "failed";
      o.attempt.attempted_at =
          FormatTimestamp(TimePoint(std::chrono::milliseconds(attempts_at[i])));
      o.set_last_error = LastError{"webhook", 0, "boom", 500, o.attempt.attempted_at};
    }
    if (state != DeliveryState::kPending) {
      if (outcomes.empty()) {  // ends without an attempt (attempt.attempt == 0)
        outcomes.emplace_back().delivery = d;
        outcomes.back().taken_due_ms = due_ms;
      }
      outcomes.back().delivery.state = state;
    }
    now_ms_ = ended_ms.value_or(attempts_at.empty() ? due_ms : attempts_at.back());
    if (!outcomes.empty()) EXPECT_OK(deliveries_->RecordOutcomes(outcomes));
    return d;
  }

  // Runs a pass with the given budgets; returns what it removed. Fails the test when the pass
  // does not end or a step changes more than `max_removed` records.
  HistoryRemoved Pass(size_t max_examined = 20000, size_t max_removed = 1000, bool whole = false) {
    HistorySweep sweep;
    sweep.before_ms = kCutoff;
    sweep.whole = whole;
    sweep.max_examined = max_examined;
    sweep.max_removed = max_removed;
    HistoryRemoved total;
    for (int steps = 0; !sweep.done; ++steps) {
      if (steps == 10000) {
        ADD_FAILURE() << "the pass did not end";
        break;
      }
      absl::StatusOr<HistoryRemoved> removed = deliveries_->PurgeHistory(sweep);
      EXPECT_OK(removed.status());
      if (!removed.ok()) break;
      EXPECT_LE(removed->total(), max_removed);
      total += *removed;
    }
    return total;
  }

  size_t AttemptCount(const std::string& webhook) {
    AttemptQuery q;
    q.limit = 1000;
    return deliveries_->ListAttempts(kOrgA, webhook, q)->items.size();
  }
  bool Exists(const Delivery& d) { return deliveries_->GetDelivery(d.delivery_id).ok(); }

  TempDir dir_;
  std::unique_ptr<LmdbStore> store_;
  std::unique_ptr<LmdbDeliveryStore> deliveries_;
  int64_t now_ms_ = kOld;
  uint64_t next_order_ = 1;
};

TEST_F(HistoryTest, RemovesFinishedDeliveriesThatEndedBeforeTheCutoffAndNeverPendingOnes) {
  const std::string hook = AddWebhook();
  const Delivery succeeded = Make(hook, "evt_s", kOld, DeliveryState::kSucceeded);
  const Delivery failed = Make(hook, "evt_f", kOld, DeliveryState::kFailed);
  const Delivery cancelled = Make(hook, "evt_c", kOld, DeliveryState::kCancelled);
  const Delivery pending = Make(hook, "evt_p", kOld, DeliveryState::kPending);
  const Delivery recent = Make(hook, "evt_r", kNew, DeliveryState::kSucceeded);
  // Due long ago, but held in a backlog: it ended after the cutoff, which is what counts.
  const Delivery backlogged = Make(hook, "evt_b", kOld, DeliveryState::kFailed, {}, kNew);

  HistoryRemoved removed = Pass();
  EXPECT_EQ(removed.deliveries, 3u);
  EXPECT_FALSE(Exists(succeeded));
  EXPECT_FALSE(Exists(failed));
  EXPECT_FALSE(Exists(cancelled));
  EXPECT_TRUE(Exists(recent));
  EXPECT_TRUE(Exists(backlogged));
  EXPECT_EQ(deliveries_->GetDelivery(backlogged.delivery_id)->next_attempt_ms, kNew);
  // The old pending delivery stays, and stays due.
  ASSERT_TRUE(Exists(pending));
  absl::StatusOr<std::vector<Delivery>> due = deliveries_->Due(kNew, 10, nullptr, nullptr);
  ASSERT_OK(due.status());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ(due->front().delivery_id, pending.delivery_id);
  // A removed failed delivery can no longer be retried.
  EXPECT_TRUE(
      absl::IsNotFound(deliveries_->RetryDelivery(kOrgA, hook, failed.delivery_id, kNew).status()));
  // A second pass finds nothing more.
  EXPECT_EQ(Pass().total(), 0u);
}

TEST_F(HistoryTest, RemovesEachWebhooksAttemptsMadeBeforeTheCutoff) {
  const std::string mixed = AddWebhook(), old_only = AddWebhook(), new_only = AddWebhook();
  // Attempts are recorded in the order they end (their seq); a webhook's are read from its
  // oldest seq on until one is recent. Small inversions among old ones do not matter.
  Make(mixed, "evt_2", kOld, DeliveryState::kFailed, {kOld + 2000});
  // A delivery still retrying keeps its record, but its old attempts go.
  Make(mixed, "evt_1", kNew, DeliveryState::kPending, {kOld, kOld + 1000, kNew});
  Make(old_only, "evt_3", kOld, DeliveryState::kFailed, {kOld, kOld + 1000});
  Make(new_only, "evt_4", kNew, DeliveryState::kFailed, {kNew, kNew + 1000});
  ASSERT_EQ(AttemptCount(mixed), 4u);

  HistoryRemoved removed = Pass();
  EXPECT_EQ(removed.attempts, 5u);
  ASSERT_EQ(AttemptCount(mixed), 1u);
  EXPECT_EQ(AttemptCount(old_only), 0u);
  EXPECT_EQ(AttemptCount(new_only), 2u);
  AttemptQuery q;
  EXPECT_EQ(deliveries_->ListAttempts(kOrgA, mixed, q)->items.front().attempted_at,
            FormatTimestamp(TimePoint(std::chrono::milliseconds(kNew))));
}

TEST_F(HistoryTest, AttemptsThatCannotBeReadAreLeftAndDoNotStallAPass) {
  const std::string hook = AddWebhook();
  Make(hook, "evt_1", kOld, DeliveryState::kFailed, {kOld, kOld + 1000, kOld + 2000});  // seq 1-3
  // Five unreadable attempts (seq 100-104), more than a step reads, then a recent one (seq 201).
  LmdbEnv& env = store_->env();
  ASSERT_OK(env.Write([&](MDB_txn* txn) -> absl::Status {
    for (uint64_t seq = 100; seq < 105; ++seq) {
      const std::string key = std::string(kOrgA) + "/" + hook + "/" +
                              keys::EncodeU64(std::numeric_limits<uint64_t>::max() - seq);
      if (absl::Status st = lmdb::Put(txn, env.dbi("attempts"), key, "\x07garbage"); !st.ok()) {
        return st;
      }
    }
    return lmdb::Put(txn, env.dbi("meta"), "attempt_seq", keys::EncodeU64(200));
  }));
  Make(hook, "evt_2", kNew, DeliveryState::kSucceeded, {kNew});

  HistoryRemoved removed = Pass(/*max_examined=*/3, /*max_removed=*/2);  // fails if it never ends
  EXPECT_EQ(removed.attempts, 3u);
  EXPECT_EQ(removed.unreadable, 5u);  // reported, each once
  size_t left = 0;
  ASSERT_OK(env.Read([&](MDB_txn* txn) -> absl::Status {
    lmdb::Cursor c(txn, env.dbi("attempts"));
    for (bool ok = c.Seek(MDB_FIRST); ok; ok = c.Seek(MDB_NEXT)) ++left;
    return c.status();
  }));
  EXPECT_EQ(left, 6u);  // the five unreadable ones and the recent one
}

TEST_F(HistoryTest, RemovesSeenEventIdsRecordedBeforeTheCutoff) {
  now_ms_ = kOld;
  ASSERT_OK(deliveries_->Enqueue({}, {{kOrgA, "ingest-1"}}, std::nullopt));
  now_ms_ = kNew;
  ASSERT_OK(deliveries_->Enqueue({}, {{kOrgA, "ingest-2"}}, std::nullopt));

  EXPECT_EQ(Pass().seen_events, 1u);
  EXPECT_FALSE(*deliveries_->SeenEvent(kOrgA, "ingest-1"));
  EXPECT_TRUE(*deliveries_->SeenEvent(kOrgA, "ingest-2"));
}

TEST_F(HistoryTest, DatesSeenEventIdsOfOlderStoresInsteadOfRemovingThem) {
  // Stores written before seen ids carried their time hold "" for them.
  ASSERT_OK(store_->env().Write([&](MDB_txn* txn) {
    return lmdb::Put(txn, store_->env().dbi("seen_events"), std::string(kOrgA) + "/legacy", "");
  }));
  now_ms_ = kCutoff + 1;  // the pass dates it now, after its cutoff
  EXPECT_EQ(Pass().seen_events, 0u);
  EXPECT_TRUE(*deliveries_->SeenEvent(kOrgA, "legacy"));

  // One retention later it goes like any other.
  HistorySweep later;
  later.before_ms = kCutoff + 2;
  while (!later.done) ASSERT_OK(deliveries_->PurgeHistory(later).status());
  EXPECT_FALSE(*deliveries_->SeenEvent(kOrgA, "legacy"));
}

TEST_F(HistoryTest, RemovesTheDeliveryStateOfWebhooksThatNoLongerExist) {
  const std::string kept = AddWebhook();
  const std::string deleted = AddWebhook();
  Make(kept, "evt_1", kNew, DeliveryState::kFailed, {kNew});
  Make(deleted, "evt_2", kNew, DeliveryState::kFailed, {kNew});
  ASSERT_TRUE(deliveries_->GetWebhookState(kOrgA, deleted)->last_error.has_value());
  ASSERT_OK(store_->DeleteWebhook(kOrgA, deleted));

  EXPECT_EQ(Pass().webhook_states, 1u);
  EXPECT_FALSE(deliveries_->GetWebhookState(kOrgA, deleted)->last_error.has_value());
  EXPECT_TRUE(deliveries_->GetWebhookState(kOrgA, kept)->last_error.has_value());
}

TEST_F(HistoryTest, SmallStepBudgetsReachTheSameResult) {
  std::vector<std::string> hooks;
  for (int i = 0; i < 4; ++i) hooks.push_back(AddWebhook());
  std::vector<Delivery> old_ones, kept;
  for (int i = 0; i < 26; ++i) {
    old_ones.push_back(Make(hooks[i % hooks.size()], "evt_" + std::to_string(i), kOld,
                            DeliveryState::kFailed, {kOld, kOld + 1000}));
  }
  for (int i = 26; i < 40; ++i) {
    kept.push_back(Make(hooks[i % hooks.size()], "evt_" + std::to_string(i), kNew,
                        DeliveryState::kSucceeded, {kNew}));
  }
  now_ms_ = kOld;
  std::vector<std::pair<std::string, std::string>> seen;
  for (int i = 0; i < 10; ++i) seen.emplace_back(kOrgA, "ingest-" + std::to_string(i));
  ASSERT_OK(deliveries_->Enqueue({}, seen, std::nullopt));

  HistoryRemoved removed = Pass(/*max_examined=*/3, /*max_removed=*/2);
  EXPECT_EQ(removed.deliveries, old_ones.size());
  EXPECT_EQ(removed.attempts, 2 * old_ones.size());
  EXPECT_EQ(removed.seen_events, 10u);
  for (const Delivery& d : old_ones) EXPECT_FALSE(Exists(d)) << d.event_id;
  for (const Delivery& d : kept) EXPECT_TRUE(Exists(d)) << d.event_id;
  size_t attempts = 0;
  for (const std::string& hook : hooks) attempts += AttemptCount(hook);
  EXPECT_EQ(attempts, kept.size());
}

TEST_F(HistoryTest, APassReadsEachIdRangeUpToTheFirstDeliveryQueuedAfterTheCutoff) {
  const std::string hook = AddWebhook();
  const Delivery old_one = Make(hook, "evt_1", kOld, DeliveryState::kSucceeded);
  const Delivery young = Make(hook, "evt_2", kNew, DeliveryState::kSucceeded);
  // Out of order: ended long ago, but queued after `young` by id (e.g. restored from a dump
  // onto a new event log, whose positions start again from 0).
  const Delivery behind = Make(hook, "evt_3", kOld, DeliveryState::kFailed);
  // An API test delivery (its order is a time): the second id range is read on its own.
  next_order_ = kFirstTimeOrder + kOld;
  const Delivery test_delivery = Make(hook, "evt_test", kOld, DeliveryState::kSucceeded);

  EXPECT_EQ(Pass().deliveries, 2u);
  EXPECT_FALSE(Exists(old_one));
  EXPECT_FALSE(Exists(test_delivery));
  EXPECT_TRUE(Exists(young));
  EXPECT_TRUE(Exists(behind)) << "a pass stops at `young`";
  // A whole pass reads every delivery.
  EXPECT_EQ(Pass(20000, 1000, /*whole=*/true).deliveries, 1u);
  EXPECT_FALSE(Exists(behind));
  EXPECT_TRUE(Exists(young));
}

TEST_F(HistoryTest, AFinishedPassDoesNothingMore) {
  const std::string hook = AddWebhook();
  Make(hook, "evt_1", kOld, DeliveryState::kSucceeded, {kOld});
  HistorySweep sweep;
  sweep.before_ms = kCutoff;
  while (!sweep.done) ASSERT_OK(deliveries_->PurgeHistory(sweep).status());
  Make(hook, "evt_2", kOld, DeliveryState::kSucceeded, {kOld});
  absl::StatusOr<HistoryRemoved> again = deliveries_->PurgeHistory(sweep);
  ASSERT_OK(again.status());
  EXPECT_EQ(again->total(), 0u);  // a new pass (a new HistorySweep) is what takes it
  EXPECT_EQ(AttemptCount(hook), 1u);
}

}  // namespace
}  // namespace webhooks

// DeliveryStore::RetryDelivery and RetryFailedSince on LMDB: failed deliveries back in the queue,
// one or those of a time window, and every refusal leaving the store as it was.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/time_format.h"
#include "store/lmdb_delivery_store.h"
#include "store/lmdb_store.h"
#include "tests/test_util.h"
#include "tests/unit/store_lmdb_fixture.h"

namespace webhooks {
namespace {

using ::webhooks::testing::TempDir;

constexpr char kHook[] = "wh_aaaaaaaaaa";
constexpr char kHook2[] = "wh_bbbbbbbbbb";

class RetryDeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = LmdbStore::Open(dir_.path());
    ASSERT_OK(s.status());
    store_ = *std::move(s);
    deliveries_ = std::make_unique<LmdbDeliveryStore>(store_->env());
    // The retries check the webhook in their own transaction: it must exist.
    ASSERT_OK(store_->CreateOrganization({kOrg, "o", "2025-01-01T00:00:00Z"}));
    AddWebhook(kHook, 2);
    AddWebhook(kHook2, 1);
  }

  void AddWebhook(const std::string& id, size_t channels) {
    Webhook w = MakeWebhook(id, id);
    w.spec.channels.resize(channels, w.spec.channels.front());
    ASSERT_OK(store_->CreateWebhook(&w));
  }

  // Changes kHook as a PUT would: active or not, with its first `channels` channels.
  void ChangeHook(bool active, size_t channels) {
    ASSERT_OK(store_
                  ->UpdateWebhook(kOrg, kHook,
                                  [&](Webhook& w) {
                                    w.spec.is_active = active;
                                    w.spec.channels.resize(channels);
                                    return absl::OkStatus();
                                  })
                  .status());
  }

  // Queues a delivery of kHook and records one outcome for it in `state` after `attempts`.
  Delivery Settled(const std::string& event_id, DeliveryState state, uint32_t attempts = 3) {
    Delivery d;
    d.internal_id = kOrg;
    d.webhook_id = kHook;
    d.channel_index = 1;
    d.event_id = event_id;
    d.event_type = "object.created";
    d.delivery_id = DeliveryId(0, kOrg, event_id, kHook, 1, 0);
    d.envelope_json = R"({"event_id":")" + event_id + R"("})";
    d.next_attempt_ms = 1000;
    d.created_at = "2025-01-01T00:00:00Z";
    EXPECT_OK(deliveries_->Enqueue({d}, {}, std::nullopt));
    if (state == DeliveryState::kPending) return d;
    std::vector<AttemptOutcome> outcomes(1);
    outcomes[0].delivery = d;
    outcomes[0].delivery.state = state;
    outcomes[0].delivery.attempts = attempts;
    outcomes[0].taken_due_ms = d.next_attempt_ms;
    EXPECT_OK(deliveries_->RecordOutcomes(outcomes));
    return *deliveries_->GetDelivery(d.delivery_id);
  }

  // Queues a delivery of `webhook` for `event_id` and records one attempt for it made at
  // `at_ms`, with result `status`, leaving the delivery in `state`; `disable` (a reason): the
  // outcome also disables the channel, as an HTTP 410 answer does. On `webhook`'s `channel`.
  Delivery Attempted(const std::string& event_id, int64_t at_ms, const std::string& status,
                     DeliveryState state, const std::string& webhook = kHook,
                     const std::string& disable = "", uint32_t channel = 0) {
    Delivery d;
    d.internal_id = kOrg;
    d.webhook_id = webhook;
    d.channel_index = channel;
    d.event_id = event_id;
    d.delivery_id = DeliveryId(0, kOrg, event_id, webhook, channel, 0);
    d.envelope_json = "{}";
    d.next_attempt_ms = at_ms;
    d.created_at = "2025-01-01T00:00:00Z";
    EXPECT_OK(deliveries_->Enqueue({d}, {}, std::nullopt));
    std::vector<AttemptOutcome> outcomes(1);
    AttemptOutcome& o = outcomes[0];
    o.delivery = d;
    o.delivery.state = state;
    o.delivery.attempts = 1;
    o.taken_due_ms = at_ms;
    o.attempt.delivery_id = d.delivery_id;
    o.attempt.internal_id = kOrg;
    o.attempt.webhook_id = webhook;
    o.attempt.event_id = event_id;
    o.attempt.channel = "webhook";
    o.attempt.channel_index = channel;
    o.attempt.attempt = 1;
    o.attempt.status = status;
    o.attempt.attempted_at = FormatTimestamp(TimePoint(std::chrono::milliseconds(at_ms)));
    if (!disable.empty()) o.disable_channel = std::make_pair(channel, disable);
    EXPECT_OK(deliveries_->RecordOutcomes(outcomes));
    return d;
  }

  DeliveryState StateOf(const Delivery& d) {
    return deliveries_->GetDelivery(d.delivery_id)->state;
  }

  TempDir dir_;
  std::unique_ptr<LmdbStore> store_;
  std::unique_ptr<LmdbDeliveryStore> deliveries_;
};

TEST_F(RetryDeliveryTest, PutsAFailedDeliveryBackDueNowWithAFreshBudget) {
  const Delivery failed = Settled("evt_1", DeliveryState::kFailed);
  ASSERT_EQ(failed.state, DeliveryState::kFailed);
  ASSERT_EQ(*deliveries_->PendingCount(), 0u);

  absl::StatusOr<Delivery> retried = deliveries_->RetryDelivery(kOrg, kHook, failed.delivery_id,
                                                                /*now_ms=*/5000);
  ASSERT_OK(retried.status());
  EXPECT_EQ(retried->state, DeliveryState::kPending);
  EXPECT_EQ(retried->attempts, 0u);
  EXPECT_EQ(retried->next_attempt_ms, 5000);
  EXPECT_EQ(retried->envelope_json, failed.envelope_json);
  EXPECT_EQ(*deliveries_->GetDelivery(failed.delivery_id), *retried);
  // In the due index at 5000, not before.
  EXPECT_TRUE(deliveries_->Due(4999, 10, nullptr, nullptr)->empty());
  absl::StatusOr<std::vector<Delivery>> due = deliveries_->Due(5000, 10, nullptr, nullptr);
  ASSERT_OK(due.status());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0], *retried);

  // Queued now: a second retry is refused and changes nothing.
  absl::Status again = deliveries_->RetryDelivery(kOrg, kHook, failed.delivery_id, 9000).status();
  EXPECT_TRUE(absl::IsAborted(again)) << again;
  EXPECT_NE(again.message().find("has status pending"), std::string::npos) << again;
  EXPECT_EQ(*deliveries_->GetDelivery(failed.delivery_id), *retried);
  EXPECT_EQ(*deliveries_->PendingCount(), 1u);
}

TEST_F(RetryDeliveryTest, RefusesDeliveriesThatAreNotFailed) {
  const Delivery succeeded = Settled("evt_ok", DeliveryState::kSucceeded);
  const Delivery cancelled = Settled("evt_cancel", DeliveryState::kCancelled);
  for (const Delivery& d : {succeeded, cancelled}) {
    absl::Status st = deliveries_->RetryDelivery(kOrg, kHook, d.delivery_id, 5000).status();
    EXPECT_TRUE(absl::IsAborted(st)) << st;
    EXPECT_NE(st.message().find(std::string(DeliveryStateName(d.state))), std::string::npos) << st;
    EXPECT_EQ(*deliveries_->GetDelivery(d.delivery_id), d);
  }
  EXPECT_EQ(*deliveries_->PendingCount(), 0u);
}

TEST_F(RetryDeliveryTest, ADeliveryOfAnotherWebhookOrOrganizationIsNotFound) {
  const Delivery failed = Settled("evt_1", DeliveryState::kFailed);
  const std::vector<std::pair<std::string, std::string>> wrong = {
      {kOtherOrg, kHook},  // another organization's key
      {kOrg, kHook2},      // another webhook of the organization
      {kOrg, kHook},       // (with a delivery id that does not exist)
  };
  for (size_t i = 0; i < wrong.size(); ++i) {
    const std::string id = i < 2 ? failed.delivery_id : "msg_000000000000ffffffffffff";
    absl::Status st =
        deliveries_->RetryDelivery(wrong[i].first, wrong[i].second, id, 5000).status();
    EXPECT_TRUE(absl::IsNotFound(st)) << i << ": " << st;
  }
  EXPECT_EQ(*deliveries_->GetDelivery(failed.delivery_id), failed);
  EXPECT_EQ(*deliveries_->PendingCount(), 0u);
}

TEST_F(RetryDeliveryTest, SurvivesReopeningTheStore) {
  const Delivery failed = Settled("evt_1", DeliveryState::kFailed);
  ASSERT_OK(deliveries_->RetryDelivery(kOrg, kHook, failed.delivery_id, 5000).status());
  deliveries_.reset();
  store_.reset();
  auto reopened = LmdbStore::Open(dir_.path());
  ASSERT_OK(reopened.status());
  LmdbDeliveryStore again((*reopened)->env());
  absl::StatusOr<std::vector<Delivery>> due = again.Due(5000, 10, nullptr, nullptr);
  ASSERT_OK(due.status());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].delivery_id, failed.delivery_id);
  EXPECT_EQ((*due)[0].state, DeliveryState::kPending);
}

TEST_F(RetryDeliveryTest, RetryFailedSinceTakesTheFailedDeliveriesOfTheWindow) {
  constexpr int64_t kT = 1'700'000'000'000;
  const Delivery early = Attempted("evt_early", kT, "failed", DeliveryState::kFailed);
  const Delivery a = Attempted("evt_a", kT + 2000, "failed", DeliveryState::kFailed);
  const Delivery ok = Attempted("evt_ok", kT + 2500, "succeeded", DeliveryState::kSucceeded);
  const Delivery retrying = Attempted("evt_r", kT + 2600, "failed", DeliveryState::kPending);
  const Delivery b = Attempted("evt_b", kT + 3000, "failed", DeliveryState::kFailed);
  const Delivery other = Attempted("evt_o", kT + 3000, "failed", DeliveryState::kFailed, kHook2);

  // The webhook paused: refused, nothing changes.
  RecoverQuery q;
  q.since_ms = kT + 1000;
  ChangeHook(/*active=*/false, 2);
  absl::Status paused = deliveries_->RetryFailedSince(kOrg, kHook, q, 9000).status();
  EXPECT_TRUE(absl::IsAborted(paused)) << paused;
  EXPECT_NE(paused.message().find("inactive"), std::string::npos) << paused;
  EXPECT_EQ(StateOf(a), DeliveryState::kFailed);
  EXPECT_EQ(StateOf(b), DeliveryState::kFailed);
  ChangeHook(/*active=*/true, 2);

  // A limit: one now (the newest), the rest on the next call.
  q.max_retried = 1;
  absl::StatusOr<RecoverResult> first = deliveries_->RetryFailedSince(kOrg, kHook, q, 9000);
  ASSERT_OK(first.status());
  EXPECT_EQ(first->retried, 1u);
  ASSERT_TRUE(first->next_before_seq.has_value());
  EXPECT_EQ(StateOf(b), DeliveryState::kPending);
  EXPECT_EQ(StateOf(a), DeliveryState::kFailed);
  q.before_seq = first->next_before_seq;
  absl::StatusOr<RecoverResult> second = deliveries_->RetryFailedSince(kOrg, kHook, q, 9000);
  ASSERT_OK(second.status());
  EXPECT_EQ(second->retried, 1u);
  EXPECT_FALSE(second->next_before_seq.has_value());
  absl::StatusOr<Delivery> requeued = deliveries_->GetDelivery(a.delivery_id);
  EXPECT_EQ(requeued->state, DeliveryState::kPending);
  EXPECT_EQ(requeued->attempts, 0u);
  EXPECT_EQ(requeued->next_attempt_ms, 9000);
  // Before the window, another webhook's, succeeded and still retrying: untouched.
  EXPECT_EQ(StateOf(early), DeliveryState::kFailed);
  EXPECT_EQ(StateOf(other), DeliveryState::kFailed);
  EXPECT_EQ(StateOf(ok), DeliveryState::kSucceeded);
  EXPECT_EQ(deliveries_->GetDelivery(retrying.delivery_id)->next_attempt_ms, kT + 2600);
  // Due at 9000: only a and b, re-queued then (`retrying` is due at kT + 2600, much later).
  EXPECT_EQ(deliveries_->Due(9000, 10, nullptr, nullptr)->size(), 2u);
}

TEST_F(RetryDeliveryTest, RetryFailedSinceHonoursUntil) {
  constexpr int64_t kT = 1'700'000'000'000;
  const Delivery a = Attempted("evt_a", kT + 1000, "failed", DeliveryState::kFailed);
  const Delivery b = Attempted("evt_b", kT + 2000, "failed", DeliveryState::kFailed);
  RecoverQuery q;
  q.since_ms = kT;
  q.until_ms = kT + 2000;  // exclusive
  absl::StatusOr<RecoverResult> r = deliveries_->RetryFailedSince(kOrg, kHook, q, 5000);
  ASSERT_OK(r.status());
  EXPECT_EQ(r->retried, 1u);
  EXPECT_FALSE(r->next_before_seq.has_value());
  EXPECT_EQ(StateOf(a), DeliveryState::kPending);
  EXPECT_EQ(StateOf(b), DeliveryState::kFailed);
}

TEST_F(RetryDeliveryTest, RetryFailedSinceContinuesPastTheScanLimit) {
  constexpr int64_t kT = 1'700'000'000'000;
  std::vector<Delivery> failed;
  for (int i = 0; i < 5; ++i) {
    failed.push_back(
        Attempted("evt_" + std::to_string(i), kT + 1000 * i, "failed", DeliveryState::kFailed));
  }
  // Newer attempts after `until` count against the limit too.
  for (int i = 0; i < 3; ++i) {
    Attempted("evt_new" + std::to_string(i), kT + 60'000, "failed", DeliveryState::kFailed);
  }
  RecoverQuery q;
  q.since_ms = kT;
  q.until_ms = kT + 30'000;
  q.max_examined = 4;
  uint64_t retried = 0;
  int calls = 1;
  for (; calls <= 10; ++calls) {
    absl::StatusOr<RecoverResult> r = deliveries_->RetryFailedSince(kOrg, kHook, q, 5000);
    ASSERT_OK(r.status());
    retried += r->retried;
    if (!r->next_before_seq) break;
    q.before_seq = r->next_before_seq;
  }
  EXPECT_EQ(calls, 2);  // 8 attempts, 4 read per call
  EXPECT_EQ(retried, 5u);
  for (const Delivery& d : failed) EXPECT_EQ(StateOf(d), DeliveryState::kPending);

  q = RecoverQuery{};
  q.since_ms = kT;
  q.max_examined = 0;
  absl::StatusOr<RecoverResult> none = deliveries_->RetryFailedSince(kOrg, kHook, q, 5000);
  ASSERT_OK(none.status());
  EXPECT_EQ(none->retried, 0u);
  EXPECT_TRUE(none->next_before_seq.has_value());
}

TEST_F(RetryDeliveryTest, RetryFailedSinceCountsSinceFromTheStartOfItsSecond) {
  constexpr int64_t kT = 1'700'000'000'000;  // a whole second
  // Attempt times are stored with whole seconds: this one reads as kT.
  const Delivery d = Attempted("evt_a", kT + 700, "failed", DeliveryState::kFailed);
  RecoverQuery q;
  q.since_ms = kT + 500;
  absl::StatusOr<RecoverResult> r = deliveries_->RetryFailedSince(kOrg, kHook, q, 5000);
  ASSERT_OK(r.status());
  EXPECT_EQ(r->retried, 1u);
  EXPECT_EQ(StateOf(d), DeliveryState::kPending);
}

TEST_F(RetryDeliveryTest, ADeliveryOfADisabledChannelStaysFailed) {
  // The outcome that failed it also disabled its channel (as an HTTP 410 answer does), possibly
  // after the caller looked at the webhook: the store checks in its own transaction.
  constexpr int64_t kT = 1'700'000'000'000;
  const Delivery d =
      Attempted("evt_gone", kT, "failed", DeliveryState::kFailed, kHook, "HTTP 410 Gone");

  absl::Status one = deliveries_->RetryDelivery(kOrg, kHook, d.delivery_id, 5000).status();
  EXPECT_TRUE(absl::IsAborted(one)) << one;
  EXPECT_NE(one.message().find("HTTP 410 Gone"), std::string::npos) << one;
  RecoverQuery q;
  q.since_ms = kT;
  absl::StatusOr<RecoverResult> window = deliveries_->RetryFailedSince(kOrg, kHook, q, 5000);
  ASSERT_OK(window.status());
  EXPECT_EQ(window->retried, 0u);
  EXPECT_EQ(StateOf(d), DeliveryState::kFailed);
  EXPECT_EQ(*deliveries_->PendingCount(), 0u);

  // Enabled again (a PUT of the webhook): it can be retried.
  ASSERT_OK(deliveries_->EnableChannels(kOrg, kHook).status());
  ASSERT_OK(deliveries_->RetryDelivery(kOrg, kHook, d.delivery_id, 5000).status());
  EXPECT_EQ(StateOf(d), DeliveryState::kPending);
}

TEST_F(RetryDeliveryTest, WhatTheWebhookNoLongerSendsStaysFailed) {
  // Checked in the retry's own transaction: a PUT committed just before it counts.
  constexpr int64_t kT = 1'700'000'000'000;
  const Delivery first =
      Attempted("evt_1", kT, "failed", DeliveryState::kFailed, kHook, "", /*channel=*/1);
  const Delivery d0 = Attempted("evt_0", kT, "failed", DeliveryState::kFailed);  // channel 0
  RecoverQuery q;
  q.since_ms = kT;

  ChangeHook(/*active=*/false, 2);
  absl::Status paused = deliveries_->RetryDelivery(kOrg, kHook, first.delivery_id, 5000).status();
  EXPECT_TRUE(absl::IsAborted(paused)) << paused;
  EXPECT_NE(paused.message().find("is inactive"), std::string::npos) << paused;

  ChangeHook(/*active=*/true, 1);  // channel 1 removed
  absl::Status removed = deliveries_->RetryDelivery(kOrg, kHook, first.delivery_id, 5000).status();
  EXPECT_TRUE(absl::IsAborted(removed)) << removed;
  EXPECT_NE(removed.message().find("was removed"), std::string::npos) << removed;
  EXPECT_EQ(StateOf(first), DeliveryState::kFailed);
  absl::StatusOr<RecoverResult> window = deliveries_->RetryFailedSince(kOrg, kHook, q, 5000);
  ASSERT_OK(window.status());
  EXPECT_EQ(window->retried, 1u);  // d0 only
  EXPECT_EQ(StateOf(d0), DeliveryState::kPending);
  EXPECT_EQ(StateOf(first), DeliveryState::kFailed);

  ASSERT_OK(store_->DeleteWebhook(kOrg, kHook));
  EXPECT_TRUE(
      absl::IsNotFound(deliveries_->RetryDelivery(kOrg, kHook, first.delivery_id, 5000).status()));
  EXPECT_TRUE(absl::IsNotFound(deliveries_->RetryFailedSince(kOrg, kHook, q, 5000).status()));
  EXPECT_EQ(*deliveries_->PendingCount(), 1u);
}

}  // namespace
}  // namespace webhooks

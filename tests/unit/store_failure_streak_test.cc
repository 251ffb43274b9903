// Disabling a channel that has failed too long: the streak arithmetic (store/failure_streak.h),
// its storage form, and RecordOutcomes applying it in the attempt's transaction.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "store/delivery_codec.h"
#include "store/failure_streak.h"
#include "store/lmdb_delivery_store.h"
#include "store/lmdb_store.h"
#include "store/lmdb_txn.h"
#include "tests/test_util.h"

namespace webhooks {
namespace {

using ::webhooks::testing::TempDir;

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kT0 = 1'800'000'000'000;  // 2027-01-15T08:00:00Z

TEST(FailureStreakTest, AFailureStartsAStreakThatASuccessEnds) {
  WebhookDeliveryState s;
  EXPECT_FALSE(FoldAttempt(s, 1, true, true, kT0, 5 * kDay));  // nothing to end: no change
  EXPECT_TRUE(FoldAttempt(s, 1, false, true, kT0, 5 * kDay));
  EXPECT_TRUE(FoldAttempt(s, 0, false, true, kT0 + kHour, 5 * kDay));
  EXPECT_TRUE(FoldAttempt(s, 1, false, true, kT0 + 2 * kDay, 5 * kDay));
  EXPECT_EQ(s.failing,
            (std::vector<FailureStreak>{{1, kT0, kT0 + 2 * kDay}, {0, kT0 + kHour, kT0 + kHour}}));
  EXPECT_TRUE(FoldAttempt(s, 1, true, true, kT0 + 3 * kDay, 5 * kDay));
  EXPECT_EQ(s.failing, (std::vector<FailureStreak>{{0, kT0 + kHour, kT0 + kHour}}));
}

TEST(FailureStreakTest, NewDeliveriesFailingFurtherApartThanTheWindowStartANewStreak) {
  WebhookDeliveryState s;
  ASSERT_TRUE(FoldAttempt(s, 0, false, true, kT0, 5 * kDay));
  ASSERT_TRUE(
      FoldAttempt(s, 0, false, true, kT0 + 5 * kDay, 5 * kDay));  // exactly the window: same
  EXPECT_EQ(s.failing, (std::vector<FailureStreak>{{0, kT0, kT0 + 5 * kDay}}));
  // A retry continues the streak however long its delay ...
  ASSERT_TRUE(FoldAttempt(s, 0, false, false, kT0 + 11 * kDay, 5 * kDay));
  EXPECT_EQ(s.failing, (std::vector<FailureStreak>{{0, kT0, kT0 + 11 * kDay}}));
  // ... a new delivery's first attempt that long after the last failure starts it again.
  ASSERT_TRUE(FoldAttempt(s, 0, false, true, kT0 + 16 * kDay + 1, 5 * kDay));
  EXPECT_EQ(s.failing, (std::vector<FailureStreak>{{0, kT0 + 16 * kDay + 1, kT0 + 16 * kDay + 1}}));
}

TEST(FailureStreakTest, TooLongOnceTheStreakLastedTheWindow) {
  WebhookDeliveryState s;
  ASSERT_TRUE(FoldAttempt(s, 2, false, true, kT0, 5 * kDay));
  EXPECT_FALSE(FailingTooLong(s, 2, kT0 + 5 * kDay - 1, 5 * kDay));
  EXPECT_FALSE(FailingTooLong(s, 1, kT0 + 6 * kDay, 5 * kDay));  // another channel
  std::optional<std::string> why = FailingTooLong(s, 2, kT0 + 5 * kDay, 5 * kDay);
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(*why, "every attempt failed since 2027-01-15T08:00:00Z, for 5d or more");
  s.disabled_channels.emplace_back(2, "410 Gone");
  EXPECT_FALSE(FailingTooLong(s, 2, kT0 + 6 * kDay, 5 * kDay));  // disabled already
}

TEST(FailureStreakTest, KeptInTheStateRecordAndAbsentFromOlderOnes) {
  WebhookDeliveryState s;
  s.disabled_channels.emplace_back(1, "410 Gone");
  s.failing = {{0, kT0, kT0 + kHour}, {3, kT0 + 1, kT0 + 2}};
  absl::StatusOr<WebhookDeliveryState> back = DecodeWebhookState(EncodeWebhookState(s));
  ASSERT_OK(back.status());
  EXPECT_EQ(back->failing, s.failing);
  EXPECT_EQ(back->disabled_channels, s.disabled_channels);
  back = DecodeWebhookState(R"({"last_error":null,"disabled_channels":[]})");
  ASSERT_OK(back.status());
  EXPECT_TRUE(back->failing.empty());
  EXPECT_EQ(EncodeWebhookState(WebhookDeliveryState{}),
            R"({"last_error":null,"disabled_channels":[]})");
}

// RecordOutcomes with a clock the test moves: one delivery per event, one attempt each (as with
// --retry-schedule 0), channel 0 of one webhook.
class FailingChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = LmdbStore::Open(dir_.path());
    ASSERT_OK(s.status());
    store_ = *std::move(s);
    deliveries_ = std::make_unique<LmdbDeliveryStore>(store_->env(), [this] { return Now(); });
  }
  TimePoint Now() const { return TimePoint(std::chrono::milliseconds(now_ms_)); }
  // The outcome of one attempt (attempt 1) of a new, queued delivery on channel 0.
  AttemptOutcome NewOutcome(DeliveryState final_state, int64_t window_ms = 5 * kDay) {
    Delivery d;
    d.internal_id = kOrg;
    d.webhook_id = kHook;
    d.event_id = "evt_" + std::to_string(++events_);
    d.event_type = "object.created";
    d.delivery_id = DeliveryId(events_, kOrg, d.event_id, kHook, 0, 0);
    d.envelope_json = "{}";
    d.state = DeliveryState::kPending;
    d.next_attempt_ms = now_ms_;
    EXPECT_OK(deliveries_->Enqueue({d}, {}, std::nullopt));
    AttemptOutcome o;
    o.taken_due_ms = d.next_attempt_ms;
    o.delivery = d;
    o.delivery.state = final_state;
    o.delivery.attempts = 1;
    o.attempt.internal_id = kOrg;
    o.attempt.webhook_id = kHook;
    o.attempt.delivery_id = d.delivery_id;
    o.attempt.attempt = 1;
    o.attempt.status = final_state == DeliveryState::kSucceeded ? "succeeded" : "failed";
    o.clear_last_error = final_state == DeliveryState::kSucceeded;
    o.disable_failing_after_ms = window_ms;
    return o;
  }
  // Records one such outcome at now_ms_; returns it as RecordOutcomes left it.
  AttemptOutcome Attempt(DeliveryState final_state, int64_t window_ms = 5 * kDay) {
    std::vector<AttemptOutcome> batch = {NewOutcome(final_state, window_ms)};
    EXPECT_OK(deliveries_->RecordOutcomes(batch));
    return batch[0];
  }
  WebhookDeliveryState State() {
    return deliveries_->GetWebhookState(kOrg, kHook).value_or(WebhookDeliveryState{});
  }
  std::string Version() { return store_->ConfigVersion().value_or("error"); }

  static constexpr char kOrg[] = "int_AAAAAAAAAAAAAAAAAAAAAAAA";
  static constexpr char kHook[] = "wh_aaaaaaaaaa";
  TempDir dir_;
  std::unique_ptr<LmdbStore> store_;
  std::unique_ptr<LmdbDeliveryStore> deliveries_;
  int64_t now_ms_ = kT0;
  uint64_t events_ = 0;
};

TEST_F(FailingChannelTest, DisabledWhenADeliveryFailsForGoodAfterTheWindow) {
  EXPECT_FALSE(Attempt(DeliveryState::kFailed).disabled);
  now_ms_ += 3 * kDay;
  EXPECT_FALSE(Attempt(DeliveryState::kFailed).disabled);
  now_ms_ += 3 * kDay;
  // Still retried: a delivery that stays pending never disables, however long the streak.
  EXPECT_FALSE(Attempt(DeliveryState::kPending).disabled);
  EXPECT_TRUE(State().disabled_channels.empty());
  const std::string before = Version();
  AttemptOutcome gave_up = Attempt(DeliveryState::kFailed);
  ASSERT_TRUE(gave_up.disabled.has_value());
  EXPECT_TRUE(gave_up.disabled->failing);
  EXPECT_EQ(gave_up.disabled->channel_index, 0u);
  const std::string why = "every attempt failed since 2027-01-15T08:00:00Z, for 5d or more";
  EXPECT_EQ(gave_up.disabled->reason, why);
  EXPECT_EQ(State().disabled_channels, (std::vector<std::pair<uint32_t, std::string>>{{0, why}}));
  EXPECT_NE(Version(), before);  // the notifier reloads the webhook and cancels what is queued
  // Once disabled, later outcomes do not disable it again.
  AttemptOutcome again = Attempt(DeliveryState::kFailed);
  EXPECT_FALSE(again.disabled.has_value());
  EXPECT_EQ(State().disabled_channels.size(), 1u);
}

TEST_F(FailingChannelTest, ASuccessStartsTheCountAgain) {
  Attempt(DeliveryState::kFailed);
  now_ms_ += 4 * kDay;
  Attempt(DeliveryState::kSucceeded);
  EXPECT_TRUE(State().failing.empty());
  now_ms_ += kDay;
  Attempt(DeliveryState::kFailed);
  now_ms_ += 4 * kDay;
  EXPECT_FALSE(Attempt(DeliveryState::kFailed).disabled);  // 4 days since the success
  now_ms_ += kDay;
  EXPECT_TRUE(Attempt(DeliveryState::kFailed).disabled);
}

TEST_F(FailingChannelTest, NeverWithoutAWindow) {
  Attempt(DeliveryState::kFailed, /*window_ms=*/0);
  now_ms_ += 30 * kDay;
  EXPECT_FALSE(Attempt(DeliveryState::kFailed, 0).disabled);
  EXPECT_TRUE(State().failing.empty());
  EXPECT_TRUE(State().disabled_channels.empty());
}

TEST_F(FailingChannelTest, APutEnablesTheChannelAndForgetsTheStreak) {
  Attempt(DeliveryState::kFailed);
  now_ms_ += 5 * kDay;
  ASSERT_TRUE(Attempt(DeliveryState::kFailed).disabled);
  absl::StatusOr<bool> enabled = deliveries_->EnableChannels(kOrg, kHook);
  ASSERT_OK(enabled.status());
  EXPECT_TRUE(*enabled);
  EXPECT_TRUE(State().disabled_channels.empty());
  EXPECT_TRUE(State().failing.empty());
  // The next failure starts a new count rather than disabling at once.
  now_ms_ += kHour;
  EXPECT_FALSE(Attempt(DeliveryState::kFailed).disabled);
  // A PUT while only a streak runs forgets it too, without a configuration change.
  const std::string version = Version();
  enabled = deliveries_->EnableChannels(kOrg, kHook);
  ASSERT_OK(enabled.status());
  EXPECT_FALSE(*enabled);
  EXPECT_TRUE(State().failing.empty());
  EXPECT_EQ(Version(), version);
}

// A 410 disables the channel once; a second one (another delivery in flight then) changes
// nothing, and its outcome says so.
TEST_F(FailingChannelTest, AGoneChannelIsDisabledOnce) {
  const std::string v0 = Version();
  AttemptOutcome gone = NewOutcome(DeliveryState::kFailed);
  gone.disable_channel = std::make_pair(0u, std::string("receiver answered 410 Gone"));
  std::vector<AttemptOutcome> batch = {gone};
  ASSERT_OK(deliveries_->RecordOutcomes(batch));
  ASSERT_TRUE(batch[0].disabled.has_value());
  EXPECT_FALSE(batch[0].disabled->failing);
  EXPECT_EQ(batch[0].disabled->reason, "receiver answered 410 Gone");
  const std::string v1 = Version();
  EXPECT_NE(v1, v0);
  AttemptOutcome second = NewOutcome(DeliveryState::kFailed);
  second.disable_channel = gone.disable_channel;
  batch = {second};
  ASSERT_OK(deliveries_->RecordOutcomes(batch));
  EXPECT_FALSE(batch[0].disabled.has_value());
  EXPECT_EQ(State().disabled_channels.size(), 1u);
  EXPECT_EQ(Version(), v1);
}

// Two deliveries that fail for good in one batch disable the channel once.
TEST_F(FailingChannelTest, TwoGiveUpsInOneBatchDisableOnce) {
  Attempt(DeliveryState::kFailed);
  now_ms_ += 5 * kDay;
  std::vector<AttemptOutcome> batch = {NewOutcome(DeliveryState::kFailed),
                                       NewOutcome(DeliveryState::kFailed)};
  ASSERT_OK(deliveries_->RecordOutcomes(batch));
  EXPECT_TRUE(batch[0].disabled.has_value());
  EXPECT_FALSE(batch[1].disabled.has_value());
  EXPECT_EQ(State().disabled_channels.size(), 1u);
}

// A batch recorded again (as after a failed commit) is decided again from the store as it is
// then: after a PUT in between, the same give-up starts a new count instead of disabling.
TEST_F(FailingChannelTest, ABatchRecordedAgainIsDecidedAgain) {
  Attempt(DeliveryState::kFailed);
  now_ms_ += 5 * kDay;
  std::vector<AttemptOutcome> batch = {NewOutcome(DeliveryState::kFailed)};
  ASSERT_OK(deliveries_->RecordOutcomes(batch));
  ASSERT_TRUE(batch[0].disabled.has_value());
  ASSERT_OK(deliveries_->EnableChannels(kOrg, kHook).status());
  ASSERT_OK(deliveries_->RecordOutcomes(batch));
  EXPECT_FALSE(batch[0].disabled.has_value());
  EXPECT_TRUE(State().disabled_channels.empty());
  EXPECT_EQ(State().failing.size(), 1u);
}

// Successes on a channel with no streak and no last_error write no state record: the
// delivery hot path gains no write.
TEST_F(FailingChannelTest, SuccessesAloneWriteNoState) {
  Attempt(DeliveryState::kSucceeded);
  Attempt(DeliveryState::kSucceeded);
  absl::Status st = store_->env().Read([&](MDB_txn* txn) {
    return lmdb::Get(txn, store_->env().dbi("webhook_state"), std::string(kOrg) + "/" + kHook)
        .status();
  });
  EXPECT_TRUE(absl::IsNotFound(st)) << st;
  Attempt(DeliveryState::kFailed);
  EXPECT_EQ(State().failing.size(), 1u);  // the check above can tell a record from none
}

}  // namespace
}  // namespace webhooks

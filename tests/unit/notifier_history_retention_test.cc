// HistoryRetention: passes of delivery history removal start at most once per interval, each
// removes what ended more than the retention before its start, and "forever" removes nothing.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "notifier/history_retention.h"
#include "store/lmdb_delivery_store.h"
#include "store/lmdb_store.h"
#include "tests/test_util.h"

namespace webhooks {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using ::webhooks::testing::TempDir;

class HistoryRetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = LmdbStore::Open(dir_.path());
    ASSERT_OK(s.status());
    store_ = *std::move(s);
    deliveries_ = std::make_unique<LmdbDeliveryStore>(store_->env(), [this] { return now_; });
  }
  // Records a producer's event id as seen, now.
  void See(const std::string& id) { ASSERT_OK(deliveries_->Enqueue({}, {{kOrgA, id}}, {})); }
  bool Seen(const std::string& id) { return *deliveries_->SeenEvent(kOrgA, id); }
  // Steps until the pass in progress (if any) ends; false if it does not within 100 steps.
  bool RunPass(HistoryRetention& r) {
    for (int i = 0; i < 100; ++i) {
      absl::StatusOr<bool> more = r.Step();
      EXPECT_OK(more.status());
      if (!more.ok() || !*more) return more.ok();
    }
    return false;
  }

  TempDir dir_;
  std::unique_ptr<LmdbStore> store_;
  std::unique_ptr<LmdbDeliveryStore> deliveries_;
  TimePoint now_ = std::chrono::system_clock::now();
};

TEST_F(HistoryRetentionTest, RemovesWhatIsOlderThanTheRetentionOncePerInterval) {
  HistoryRetention retention(
      *deliveries_, [this] { return now_; }, hours(1), minutes(10));
  See("ingest-0");
  now_ += minutes(90);
  See("ingest-1");
  // A notifier that just started sends first: the first pass comes a minute later.
  ASSERT_TRUE(RunPass(retention));
  EXPECT_TRUE(Seen("ingest-0"));
  now_ += minutes(1);
  ASSERT_TRUE(RunPass(retention));
  EXPECT_FALSE(Seen("ingest-0"));
  EXPECT_TRUE(Seen("ingest-1")) << "1 minute old";

  now_ += minutes(60);  // ingest-1 is 61 minutes old, and the next pass is due
  ASSERT_TRUE(RunPass(retention));
  EXPECT_FALSE(Seen("ingest-1"));
  EXPECT_EQ(retention.removed().seen_events, 2u);

  // Older than the retention, but the next pass is not due for another 10 minutes.
  now_ -= hours(2);
  See("ingest-2");
  now_ += hours(2) + minutes(1);
  absl::StatusOr<bool> more = retention.Step();
  ASSERT_OK(more.status());
  EXPECT_FALSE(*more);
  EXPECT_TRUE(Seen("ingest-2"));
  now_ += minutes(10);
  ASSERT_TRUE(RunPass(retention));
  EXPECT_FALSE(Seen("ingest-2"));
  EXPECT_EQ(retention.removed().seen_events, 3u);
}

TEST_F(HistoryRetentionTest, ANotifierMadeAfterAReloadKeepsTheSchedule) {
  HistoryRetention::Schedule schedule;  // main's, across reloads
  auto make = [&] {
    return std::make_unique<HistoryRetention>(
        *deliveries_, [this] { return now_; }, hours(1), minutes(10), &schedule);
  };
  std::unique_ptr<HistoryRetention> first = make();
  ASSERT_TRUE(RunPass(*first));  // the first pass is due a minute from here
  now_ += minutes(1);
  ASSERT_TRUE(RunPass(*first));
  EXPECT_EQ(schedule.passes, 1u);

  // A reload two minutes later: the next pass stays due 10 minutes after the first, not a minute
  // after the reload.
  now_ += minutes(2);
  first.reset();
  std::unique_ptr<HistoryRetention> second = make();
  now_ -= hours(2);
  See("ingest-1");
  now_ += hours(2);
  ASSERT_TRUE(RunPass(*second));
  now_ += minutes(1);
  ASSERT_TRUE(RunPass(*second));
  EXPECT_TRUE(Seen("ingest-1")) << "no pass before the interval";
  EXPECT_EQ(schedule.passes, 1u);
  now_ += minutes(7);  // 10 minutes after the first pass
  ASSERT_TRUE(RunPass(*second));
  EXPECT_FALSE(Seen("ingest-1"));
  EXPECT_EQ(schedule.passes, 2u);
}

TEST_F(HistoryRetentionTest, ForeverRemovesNothing) {
  HistoryRetention forever(
      *deliveries_, [this] { return now_; }, std::nullopt, minutes(10));
  See("ingest-1");
  for (int i = 0; i < 3; ++i) {  // past the first pass's delay, and past two intervals
    now_ += hours(24 * 365);
    ASSERT_TRUE(RunPass(forever));
  }
  EXPECT_TRUE(Seen("ingest-1"));
  EXPECT_EQ(forever.removed().total(), 0u);
  // The same steps with a retention remove it.
  HistoryRetention a_year(
      *deliveries_, [this] { return now_; }, hours(24 * 365), minutes(10));
  for (int i = 0; i < 3; ++i) {
    now_ += hours(24 * 365);
    ASSERT_TRUE(RunPass(a_year));
  }
  EXPECT_FALSE(Seen("ingest-1"));
}

TEST_F(HistoryRetentionTest, ThePassIntervalIsATenthOfTheRetentionWithinBounds) {
  EXPECT_EQ(HistoryRetention::DefaultEvery(hours(24 * 30)), hours(1));
  EXPECT_EQ(HistoryRetention::DefaultEvery(hours(5)), minutes(30));
  EXPECT_EQ(HistoryRetention::DefaultEvery(minutes(1)), seconds(6));
  EXPECT_EQ(HistoryRetention::DefaultEvery(milliseconds(4000)), seconds(1));
  EXPECT_EQ(HistoryRetention::DefaultEvery(milliseconds(0)), seconds(1));
}

}  // namespace
}  // namespace webhooks

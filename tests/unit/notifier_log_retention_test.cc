// LogRetention: the notifier removes event log segments its durable cursor has passed, once they
// are older than the retention period, and leaves the rest.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "eventlog/segment_format.h"
#include "notifier/log_retention.h"
#include "store/lmdb_delivery_store.h"
#include "store/lmdb_store.h"
#include "tests/test_util.h"
#include "tests/unit/eventlog_file_fixture.h"

namespace webhooks {
namespace {

using ::webhooks::testing::TempDir;

class LogRetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = LmdbStore::Open(dir_.path() + "/db");
    ASSERT_OK(s.status());
    store_ = *std::move(s);
    deliveries_ = std::make_unique<LmdbDeliveryStore>(store_->env());
    appender_ = MustOpenAppender(log_dir_, 4096);
    positions_ = AppendN(*appender_, 300, std::string(50, 'e'));
    source_ = MustOpenSource(log_dir_);
    segments_ = *segment::ListSegments(log_dir_);
    ASSERT_GT(segments_.size(), 4u);
  }
  // Moves the durable cursor as the fan-out does (with no deliveries).
  void SetCursor(uint64_t position) { ASSERT_OK(deliveries_->Enqueue({}, {}, position)); }
  size_t SegmentCount() { return segment::ListSegments(log_dir_)->size(); }

  TempDir dir_;
  const std::string log_dir_ = dir_.path() + "/events";
  std::unique_ptr<LmdbStore> store_;
  std::unique_ptr<LmdbDeliveryStore> deliveries_;
  std::unique_ptr<EventAppender> appender_;
  std::unique_ptr<EventSource> source_;
  std::vector<uint64_t> positions_;
  std::vector<uint64_t> segments_;
  TimePoint now_ = std::chrono::system_clock::now();
};

TEST_F(LogRetentionTest, RemovesConsumedSegmentsOnceOlderThanTheRetention) {
  LogRetention retention(
      *source_, *deliveries_, [this] { return now_; }, std::chrono::hours(24),
      std::chrono::seconds(10));
  SetCursor(segments_[3] + 1);  // segments 0..2 consumed
  ASSERT_OK(retention.MaybeDiscard());
  EXPECT_EQ(SegmentCount(), segments_.size()) << "written just now: kept for the retention";

  now_ += std::chrono::hours(25);
  ASSERT_OK(retention.MaybeDiscard());
  std::vector<uint64_t> left = *segment::ListSegments(log_dir_);
  EXPECT_EQ(left.size(), segments_.size() - 3);
  EXPECT_EQ(left.front(), segments_[3]) << "the segment holding the cursor stays";

  // At most one run per `every`: a cursor moved now is acted on 10 s later.
  SetCursor(positions_.back());
  now_ += std::chrono::seconds(5);
  ASSERT_OK(retention.MaybeDiscard());
  EXPECT_EQ(SegmentCount(), segments_.size() - 3);
  now_ += std::chrono::seconds(5);
  ASSERT_OK(retention.MaybeDiscard());
  EXPECT_EQ(SegmentCount(), 1u) << "all consumed but the newest, which the writer still uses";
}

TEST_F(LogRetentionTest, ZeroRetentionRemovesWhatTheCursorPassedAtOnce) {
  LogRetention retention(
      *source_, *deliveries_, [this] { return now_; }, std::chrono::milliseconds(0),
      std::chrono::milliseconds(0));
  now_ += std::chrono::seconds(1);  // after the appends
  ASSERT_OK(retention.MaybeDiscard());
  EXPECT_EQ(SegmentCount(), segments_.size()) << "cursor at 0: nothing consumed";
  SetCursor(segments_[2]);
  ASSERT_OK(retention.MaybeDiscard());
  EXPECT_EQ(SegmentCount(), segments_.size() - 2);
  EXPECT_EQ(ReadAll(*source_, segments_[2]).back().payload, std::string(50, 'e') + "299");
}

}  // namespace
}  // namespace webhooks

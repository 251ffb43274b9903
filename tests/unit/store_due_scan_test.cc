// LmdbDeliveryStore::Due with a DueScan: bounded, resumable scans of the due queue (what keeps
// the dispatcher's Step cheap behind a long deferred backlog without hiding later deliveries).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/lmdb_delivery_store.h"
#include "store/lmdb_store.h"
#include "tests/test_util.h"

namespace webhooks {
namespace {

using ::webhooks::testing::TempDir;

constexpr char kOrg[] = "int_AAAAAAAAAAAAAAAAAAAAAAAA";

class DueScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = LmdbStore::Open(dir_.path());
    ASSERT_OK(s.status());
    store_ = *std::move(s);
    deliveries_ = std::make_unique<LmdbDeliveryStore>(store_->env());
    std::vector<Delivery> ds;
    for (int i = 0; i < 10; ++i) {  // due at 1000, 1001, ... so the due order is i's order
      Delivery d;
      d.internal_id = kOrg;
      d.webhook_id = "wh_aaaaaaaaaa";
      d.event_id = "evt_" + std::to_string(i);
      d.delivery_id = DeliveryId(0, kOrg, d.event_id, d.webhook_id, 0, 0);
      d.envelope_json = "{}";
      d.created_at = "2025-01-01T00:00:00Z";
      d.next_attempt_ms = 1000 + i;
      ds.push_back(d);
      ids_.push_back(d.delivery_id);
    }
    ASSERT_OK(deliveries_->Enqueue(ds, {}, std::nullopt));
  }

  std::vector<std::string> Ids(const absl::StatusOr<std::vector<Delivery>>& due) {
    std::vector<std::string> out;
    if (due.ok()) {
      for (const Delivery& d : *due) out.push_back(d.delivery_id);
    }
    return out;
  }

  TempDir dir_;
  std::unique_ptr<LmdbStore> store_;
  std::unique_ptr<LmdbDeliveryStore> deliveries_;
  std::vector<std::string> ids_;
};

TEST_F(DueScanTest, ResumesWhereItStoppedAndStartsOverAtTheEnd) {
  DeliveryStore::DueScan scan{"", 4};
  // Skipped entries count as examined: #1 is skipped, so the first call takes 0, 2, 3.
  auto skip = [&](std::string_view id, std::string_view group) {
    EXPECT_EQ(group, "wh_aaaaaaaaaa/0");
    return id == ids_[1];
  };
  EXPECT_EQ(Ids(deliveries_->Due(5000, 100, skip, &scan)),
            (std::vector<std::string>{ids_[0], ids_[2], ids_[3]}));
  EXPECT_FALSE(scan.resume.empty());
  EXPECT_EQ(Ids(deliveries_->Due(5000, 100, skip, &scan)),
            (std::vector<std::string>{ids_[4], ids_[5], ids_[6], ids_[7]}));
  EXPECT_EQ(Ids(deliveries_->Due(5000, 100, skip, &scan)),
            (std::vector<std::string>{ids_[8], ids_[9]}));
  EXPECT_TRUE(scan.resume.empty());  // reached the end: the next call starts over
  EXPECT_EQ(Ids(deliveries_->Due(5000, 1, skip, &scan)), (std::vector<std::string>{ids_[0]}));
}

TEST_F(DueScanTest, StopsAtWhatIsNotDueYetAndAtMax) {
  DeliveryStore::DueScan scan{"", 100};
  EXPECT_EQ(Ids(deliveries_->Due(1002, 100, nullptr, &scan)),
            (std::vector<std::string>{ids_[0], ids_[1], ids_[2]}));
  EXPECT_TRUE(scan.resume.empty());
  EXPECT_EQ(Ids(deliveries_->Due(5000, 2, nullptr, &scan)),
            (std::vector<std::string>{ids_[0], ids_[1]}));
  EXPECT_EQ(Ids(deliveries_->Due(5000, 2, nullptr, &scan)),
            (std::vector<std::string>{ids_[2], ids_[3]}));
  // Without a scan: everything due, from the earliest.
  EXPECT_EQ(Ids(deliveries_->Due(5000, 100, nullptr, nullptr)), ids_);
}

}  // namespace
}  // namespace webhooks

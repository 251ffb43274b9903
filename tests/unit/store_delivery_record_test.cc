// The binary storage forms of deliveries and attempts (store/delivery_record.h), how RecordOutcomes
// uses the dispatcher's copy of a delivery, and the configuration version (store/config_version.h)
// that lets the notifier keep webhooks decoded between steps.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/delivery_codec.h"
#include "store/delivery_record.h"
#include "store/lmdb_delivery_store.h"
#include "store/lmdb_store.h"
#include "store/lmdb_txn.h"
#include "tests/test_util.h"

namespace webhooks {
namespace {

using ::webhooks::testing::TempDir;

constexpr char kOrg[] = "int_AAAAAAAAAAAAAAAAAAAAAAAA";

Delivery Sample() {
  Delivery d;
  d.internal_id = kOrg;
  d.webhook_id = "wh_aaaaaaaaaa";
  d.channel_index = 2;
  d.target_index = 1;
  d.event_id = "evt_1";
  d.event_type = "object.created";
  d.delivery_id = DeliveryId(0, kOrg, d.event_id, d.webhook_id, 2, 1);
  d.envelope_json = R"({"event_id":"evt_1","metadata":{"quote":"\"a\"","nul":"\u0000"}})";
  d.state = DeliveryState::kPending;
  d.attempts = 3;
  d.next_attempt_ms = 1'700'000'000'123;
  d.created_at = "2026-01-01T00:00:00Z";
  return d;
}

TEST(DeliveryRecordTest, RoundTripsEveryField) {
  const Delivery d = Sample();
  std::string record = EncodeDeliveryRecord(d);
  EXPECT_EQ(record.front(), '\x01');
  absl::StatusOr<Delivery> back = DecodeDeliveryRecord(record);
  ASSERT_OK(back.status());
  EXPECT_EQ(*back, d);
}

TEST(DeliveryRecordTest, ReadsTheJsonFormOfOlderStores) {
  const Delivery d = Sample();
  absl::StatusOr<Delivery> back = DecodeDeliveryRecord(EncodeDelivery(d));
  ASSERT_OK(back.status());
  EXPECT_EQ(*back, d);
}

TEST(DeliveryRecordTest, DamageIsDataLoss) {
  const std::string record = EncodeDeliveryRecord(Sample());
  for (size_t cut : {size_t{0}, size_t{1}, size_t{5}, record.size() / 2, record.size() - 1}) {
    EXPECT_TRUE(absl::IsDataLoss(DecodeDeliveryRecord(record.substr(0, cut)).status())) << cut;
  }
  EXPECT_TRUE(absl::IsDataLoss(DecodeDeliveryRecord(record + "x").status()));
  EXPECT_TRUE(absl::IsDataLoss(DecodeDeliveryRecord("\x02" + record.substr(1)).status()));
  std::string bad_state = record;
  bad_state[bad_state.size() - 8 - 4 - 1] = 9;  // the state byte precedes attempts and due ms
  EXPECT_TRUE(absl::IsDataLoss(DecodeDeliveryRecord(bad_state).status()));
}

Attempt SampleAttempt() {
  Attempt a;
  a.seq = 77;
  a.delivery_id = Sample().delivery_id;
  a.webhook_id = "wh_aaaaaaaaaa";
  a.event_id = "evt_1";
  a.event_type = "object.created";
  a.channel = "webhook";
  a.channel_index = 2;
  a.attempt = 3;
  a.status = "failed";
  a.status_code = 503;
  a.duration_ms = 1234;
  a.error = "HTTP 503";
  a.response_excerpt = std::string("busy \"now\"\n\0!", 13);
  a.attempted_at = "2026-01-01T00:00:05Z";
  a.next_attempt_at = "2026-01-01T00:05:05Z";
  return a;
}

TEST(AttemptRecordTest, RoundTripsEveryField) {
  Attempt a = SampleAttempt();
  for (int i = 0; i < 2; ++i) {
    std::string record = EncodeAttemptRecord(a);
    EXPECT_EQ(record.front(), '\x01');
    absl::StatusOr<Attempt> back = DecodeAttemptRecord(record);
    ASSERT_OK(back.status());
    EXPECT_EQ(*back, a);
    a.next_attempt_at.reset();  // the second round: none, a negative code, no error
    a.status_code = -1;
    a.error.clear();
  }
}

TEST(AttemptRecordTest, ReadsTheJsonFormOfOlderStores) {
  Attempt a = SampleAttempt();
  a.response_excerpt = "busy \"now\"\n";  // the JSON form read strings up to a NUL
  absl::StatusOr<Attempt> back = DecodeAttemptRecord(EncodeAttempt(a));
  ASSERT_OK(back.status());
  EXPECT_EQ(*back, a);
}

TEST(AttemptRecordTest, DamageIsDataLoss) {
  const std::string record = EncodeAttemptRecord(SampleAttempt());
  for (size_t cut : {size_t{0}, size_t{1}, size_t{5}, record.size() / 2, record.size() - 1}) {
    EXPECT_TRUE(absl::IsDataLoss(DecodeAttemptRecord(record.substr(0, cut)).status())) << cut;
  }
  EXPECT_TRUE(absl::IsDataLoss(DecodeAttemptRecord(record + "x").status()));
  EXPECT_TRUE(absl::IsDataLoss(DecodeAttemptRecord("\x02" + record.substr(1)).status()));
}

TEST(DeliveryIdTest, LedByTheOrderSoSuccessiveEventsAreStoredTogether) {
  const std::string a = DeliveryId(0x0102030405, kOrg, "evt_b", "wh_aaaaaaaaaa", 0, 0);
  EXPECT_EQ(a, DeliveryId(0x0102030405, kOrg, "evt_b", "wh_aaaaaaaaaa", 0, 0));  // stable
  EXPECT_EQ(a.size(), 4u + 24u);
  EXPECT_EQ(a.substr(0, 16), "msg_000102030405");
  // Later events sort after earlier ones whatever their ids; every input changes the hash part.
  EXPECT_LT(a, DeliveryId(0x0102030406, kOrg, "evt_a", "wh_aaaaaaaaaa", 0, 0));
  EXPECT_NE(a, DeliveryId(0x0102030405, kOrg, "evt_c", "wh_aaaaaaaaaa", 0, 0));
  EXPECT_NE(a, DeliveryId(0x0102030405, kOrg, "evt_b", "wh_bbbbbbbbbb", 0, 0));
  EXPECT_NE(a, DeliveryId(0x0102030405, kOrg, "evt_b", "wh_aaaaaaaaaa", 1, 0));
  EXPECT_NE(a, DeliveryId(0x0102030405, kOrg, "evt_b", "wh_aaaaaaaaaa", 0, 1));
}

class DeliveryOutcomeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = LmdbStore::Open(dir_.path());
    ASSERT_OK(s.status());
    store_ = *std::move(s);
    deliveries_ = std::make_unique<LmdbDeliveryStore>(store_->env());
    ASSERT_OK(deliveries_->Enqueue({Sample()}, {}, std::nullopt));
  }
  std::string Version() { return store_->ConfigVersion().value_or("error"); }
  AttemptOutcome Outcome(DeliveryState state) {
    AttemptOutcome o;
    o.delivery = Sample();
    o.taken_due_ms = o.delivery.next_attempt_ms;
    o.delivery.state = state;
    o.delivery.attempts += 1;
    o.attempt.internal_id = kOrg;
    o.attempt.webhook_id = o.delivery.webhook_id;
    o.attempt.delivery_id = o.delivery.delivery_id;
    o.attempt.channel_index = o.delivery.channel_index;
    o.attempt.attempt = o.delivery.attempts;
    o.attempt.status = state == DeliveryState::kSucceeded ? "succeeded" : "failed";
    return o;
  }

  TempDir dir_;
  std::unique_ptr<LmdbStore> store_;
  std::unique_ptr<LmdbDeliveryStore> deliveries_;
};

TEST_F(DeliveryOutcomeTest, TheDispatchersCopyStandsInForTheStoredRecord) {
  // Damage the stored record: an outcome that carries taken_due_ms must not need to read it.
  ASSERT_OK(store_->env().Write([&](MDB_txn* txn) {
    return lmdb::Put(txn, store_->env().dbi("deliveries"), Sample().delivery_id, "garbage");
  }));
  std::vector<AttemptOutcome> outcomes = {Outcome(DeliveryState::kSucceeded)};
  ASSERT_OK(deliveries_->RecordOutcomes(outcomes));
  EXPECT_EQ(*deliveries_->PendingCount(), 0u);  // the due entry went
  absl::StatusOr<Delivery> stored = deliveries_->GetDelivery(Sample().delivery_id);
  ASSERT_OK(stored.status());
  EXPECT_EQ(stored->state, DeliveryState::kSucceeded);
  EXPECT_EQ(stored->envelope_json, "");  // never sent again: the envelope is not kept

  // Without taken_due_ms the store reads the record, and reports the damage.
  ASSERT_OK(store_->env().Write([&](MDB_txn* txn) {
    return lmdb::Put(txn, store_->env().dbi("deliveries"), Sample().delivery_id, "garbage");
  }));
  outcomes = {Outcome(DeliveryState::kSucceeded)};
  outcomes[0].taken_due_ms.reset();
  EXPECT_TRUE(absl::IsDataLoss(deliveries_->RecordOutcomes(outcomes)));
}

// A batch takes its attempts' sequence numbers at once: every attempt gets its own, in batch
// order, continuing across batches; a cancellation (no attempt) takes none.
TEST_F(DeliveryOutcomeTest, AttemptsAreNumberedInOrderAcrossBatches) {
  AttemptOutcome retry = Outcome(DeliveryState::kPending);
  retry.delivery.next_attempt_ms += 1000;
  AttemptOutcome cancel = Outcome(DeliveryState::kCancelled);
  cancel.attempt.attempt = 0;
  cancel.taken_due_ms = retry.delivery.next_attempt_ms;
  AttemptOutcome again = Outcome(DeliveryState::kPending);
  again.taken_due_ms.reset();  // read from the store: it is cancelled by then
  std::vector<AttemptOutcome> first = {retry, cancel, again};
  ASSERT_OK(deliveries_->RecordOutcomes(first));
  std::vector<AttemptOutcome> second = {Outcome(DeliveryState::kSucceeded),
                                        Outcome(DeliveryState::kSucceeded)};
  ASSERT_OK(deliveries_->RecordOutcomes(second));
  absl::StatusOr<AttemptPage> page =
      deliveries_->ListAttempts(kOrg, Sample().webhook_id, AttemptQuery{});
  ASSERT_OK(page.status());
  std::vector<uint64_t> seqs;
  for (const Attempt& a : page->items) seqs.push_back(a.seq);
  EXPECT_EQ(seqs, (std::vector<uint64_t>{4, 3, 2, 1}));  // newest first
}

// Filters by event and outcome; a filter that skips many attempts ends the page early with a
// cursor, and following the cursors finds every match.
TEST_F(DeliveryOutcomeTest, AttemptFiltersReadABoundedNumberPerPage) {
  std::vector<AttemptOutcome> batch;
  for (int i = 0; i < 30; ++i) {
    AttemptOutcome o = Outcome(i % 2 == 0 ? DeliveryState::kPending : DeliveryState::kSucceeded);
    o.taken_due_ms.reset();
    o.attempt.event_id = i % 10 == 3 ? "evt_wanted" : "evt_other";  // i = 3, 13, 23
    batch.push_back(o);
  }
  ASSERT_OK(deliveries_->RecordOutcomes(batch));
  AttemptQuery q;
  q.event_id = "evt_wanted";
  absl::StatusOr<AttemptPage> page = deliveries_->ListAttempts(kOrg, Sample().webhook_id, q);
  ASSERT_OK(page.status());
  ASSERT_EQ(page->items.size(), 3u);
  for (const Attempt& a : page->items) EXPECT_EQ(a.event_id, "evt_wanted");
  EXPECT_EQ(page->items[0].seq, 24u);  // newest first: seqs 24, 14, 4
  EXPECT_FALSE(page->next_before_seq.has_value());
  q.status = "failed";  // i = 3, 13, 23 all succeeded
  EXPECT_TRUE(deliveries_->ListAttempts(kOrg, Sample().webhook_id, q)->items.empty());

  q.status.reset();
  q.max_skipped = 5;
  std::vector<uint64_t> found;
  int calls = 0;
  for (std::optional<uint64_t> cursor;; ++calls) {
    q.before_seq = cursor;
    page = deliveries_->ListAttempts(kOrg, Sample().webhook_id, q);
    ASSERT_OK(page.status());
    EXPECT_LE(page->items.size(), 3u);
    for (const Attempt& a : page->items) found.push_back(a.seq);
    if (!page->next_before_seq) break;
    cursor = page->next_before_seq;
    ASSERT_LT(calls, 10);
  }
  EXPECT_EQ(found, (std::vector<uint64_t>{24, 14, 4}));
  EXPECT_GE(calls, 5);  // 27 skipped, at most 5 per call
}

TEST_F(DeliveryOutcomeTest, AFailedDeliveryKeepsItsEnvelopeForARetry) {
  std::vector<AttemptOutcome> outcomes = {Outcome(DeliveryState::kFailed)};
  ASSERT_OK(deliveries_->RecordOutcomes(outcomes));
  absl::StatusOr<Delivery> stored = deliveries_->GetDelivery(Sample().delivery_id);
  ASSERT_OK(stored.status());
  EXPECT_EQ(stored->state, DeliveryState::kFailed);
  EXPECT_EQ(stored->envelope_json, Sample().envelope_json);
}

TEST_F(DeliveryOutcomeTest, DisablingAndEnablingAChannelChangeTheConfigVersion) {
  const std::string v0 = Version();
  std::vector<AttemptOutcome> ok = {Outcome(DeliveryState::kSucceeded)};
  ok[0].clear_last_error = true;
  ASSERT_OK(deliveries_->RecordOutcomes(ok));
  EXPECT_EQ(Version(), v0);  // a success changes no configuration
  absl::StatusOr<WebhookDeliveryState> state =
      deliveries_->GetWebhookState(kOrg, Sample().webhook_id);
  ASSERT_OK(state.status());
  EXPECT_FALSE(state->last_error.has_value());

  std::vector<AttemptOutcome> gone = {Outcome(DeliveryState::kFailed)};
  gone[0].disable_channel = std::make_pair(2u, std::string("410 Gone"));
  ASSERT_OK(deliveries_->RecordOutcomes(gone));
  const std::string v1 = Version();
  EXPECT_NE(v1, v0);
  EXPECT_EQ(deliveries_->GetWebhookState(kOrg, Sample().webhook_id)->disabled_channels.size(), 1u);

  absl::StatusOr<bool> enabled = deliveries_->EnableChannels(kOrg, Sample().webhook_id);
  ASSERT_OK(enabled.status());
  EXPECT_TRUE(*enabled);
  EXPECT_NE(Version(), v1);
}

TEST_F(DeliveryOutcomeTest, WebhookWritesChangeTheConfigVersion) {
  ASSERT_OK(store_->CreateOrganization({kOrg, "o", "2026-01-01T00:00:00Z"}));
  Webhook w;
  w.webhook_id = "wh_bbbbbbbbbb";
  w.internal_id = kOrg;
  w.spec.webhook_name = "w";
  w.spec.event_types = {"*"};
  HttpChannel http;
  http.url = "https://8.8.8.8/x";
  w.spec.channels.push_back(http);
  w.created_at = w.updated_at = "2026-01-01T00:00:00Z";
  std::vector<std::string> seen = {Version()};
  ASSERT_OK(store_->CreateWebhook(&w));
  seen.push_back(Version());
  ASSERT_OK(store_
                ->UpdateWebhook(kOrg, w.webhook_id,
                                [](Webhook& stored) {
                                  stored.spec.is_active = false;
                                  return absl::OkStatus();
                                })
                .status());
  seen.push_back(Version());
  ASSERT_OK(store_->DeleteWebhook(kOrg, w.webhook_id));
  seen.push_back(Version());
  EXPECT_EQ(seen[0], "");  // none written yet
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_NE(seen[i], seen[i - 1]) << i;
  // A failed write changes nothing.
  EXPECT_FALSE(store_->DeleteWebhook(kOrg, w.webhook_id).ok());
  EXPECT_EQ(Version(), seen.back());
}

}  // namespace
}  // namespace webhooks

namespace webhooks {
namespace {

// SeenEvents answers for every id in the order asked, with one read: per organization, for ids
// an Enqueue recorded, repeats included.
TEST_F(DeliveryOutcomeTest, SeenEventsAnswersEachIdInOrder) {
  const std::string other = "int_BBBBBBBBBBBBBBBBBBBBBBBB";
  ASSERT_OK(deliveries_->Enqueue({}, {{kOrg, "ingest-1"}, {other, "ingest-2"}}, std::nullopt));
  absl::StatusOr<std::vector<bool>> seen = deliveries_->SeenEvents({{kOrg, "ingest-2"},
                                                                    {kOrg, "ingest-1"},
                                                                    {other, "ingest-1"},
                                                                    {other, "ingest-2"},
                                                                    {kOrg, "ingest-1"}});
  ASSERT_OK(seen.status());
  EXPECT_EQ(*seen, (std::vector<bool>{false, true, false, true, true}));
  seen = deliveries_->SeenEvents({});
  ASSERT_OK(seen.status());
  EXPECT_TRUE(seen->empty());
  EXPECT_TRUE(*deliveries_->SeenEvent(other, "ingest-2"));
  EXPECT_FALSE(*deliveries_->SeenEvent(other, "ingest-3"));
}

}  // namespace
}  // namespace webhooks

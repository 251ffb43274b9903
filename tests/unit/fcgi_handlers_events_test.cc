// POST /v1/events and /v1/events/batch against an in-memory event log: what is appended.
#include <cerrno>
#include <memory>
#include <string_view>
#include <vector>

#include "eventlog/memory_event_log.h"
#include "eventlog/segment_format.h"
#include "model/event.h"
#include "store/lmdb_delivery_store.h"
#include "store/lmdb_store.h"
#include "tests/test_util.h"
#include "tests/unit/fcgi_handlers_fixture.h"

namespace webhooks {
namespace {

class EventsHandlerTest : public FcgiHandlersTest {
 protected:
  HttpResponse Post(const std::string& path, const std::string& body) {
    return Dispatch(events_services_, Request("POST", path, body));
  }
  // The event ids in the log, in order.
  std::vector<std::string> Logged() {
    std::vector<std::string> ids;
    for (const LogRecord& r : log_.Read(0, 10000).value_or(std::vector<LogRecord>{})) {
      absl::StatusOr<Event> e = DecodeEventRecord(r.payload);
      ids.push_back(e.ok() ? e->event_id : "undecodable");
    }
    return ids;
  }

  MemoryEventLog log_;
  Services events_services_{store_, store_, [this] { return now_; }, nullptr, &log_};
};

TEST_F(EventsHandlerTest, ABatchAppendsEachEventOnceInOrder) {
  HttpResponse r = Post("/v1/events/batch", R"({"events": [
      {"event_type": "object.created", "event_id": "a"},
      {"event_type": "object.updated", "event_id": "b"},
      {"event_type": "object.updated", "event_id": "a"},
      {"event_type": "object.deleted"}]})");
  ASSERT_EQ(r.status, 202) << r.body;
  rapidjson::Document doc = Json(r.body);
  ASSERT_EQ(doc["event_ids"].Size(), 4u);
  const std::string generated = doc["event_ids"][3].GetString();
  EXPECT_EQ(std::string(doc["event_ids"][2].GetString()), "a");
  // "a" given twice is appended once.
  EXPECT_EQ(Logged(), (std::vector<std::string>{"a", "b", generated}));
}

// Ids the notifier recorded as seen are acknowledged and not appended again, each answer at its
// own event (one read of the delivery store for the batch).
TEST_F(EventsHandlerTest, ABatchSkipsIdsSeenBefore) {
  ::webhooks::testing::TempDir dir;
  absl::StatusOr<std::unique_ptr<LmdbStore>> lmdb = LmdbStore::Open(dir.path());
  ASSERT_OK(lmdb.status());
  LmdbDeliveryStore deliveries((*lmdb)->env());
  ASSERT_OK(deliveries.Enqueue({}, {{kOrgA, "a"}, {kOrgA, "c"}, {kOrgB, "b"}}, std::nullopt));
  events_services_.deliveries = &deliveries;
  HttpResponse r = Post("/v1/events/batch", R"({"events": [
      {"event_type": "object.created"},
      {"event_type": "object.created", "event_id": "a"},
      {"event_type": "object.created", "event_id": "b"},
      {"event_type": "object.created", "event_id": "c"},
      {"event_type": "object.created", "event_id": "d"}]})");
  events_services_.deliveries = nullptr;
  ASSERT_EQ(r.status, 202) << r.body;
  rapidjson::Document doc = Json(r.body);
  ASSERT_EQ(doc["event_ids"].Size(), 5u);
  const std::string generated = doc["event_ids"][0].GetString();
  EXPECT_EQ(std::string(doc["event_ids"][1].GetString()), "a");
  // "b" was seen for another organization only.
  EXPECT_EQ(Logged(), (std::vector<std::string>{generated, "b", "d"}));
}

TEST_F(EventsHandlerTest, ABatchWithOneInvalidEventAppendsNothing) {
  rapidjson::Document doc =
      ExpectEnvelope(Post("/v1/events/batch", R"({"events": [{"event_type": "object.created"},
                                                             {"event_type": "object.created",
                                                              "occurred_at": "soon"}]})"),
                     422, "ValidationError");
  EXPECT_EQ(ErrorLocations(doc),
            (std::vector<std::string>{R"(["body","events",1,"occurred_at"])"}));
  ExpectEnvelope(Post("/v1/events/batch", R"({"events": []})"), 422, "ValidationError");
  ExpectEnvelope(Post("/v1/events/batch", ""), 422, "ValidationError");
  EXPECT_TRUE(Logged().empty());
  // A single event still goes through POST /v1/events.
  EXPECT_EQ(Post("/v1/events", R"({"event_type": "object.created", "event_id": "one"})").status,
            202);
  EXPECT_EQ(Logged(), (std::vector<std::string>{"one"}));
}

// An event log whose file system refuses writes (a full disk, or a file size limit), as
// segment::PosixError reports them.
class FullDiskLog final : public EventAppender {
 public:
  explicit FullDiskLog(int error_number) : error_number_(error_number) {}
  absl::StatusOr<uint64_t> Append(std::string_view) override { return Error(); }
  absl::Status AppendAll(const std::vector<std::string>&) override { return Error(); }

 private:
  absl::Status Error() const {
    return segment::PosixError("write /var/lib/webhooks/events/00000000000000000000.log",
                               error_number_);
  }
  const int error_number_;
};

// A full disk is the service's trouble, not the client's: 503 (which producers retry), with the
// file system's error for the operators' log only.
TEST_F(EventsHandlerTest, AFullDiskIsAServiceUnavailableAnswer) {
  for (int error_number : {ENOSPC, EFBIG}) {
    FullDiskLog full(error_number);
    Services services{store_, store_, [this] { return now_; }, nullptr, &full};
    for (const char* path : {"/v1/events", "/v1/events/batch"}) {
      const std::string body = std::string(path) == "/v1/events"
                                   ? R"({"event_type": "object.created"})"
                                   : R"({"events": [{"event_type": "object.created"}]})";
      HttpResponse r = Dispatch(services, Request("POST", path, body));
      ExpectEnvelope(r, 503, "ServiceUnavailableError");
      EXPECT_EQ(r.body.find("/var/lib"), std::string::npos) << r.body;
      EXPECT_EQ(r.headers,
                (std::vector<std::pair<std::string, std::string>>{{"Retry-After", "5"}}));
    }
  }
}

// An event log after a failed fdatasync: every append refused until the process restarts.
class UnflushedLog final : public EventAppender {
 public:
  absl::StatusOr<uint64_t> Append(std::string_view) override { return Health(); }
  absl::Status AppendAll(const std::vector<std::string>&) override { return Health(); }
  absl::Status Health() const override {
    return absl::InternalError("fdatasync /var/lib/webhooks/events/0.log: Input/output error");
  }
};

// /healthz tells a monitor that appends need a restart; the cause stays in the log.
TEST_F(EventsHandlerTest, HealthzIsUnavailableWhileTheLogRefusesAppends) {
  EXPECT_EQ(Dispatch(events_services_, Request("GET", "/healthz", "")).status, 200);
  UnflushedLog unflushed;
  Services services{store_, store_, [this] { return now_; }, nullptr, &unflushed};
  HttpResponse r = Dispatch(services, Request("GET", "/healthz", ""));
  ExpectEnvelope(r, 503, "ServiceUnavailableError");
  EXPECT_NE(r.body.find("until webhook-api restarts"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("/var/lib"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace webhooks

// model/event: the log record codec. DecodeEventRecord reads records as EncodeEventRecord
// writes them without re-validating their fields, and falls back to ParseEventBody for any
// other shape; both paths must give the same answers.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "model/event.h"
#include "model/json_input.h"

namespace webhooks {
namespace {

// What DecodeEventRecord answered before it had a fast path: every field through
// ParseEventBody.
absl::StatusOr<Event> ValidatingDecode(const std::string& record) {
  rapidjson::Document doc;
  if (!ParseJson(record, &doc).ok() || !doc.IsObject() || !doc.HasMember("internal_id") ||
      !doc["internal_id"].IsString()) {
    return absl::DataLossError("not a record");
  }
  absl::StatusOr<Event> e = ParseEventBody(doc, doc["internal_id"].GetString(), TimePoint{});
  if (!e.ok()) return absl::DataLossError(e.status().message());
  e->client_event_id = doc.HasMember("client_event_id") && doc["client_event_id"].IsTrue();
  return e;
}

std::vector<Event> SampleEvents() {
  Event bare;
  bare.internal_id = "org_internal_1";
  bare.event_id = "evt_abc";
  bare.event_type = "object.created";
  bare.occurred_at = "2026-01-02T03:04:05Z";
  Event full = bare;
  full.event_id = "client-id_1.2:3";
  full.client_event_id = true;
  full.event_type = "collection.documents.written";
  full.namespace_id = "ns_\xc3\xa9t\xc3\xa9 \"quoted\"";
  full.subject = R"({"type":"object","id":"obj_1","extra":[1,2,{"deep":null}]})";
  full.metadata = R"({"k":"v","n":1.5,"list":["a\nb"]})";
  full.cache_scope = R"({})";
  Event some = bare;
  some.metadata = R"({"only":"metadata"})";
  return {bare, full, some};
}

TEST(EventRecordTest, RoundTripsEveryField) {
  for (const Event& e : SampleEvents()) {
    std::string record = EncodeEventRecord(e);
    absl::StatusOr<Event> back = DecodeEventRecord(record);
    ASSERT_TRUE(back.ok()) << back.status() << " " << record;
    EXPECT_EQ(*back, e) << record;
    EXPECT_EQ(EnvelopeJson(*back), EnvelopeJson(e));
  }
}

TEST(EventRecordTest, AgreesWithTheValidatingDecodeOnEveryShape) {
  const std::string head = R"({"internal_id":"org_1","client_event_id":false,)";
  const std::string tail =
      R"("namespace_id":null,"subject":null,"metadata":null,"cache_scope":null})";
  auto rec = [&](const std::string& id, const std::string& type, const std::string& at) {
    return head + R"("event_id":)" + id + R"(,"event_type":)" + type + R"(,"occurred_at":)" + at +
           "," + tail;
  };
  std::vector<std::string> records = {
      rec(R"("evt_1")", R"("object.created")", R"("2026-01-02T03:04:05Z")"),
      // Not in the canonical form: the validating path reads (and normalises) it.
      rec(R"("evt_1")", R"("object.created")", R"("2026-01-02T04:04:05.250+01:00")"),
      rec(R"("evt_1")", R"("object.created")", R"("2026-01-02 03:04:05")"),
      rec(R"("evt_1")", R"("no.such.type")", R"("2026-01-02T03:04:05Z")"),
      rec(R"("evt 1")", R"("object.created")", R"("2026-01-02T03:04:05Z")"),
      rec(R"(7)", R"("object.created")", R"("2026-01-02T03:04:05Z")"),
      rec(R"("")", R"("object.created")", R"("2026-01-02T03:04:05Z")"),
      R"({"internal_id":"org_1","event_id":"evt_1","event_type":"object.created",)"
      R"("occurred_at":"2026-01-02T03:04:05Z"})",
      head + R"("event_id":"e","event_type":"object.created","occurred_at":"2026-01-02T03:04:05Z",)"
             R"("namespace_id":5,"subject":null,"metadata":null,"cache_scope":null})",
      head + R"("event_id":"e","event_type":"object.created","occurred_at":"2026-01-02T03:04:05Z",)"
             R"("namespace_id":"","subject":null,"metadata":null,"cache_scope":null})",
      head + R"("event_id":"e","event_type":"object.created","occurred_at":"2026-01-02T03:04:05Z",)"
             R"("namespace_id":null,"subject":{"type":"t"},"metadata":null,"cache_scope":null})",
      head + R"("event_id":"e","event_type":"object.created","occurred_at":"2026-01-02T03:04:05Z",)"
             R"("namespace_id":null,"subject":null,"metadata":[1],"cache_scope":null})",
      head + R"("event_id":"e","event_type":"object.created","occurred_at":"2026-01-02T03:04:05Z",)"
             R"("namespace_id":null,"subject":null,"metadata":null,"cache_scope":"x"})",
      R"({"client_event_id":false,"event_id":"e","event_type":"object.created",)"
      R"("occurred_at":"2026-01-02T03:04:05Z"})",
      R"([1,2])",
      R"({"internal_id":"org_1",)",
  };
  for (const Event& e : SampleEvents()) records.push_back(EncodeEventRecord(e));
  int accepted = 0;
  for (const std::string& record : records) {
    absl::StatusOr<Event> got = DecodeEventRecord(record);
    absl::StatusOr<Event> want = ValidatingDecode(record);
    ASSERT_EQ(got.ok(), want.ok()) << record << "\n" << got.status() << "\n" << want.status();
    if (!got.ok()) {
      EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss) << record;
      continue;
    }
    ++accepted;
    EXPECT_EQ(*got, *want) << record;
  }
  // The canonical one, the normalised one, the one without client_event_id and the samples.
  EXPECT_EQ(accepted, 6);
}

}  // namespace
}  // namespace webhooks

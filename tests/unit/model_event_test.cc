// model/event: the log record codec. DecodeEventRecord reads records as EncodeEventRecord
// writes them without re-validating their fields, and falls back to ParseEventBody for any
// other shape; DecodeEventRoute (the fan-out's read) reads that shape in one pass and falls
// back to DecodeEventRecord. Every path must give the same answers.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "model/event.h"
#include "model/json_input.h"
#include "model/validation.h"

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

// Records of every shape: canonical, normalisable, invalid, and the samples as encoded.
std::vector<std::string> RecordShapes() {
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
  return records;
}

TEST(EventRecordTest, AgreesWithTheValidatingDecodeOnEveryShape) {
  const std::vector<std::string> records = RecordShapes();
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

// The same JSON value (object members in any order).
bool SameJson(const std::string& a, const std::string& b) {
  rapidjson::Document da, db;
  return ParseJson(a, &da).ok() && ParseJson(b, &db).ok() && da == db;
}

// DecodeEventRoute reads EncodeEventRecord's shape in one pass; whatever the shape, it must
// answer as DecodeEventRecord + EnvelopeJson.
TEST(EventRouteTest, AgreesWithTheDecodedEventOnEveryShape) {
  std::vector<std::string> records = RecordShapes();
  const std::string head = R"({"internal_id":"org_1","client_event_id":true,"event_id":"e",)"
                           R"("event_type":"object.created","occurred_at":"2026-01-02T03:04:05Z",)";
  for (
      const char* rest : {
          R"("namespace_id":"ns","subject":{"type":"t","type":"u"},"metadata":null,"cache_scope":null})",
          R"("namespace_id":"ns","subject":{"type":"t","id":7},"metadata":null,"cache_scope":null})",
          R"("namespace_id":"ns","subject":{"id":"i","type":"t","x":{"id":1}},"metadata":null,"cache_scope":null})",
          R"("namespace_id":"ns","subject":{},"metadata":null,"cache_scope":null})",
          R"("namespace_id":null,"subject":null,"metadata":null,"cache_scope":null,"extra":1})",
          R"("namespace_id":null,"subject":null,"cache_scope":null,"metadata":null})",
          R"("namespace_id":null,"subject":null,"metadata":{"a":"\u0000"},"cache_scope":null})",
          R"("namespace_id":null , "subject" : null,"metadata":null,"cache_scope":null} )",
      }) {
    records.push_back(head + rest);
  }
  records.push_back(std::string(R"({"internal_id":"org_1"})") + '\0' + "}");
  records.push_back(head + R"("namespace_id":null,"subject":null,"metadata":)" +
                    std::string(70, '[') + std::string(70, ']') + R"(,"cache_scope":null})");
  for (const std::string& record : records) {
    absl::StatusOr<EventRoute> got = DecodeEventRoute(record);
    absl::StatusOr<Event> want = DecodeEventRecord(record);
    ASSERT_EQ(got.ok(), want.ok()) << record << "\n" << got.status() << "\n" << want.status();
    if (!got.ok()) {
      EXPECT_EQ(got.status(), want.status()) << record;
      continue;
    }
    EXPECT_EQ(got->internal_id, want->internal_id) << record;
    EXPECT_EQ(got->event_id, want->event_id) << record;
    EXPECT_EQ(got->client_event_id, want->client_event_id) << record;
    EXPECT_EQ(got->event_type, want->event_type) << record;
    EXPECT_TRUE(SameJson(got->envelope_json, EnvelopeJson(*want))) << record << "\n"
                                                                   << got->envelope_json;
  }
  for (const Event& e : SampleEvents()) {  // what the encoder wrote: the very same text
    absl::StatusOr<EventRoute> got = DecodeEventRoute(EncodeEventRecord(e));
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->envelope_json, EnvelopeJson(e));
  }
}

// The one-pass read hands on the record's own text: values as written (1.50, \u0041), where
// re-encoding would give 1.5 and A. Shows the one-pass path ran (the general one re-encodes).
TEST(EventRouteTest, ARecordInTheEncodersShapeKeepsItsOwnText) {
  const std::string record =
      R"({"internal_id":"org_1","client_event_id":false,"event_id":"e","event_type":)"
      R"("object.created","occurred_at":"2026-01-02T03:04:05Z","namespace_id":null,)"
      R"("subject":{"type":"t","id":"i"},"metadata":{"n":1.50,"s":"\u0041"},"cache_scope":null})";
  absl::StatusOr<EventRoute> got = DecodeEventRoute(record);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->envelope_json, "{" + record.substr(record.find(R"("event_id")")));
  absl::StatusOr<Event> decoded = DecodeEventRecord(record);
  ASSERT_TRUE(decoded.ok());
  EXPECT_NE(got->envelope_json, EnvelopeJson(*decoded));  // 1.5 and A there
  EXPECT_TRUE(SameJson(got->envelope_json, EnvelopeJson(*decoded)));
}

// A batch: every event read as POST /v1/events reads one; the errors of all of them at once,
// each at its index.
TEST(EventBatchTest, ReadsEveryEventAndLocatesEachError) {
  const std::string org = "int_AAAAAAAAAAAAAAAAAAAAAAAA";
  rapidjson::Document doc;
  doc.Parse(R"({"events":[{"event_type":"object.created","event_id":"a-1"},
                          {"event_type":"object.updated"}]})");
  absl::StatusOr<std::vector<Event>> ok = ParseEventBatch(doc, org, TimePoint{});
  ASSERT_TRUE(ok.ok()) << ok.status();
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[0].event_id, "a-1");
  EXPECT_TRUE((*ok)[0].client_event_id);
  EXPECT_EQ((*ok)[1].event_type, "object.updated");
  EXPECT_EQ((*ok)[1].event_id.rfind("evt_", 0), 0u);
  EXPECT_EQ((*ok)[1].internal_id, org);

  doc.Parse(R"({"events":[{"event_type":"object.created"},{"event_type":"no.such"},7,
                          {"event_type":"object.created","event_id":"bad id"}]})");
  absl::StatusOr<std::vector<Event>> bad = ParseEventBatch(doc, org, TimePoint{});
  ASSERT_TRUE(absl::IsInvalidArgument(bad.status()));
  const std::string details = FieldErrorsJson(bad.status()).value_or("");
  for (const char* where : {R"(["body","events",1,"event_type"])", R"(["body","events",2])",
                            R"(["body","events",3,"event_id"])"}) {
    EXPECT_NE(details.find(where), std::string::npos) << where << " in " << details;
  }
  EXPECT_EQ(details.find(R"(["body","events",0)"), std::string::npos) << details;

  std::string many = R"({"events":[)";
  for (size_t i = 0; i <= kMaxBatchEvents; ++i) {
    many += std::string(i ? "," : "") + R"({"event_type":"object.created"})";
  }
  for (const std::string& body :
       {std::string(R"({"events":[]})"), many + "]}", std::string(R"({"events":{}})"),
        std::string(R"({})"), std::string("[]")}) {
    doc.Parse(body.c_str());
    EXPECT_TRUE(absl::IsInvalidArgument(ParseEventBatch(doc, org, TimePoint{}).status()))
        << body.substr(0, 40);
  }
}

}  // namespace
}  // namespace webhooks

// A webhook's `filters`: what the body accepts and refuses (with the field's location), what it
// echoes, and which envelopes pass.
#include <gtest/gtest.h>

#include <string>

#include "common/ids.h"
#include "model/event_filter.h"
#include "tests/unit/model_webhook_fixture.h"

namespace webhooks {
namespace {

std::string WithFilters(std::string_view filters) {
  return Obj({kName, kEvents, kChannels, "\"filters\": " + std::string(filters)});
}

rapidjson::Document Envelope(std::string_view json) {
  rapidjson::Document doc;
  EXPECT_TRUE(ParseJson(json, &doc).ok()) << json;
  return doc;
}

// Whether `filters` (the JSON of a body's `filters`) pass `envelope`.
bool Passes(std::string_view filters, std::string_view envelope) {
  absl::StatusOr<WebhookSpec> spec = ParseBody(WithFilters(filters));
  EXPECT_TRUE(spec.ok()) << spec.status();
  if (!spec.ok()) return false;
  return MatchesFilters(spec->filters, Envelope(envelope));
}

TEST(EventFilterTest, FiltersAreEchoedAsGivenAndRoundTripThroughStorage) {
  const std::string filters =
      R"({"namespace_id":"ns_prod","subject.type":["collection","taxonomy"],)"
      R"("metadata.count":3,"metadata.ratio":[0.5],"metadata.live":true})";
  absl::StatusOr<WebhookSpec> spec = ParseBody(WithFilters(filters));
  ASSERT_TRUE(spec.ok()) << spec.status();
  ASSERT_EQ(spec->filters.size(), 5u);
  EXPECT_EQ(spec->filters[0].path, "namespace_id");
  EXPECT_FALSE(spec->filters[0].listed);
  EXPECT_EQ(spec->filters[1].any_of.size(), 2u);
  EXPECT_TRUE(spec->filters[1].listed);

  Webhook w;
  w.webhook_id = NewWebhookId();
  w.internal_id = NewOrganizationId();
  w.created_at = w.updated_at = "2026-01-01T00:00:00Z";
  w.spec = *spec;
  const std::string api = EncodeWebhook(w, Audience::kApi);
  EXPECT_NE(api.find("\"filters\":" + filters), std::string::npos) << api;
  absl::StatusOr<Webhook> stored = DecodeStoredWebhook(EncodeWebhook(w, Audience::kStorage));
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->spec, w.spec);
}

// Whole numbers keep every digit (beyond 2^53 too), and a number with a fraction keeps it.
TEST(EventFilterTest, NumbersAreKeptAsGiven) {
  const std::string filters =
      R"({"metadata.a":9007199254740993,"metadata.b":[18446744073709551615,-5,3.0,0.25]})";
  absl::StatusOr<WebhookSpec> spec = ParseBody(WithFilters(filters));
  ASSERT_TRUE(spec.ok()) << spec.status();
  Webhook w;
  w.spec = *spec;
  const std::string api = EncodeWebhook(w, Audience::kApi);
  EXPECT_NE(api.find("\"filters\":" + filters), std::string::npos) << api;
  EXPECT_TRUE(Passes(filters.substr(0, filters.find(',')) + "}",
                     R"({"metadata": {"a": 9007199254740993}})"));
  EXPECT_FALSE(Passes(filters.substr(0, filters.find(',')) + "}",
                      R"({"metadata": {"a": 9007199254740992}})"));
  EXPECT_TRUE(Passes(R"({"metadata.b": 18446744073709551615})",
                     R"({"metadata": {"b": 18446744073709551615}})"));
  EXPECT_FALSE(Passes(R"({"metadata.b": 18446744073709551615})",
                      R"({"metadata": {"b": 18446744073709551614}})"));
  EXPECT_TRUE(Passes(R"({"metadata.b": -5})", R"({"metadata": {"b": -5.0}})"));
  EXPECT_TRUE(Passes(R"({"metadata.b": 0.25})", R"({"metadata": {"b": 0.25}})"));
}

TEST(EventFilterTest, NoFiltersIsNotEchoed) {
  for (std::string_view none : {"null", "{}"}) {
    absl::StatusOr<WebhookSpec> spec = ParseBody(WithFilters(none));
    ASSERT_TRUE(spec.ok()) << none << ": " << spec.status();
    EXPECT_TRUE(spec->filters.empty());
    Webhook w;
    w.spec = *spec;
    EXPECT_EQ(EncodeWebhook(w, Audience::kApi).find("filters"), std::string::npos);
  }
}

TEST(EventFilterTest, BadFiltersAreFieldErrorsAtTheirPath) {
  struct Case {
    std::string filters, type, location;
  };
  const Case cases[] = {
      {R"(["namespace_id"])", "dict_type", R"(["body","filters"])"},
      {R"({"payload.x": "a"})", "filter_path", R"(["body","filters","payload.x"])"},
      {R"({"metadata..x": "a"})", "filter_path", R"(["body","filters","metadata..x"])"},
      {R"({"metadata x": "a"})", "filter_path", R"(["body","filters","metadata x"])"},
      {R"({"namespace_id": "a", "namespace_id": "b"})", "filter_path",
       R"(["body","filters","namespace_id"])"},
      {R"({"namespace_id": []})", "too_short", R"(["body","filters","namespace_id"])"},
      {R"({"namespace_id": null})", "filter_value_type", R"(["body","filters","namespace_id"])"},
      {R"({"metadata.a": {"b": 1}})", "filter_value_type", R"(["body","filters","metadata.a"])"},
      {R"({"metadata.a": ["x", ["y"]]})", "filter_value_type",
       R"(["body","filters","metadata.a",1])"},
      {R"({"namespace_id": ""})", "string_too_short", R"(["body","filters","namespace_id"])"},
      {R"({"namespace_id": ")" + Repeat("x", kMaxFilterValueChars + 1) + "\"}", "string_too_long",
       R"(["body","filters","namespace_id"])"},
      {R"({"namespace_id": [)" + Repeat("1,", kMaxFilterValues) + "1]}", "too_long",
       R"(["body","filters","namespace_id"])"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<WebhookSpec> spec = ParseBody(WithFilters(c.filters));
    ASSERT_FALSE(spec.ok()) << c.filters;
    rapidjson::Document errors;
    ASSERT_NO_FATAL_FAILURE(ParseFieldErrors(spec.status(), &errors));
    EXPECT_TRUE(HasError(errors, c.type, c.location)) << c.filters << " -> " << spec.status();
  }
  std::string many = "{";
  for (size_t i = 0; i <= kMaxFilters; ++i) {
    many += (i ? "," : "") + std::string("\"metadata.k") + std::to_string(i) + "\": 1";
  }
  absl::StatusOr<WebhookSpec> spec = ParseBody(WithFilters(many + "}"));
  ASSERT_FALSE(spec.ok());
  rapidjson::Document errors;
  ASSERT_NO_FATAL_FAILURE(ParseFieldErrors(spec.status(), &errors));
  EXPECT_TRUE(HasError(errors, "too_long", R"(["body","filters"])")) << spec.status();
}

constexpr char kEnvelope[] = R"({"event_id":"evt_1","event_type":"object.created",
  "occurred_at":"2026-01-01T00:00:00Z","namespace_id":"ns_prod",
  "subject":{"type":"collection","id":"col_1"},
  "metadata":{"count":3,"live":true,"tags":["red","blue"],"none":null,"text":"3"},
  "cache_scope":null})";

TEST(EventFilterTest, EveryPathMustMatchAnyOfItsValues) {
  EXPECT_TRUE(Passes(R"({"namespace_id": "ns_prod"})", kEnvelope));
  EXPECT_FALSE(Passes(R"({"namespace_id": "ns_dev"})", kEnvelope));
  EXPECT_TRUE(Passes(R"({"namespace_id": ["ns_dev", "ns_prod"]})", kEnvelope));
  EXPECT_TRUE(Passes(R"({"namespace_id": "ns_prod", "subject.type": "collection"})", kEnvelope));
  EXPECT_FALSE(Passes(R"({"namespace_id": "ns_prod", "subject.type": "object"})", kEnvelope));
  EXPECT_TRUE(Passes(R"({"event_type": "object.created"})", kEnvelope));
}

TEST(EventFilterTest, ValuesCompareByJsonType) {
  EXPECT_TRUE(Passes(R"({"metadata.count": 3})", kEnvelope));
  EXPECT_TRUE(Passes(R"({"metadata.count": 3.0})", kEnvelope));
  EXPECT_FALSE(Passes(R"({"metadata.count": "3"})", kEnvelope));
  EXPECT_FALSE(Passes(R"({"metadata.text": 3})", kEnvelope));
  EXPECT_TRUE(Passes(R"({"metadata.text": "3"})", kEnvelope));
  EXPECT_TRUE(Passes(R"({"metadata.live": true})", kEnvelope));
  EXPECT_FALSE(Passes(R"({"metadata.live": false})", kEnvelope));
  EXPECT_FALSE(Passes(R"({"metadata.live": "true"})", kEnvelope));
}

TEST(EventFilterTest, ArraysMatchAnyElementAndIndexesNameOne) {
  EXPECT_TRUE(Passes(R"({"metadata.tags": "blue"})", kEnvelope));
  EXPECT_FALSE(Passes(R"({"metadata.tags": "green"})", kEnvelope));
  EXPECT_TRUE(Passes(R"({"metadata.tags.0": "red"})", kEnvelope));
  EXPECT_FALSE(Passes(R"({"metadata.tags.0": "blue"})", kEnvelope));
}

TEST(EventFilterTest, AMissingOrNullFieldMatchesNothing) {
  EXPECT_FALSE(Passes(R"({"metadata.absent": "x"})", kEnvelope));
  EXPECT_FALSE(Passes(R"({"metadata.none": "null"})", kEnvelope));
  EXPECT_FALSE(Passes(R"({"cache_scope.scope": "key"})", kEnvelope));
  EXPECT_FALSE(Passes(R"({"subject.type.x": "collection"})", kEnvelope));
  EXPECT_TRUE(MatchesFilters({}, Envelope(kEnvelope)));
}

}  // namespace
}  // namespace webhooks

// Identifiers, crypto helpers, timestamps, cursors, event types, JSON input and validation
// errors: the small pure pieces under the webhook model.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>
#include <regex>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "common/time_format.h"
#include "model/cursor.h"
#include "model/event_types.h"
#include "model/json_fields.h"
#include "model/json_input.h"
#include "model/validation.h"
#include "tests/test_util.h"

namespace webhooks {
namespace {

// ---------------------------------------------------------------------------------------------
// Identifiers.

TEST(IdsTest, NewWebhookIdHasSeedFormat) {
  const std::regex kFormat("^wh_[A-Za-z0-9]{10}$");
  for (int i = 0; i < 200; ++i) {
    std::string id = NewWebhookId();
    EXPECT_TRUE(std::regex_match(id, kFormat)) << id;
    EXPECT_TRUE(IsWebhookId(id)) << id;
  }
}

TEST(IdsTest, IsWebhookIdAcceptsBothForms) {
  for (std::string_view ok : {"wh_abc123def4", "wh_ABCDEFGHIJ", "wh_0000000000",
                              "wh_0123456789abcdef", "wh_0123456789ABCDEF"}) {
    EXPECT_TRUE(IsWebhookId(ok)) << ok;
  }
}

TEST(IdsTest, IsWebhookIdRejectsOtherStrings) {
  for (std::string_view bad :
       {"", "wh_", "wh_abc123def", "wh_abc123def45", "wh_0123456789abcde", "wh_0123456789abcdef0",
        "wh_0123456789abcdeg", "WH_abc123def4", "wh-abc123def4", "xwh_abc123def4", "wh_abc123def!",
        "wh_abc 23def4", "wh_abc123def4\n", " wh_abc123def4", "wh_abc_23def4",
        "wh_abc123de\xc3\xa9", "int_abc123def4", "abc123def4"}) {
    EXPECT_FALSE(IsWebhookId(bad)) << bad;
  }
  EXPECT_FALSE(IsWebhookId(std::string_view("wh_abc123de\0f", 13)));
}

TEST(IdsTest, NewOrganizationIdFormat) {
  const std::regex kFormat("^int_[A-Za-z0-9]{24}$");
  for (int i = 0; i < 200; ++i) {
    std::string id = NewOrganizationId();
    EXPECT_TRUE(std::regex_match(id, kFormat)) << id;
    EXPECT_TRUE(IsOrganizationId(id)) << id;
    EXPECT_FALSE(IsWebhookId(id)) << id;
  }
  for (std::string_view bad :
       {"", "int_", "int_abcdefghijklmnopqrstuvw", "int_abcdefghijklmnopqrstuvwxy",
        "INT_abcdefghijklmnopqrstuvwx", "int-abcdefghijklmnopqrstuvwx",
        "int_abcdefghijklmnopqrstuv-x", "wh_abc123def4"}) {
    EXPECT_FALSE(IsOrganizationId(bad)) << bad;
  }
  EXPECT_TRUE(IsOrganizationId("int_abcdefghijklmnopqrstuvwx"));
}

TEST(IdsTest, NewApiKeyFormatAndPrefix) {
  const std::regex kFormat("^sk_live_[A-Za-z0-9]{40}$");
  for (int i = 0; i < 200; ++i) {
    std::string key = NewApiKey();
    EXPECT_TRUE(std::regex_match(key, kFormat)) << key;
    EXPECT_EQ(ApiKeyPrefix(key), key.substr(0, 14));
  }
  EXPECT_EQ(ApiKeyPrefix("sk_live_abcdefghij"), "sk_live_abcdef");
  EXPECT_EQ(ApiKeyPrefix("sk_live_abc"), "sk_live_abc");
  EXPECT_EQ(ApiKeyPrefix("sk_test_xyz789"), "sk_test_x");
  EXPECT_EQ(ApiKeyPrefix(""), "");
}

TEST(IdsTest, ThousandGeneratedIdsAreUnique) {
  std::set<std::string> webhooks, orgs, keys;
  for (int i = 0; i < 1000; ++i) {
    webhooks.insert(NewWebhookId());
    orgs.insert(NewOrganizationId());
    keys.insert(NewApiKey());
  }
  EXPECT_EQ(webhooks.size(), 1000u);
  EXPECT_EQ(orgs.size(), 1000u);
  EXPECT_EQ(keys.size(), 1000u);
}

// ---------------------------------------------------------------------------------------------
// Timestamps.

TimePoint At(int64_t unix_seconds) {
  return std::chrono::system_clock::from_time_t(static_cast<std::time_t>(unix_seconds));
}

TEST(TimeFormatTest, FormatsWholeSecondsUtc) {
  EXPECT_EQ(FormatTimestamp(At(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatTimestamp(At(1735689600)), "2025-01-01T00:00:00Z");
  EXPECT_EQ(FormatTimestamp(At(951782400)), "2000-02-29T00:00:00Z");
  EXPECT_EQ(FormatTimestamp(At(2147483648)), "2038-01-19T03:14:08Z");
  EXPECT_EQ(FormatTimestamp(At(1735689600) + std::chrono::milliseconds(999)),
            "2025-01-01T00:00:00Z");
}

TEST(TimeFormatTest, ParseFormatRoundTrip) {
  for (std::string_view s : {"1970-01-01T00:00:00Z", "2025-01-01T00:00:00Z", "2000-02-29T12:34:56Z",
                             "2024-02-29T23:59:59Z", "1999-12-31T23:59:59Z", "2038-01-19T03:14:08Z",
                             "2100-06-15T08:00:00Z"}) {
    std::optional<TimePoint> t = ParseTimestamp(s);
    ASSERT_TRUE(t.has_value()) << s;
    EXPECT_EQ(FormatTimestamp(*t), s);
  }
  TimePoint now = std::chrono::system_clock::now();
  std::optional<TimePoint> parsed = ParseTimestamp(FormatTimestamp(now));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, std::chrono::floor<std::chrono::seconds>(now));
  EXPECT_EQ(ParseTimestamp("2025-01-01T00:00:00Z"), At(1735689600));
}

TEST(TimeFormatTest, ParsesOffsetsFractionsAndLowerCase) {
  const TimePoint kNewYear = At(1735689600);
  for (std::string_view s :
       {"2025-01-01T05:30:00+05:30", "2024-12-31T19:00:00-05:00", "2025-01-01T00:00:00+00:00",
        "2025-01-01T00:00:00-00:00", "2025-01-01t00:00:00z", "2025-01-01T00:00:00.5Z",
        "2025-01-01T00:00:00.123456789Z", "2025-01-01T01:00:00.25+01:00",
        "2025-01-01T23:59:00+23:59"}) {
    std::optional<TimePoint> t = ParseTimestamp(s);
    ASSERT_TRUE(t.has_value()) << s;
    EXPECT_EQ(FormatTimestamp(*t), "2025-01-01T00:00:00Z") << s;
    EXPECT_EQ(std::chrono::floor<std::chrono::seconds>(*t), kNewYear) << s;
  }
}

TEST(TimeFormatTest, RejectsMalformed) {
  for (std::string_view bad : {"",
                               "2025",
                               "2025-01-01",
                               "2025-01-01T00:00:00",
                               "2025-01-01 00:00:00Z",
                               "2025-01-01T00:00Z",
                               "2025-1-01T00:00:00Z",
                               "2025/01/01T00:00:00Z",
                               "abcd-01-01T00:00:00Z",
                               "2025-13-01T00:00:00Z",
                               "2025-00-01T00:00:00Z",
                               "2025-01-00T00:00:00Z",
                               "2025-01-32T00:00:00Z",
                               "2025-01-01T24:00:00Z",
                               "2025-01-01T00:60:00Z",
                               "2025-01-01T00:00:61Z",
                               "2025-01-01T00:00:00ZZ",
                               "2025-01-01T00:00:00Z ",
                               " 2025-01-01T00:00:00Z",
                               "2025-01-01T00:00:00.Z",
                               "2025-01-01T00:00:00.5",
                               "2025-01-01T00:00:00+0530",
                               "2025-01-01T00:00:00+05",
                               "2025-01-01T00:00:00+05:3",
                               "2025-01-01T00:00:00+05:30x",
                               "2025-01-01T00:00:00+24:00",
                               "2025-01-01T00:00:00+05:60",
                               "2025-01-01T00:00:00UTC",
                               "2025-01-01T00:00:00GMT",
                               "+025-01-01T00:00:00Z",
                               "2025-01-01T00:00:00,5Z",
                               "2025-01-01T-1:00:00Z"}) {
    EXPECT_FALSE(ParseTimestamp(bad).has_value()) << "[" << bad << "]";
  }
}

TEST(TimeFormatTest, RejectsImpossibleCalendarDates) {
  EXPECT_TRUE(ParseTimestamp("2024-02-29T00:00:00Z").has_value());  // leap year
  for (std::string_view bad : {"2025-02-29T00:00:00Z", "2025-02-30T00:00:00Z",
                               "2025-04-31T00:00:00Z", "1900-02-29T00:00:00Z"}) {
    std::optional<TimePoint> t = ParseTimestamp(bad);
    EXPECT_FALSE(t.has_value()) << bad << " parsed as " << FormatTimestamp(*t);
  }
}

TEST(TimeFormatTest, ExtremeYearsRoundTripOrAreRejected) {
  // Years the clock cannot represent must not wrap around to some other instant.
  for (std::string_view s : {"0000-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "1600-01-01T00:00:00Z",
                             "9999-12-31T23:59:59Z"}) {
    std::optional<TimePoint> t = ParseTimestamp(s);
    if (t.has_value()) {
      EXPECT_EQ(FormatTimestamp(*t), s);
    }
  }
}

TEST(TimeFormatTest, SystemClockIsNow) {
  Clock clock = SystemClock();
  TimePoint before = std::chrono::system_clock::now();
  TimePoint t = clock();
  TimePoint after = std::chrono::system_clock::now();
  EXPECT_LE(before, t);
  EXPECT_LE(t, after);
}

// ---------------------------------------------------------------------------------------------
// Cursors.

TEST(CursorTest, RoundTrip) {
  for (uint64_t seq : {uint64_t{0}, uint64_t{1}, uint64_t{42}, uint64_t{1000000}, uint64_t{1} << 53,
                       ~uint64_t{0} - 1, ~uint64_t{0}}) {
    std::string cursor = EncodeCursor(seq);
    EXPECT_FALSE(cursor.empty());
    EXPECT_LE(cursor.size(), 64u);
    EXPECT_EQ(cursor.find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos)
        << cursor;
    EXPECT_EQ(DecodeCursor(cursor), seq) << cursor;
  }
  EXPECT_NE(EncodeCursor(1), EncodeCursor(2));
}

TEST(CursorTest, RejectsGarbage) {
  for (const std::string& bad : {std::string(""),
                                 std::string("garbage!"),
                                 std::string("===="),
                                 std::string("c1:5"),
                                 std::string(65, 'A'),
                                 Base64UrlEncode("abc"),
                                 Base64UrlEncode("c2:5"),
                                 Base64UrlEncode("C1:5"),
                                 Base64UrlEncode("c1:"),
                                 Base64UrlEncode("c1:abc"),
                                 Base64UrlEncode("c1:5x"),
                                 Base64UrlEncode("c1:-5"),
                                 Base64UrlEncode("c1:+5"),
                                 Base64UrlEncode("c1: 5"),
                                 Base64UrlEncode("c1:5 "),
                                 Base64UrlEncode("c1:1.5"),
                                 Base64UrlEncode("c1:18446744073709551616"),
                                 Base64UrlEncode(std::string("c1:5\0", 5)),
                                 EncodeCursor(42) + "!",
                                 EncodeCursor(42) + "=",
                                 EncodeCursor(42) + "+",
                                 "/" + EncodeCursor(42)}) {
    EXPECT_FALSE(DecodeCursor(bad).has_value()) << "[" << bad << "]";
  }
}

TEST(CursorTest, RejectsTamperedVersionPrefix) {
  // The first four characters encode "c1:"; changing any of them must not give a cursor.
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const std::string good = EncodeCursor(123456);
  for (size_t i = 0; i < 4; ++i) {
    for (char c : kAlphabet) {
      if (c == good[i]) continue;
      std::string tampered = good;
      tampered[i] = c;
      EXPECT_FALSE(DecodeCursor(tampered).has_value()) << tampered;
    }
  }
}

TEST(CursorTest, RejectsNonCanonicalCursors) {
  // Only strings EncodeCursor produced decode (cursor.h): no leading zeros, no stray pad bits.
  std::string good = EncodeCursor(42);  // "YzE6NDI"
  std::string stray_bits = good;
  stray_bits.back() = static_cast<char>(stray_bits.back() + 1);
  for (const std::string& bad : {stray_bits, Base64UrlEncode("c1:007"), Base64UrlEncode("c1:00"),
                                 Base64UrlEncode("c1:042")}) {
    std::optional<uint64_t> seq = DecodeCursor(bad);
    EXPECT_FALSE(seq.has_value()) << bad << " decoded to " << *seq;
  }
}

// ---------------------------------------------------------------------------------------------
// Event types.

TEST(EventTypesTest, TheThirtyOneSpecNamesInOrder) {
  const std::vector<std::string_view> kExpected = {
      "object.created",
      "objects.created.batch",
      "object.updated",
      "object.deleted",
      "collection.created",
      "collection.updated",
      "collection.deleted",
      "collection.documents.written",
      "cluster.created",
      "cluster.updated",
      "cluster.deleted",
      "cluster.execution.started",
      "cluster.execution.completed",
      "cluster.execution.failed",
      "trigger.created",
      "trigger.updated",
      "trigger.deleted",
      "trigger.paused",
      "trigger.resumed",
      "trigger.fired",
      "trigger.execution.completed",
      "trigger.execution.failed",
      "taxonomy.created",
      "taxonomy.updated",
      "taxonomy.deleted",
      "alert.created",
      "alert.updated",
      "alert.deleted",
      "alert.triggered",
      "alert.execution.completed",
      "alert.execution.failed",
  };
  std::span<const std::string_view> all = AllEventTypes();
  ASSERT_EQ(all.size(), 31u);
  EXPECT_EQ(std::vector<std::string_view>(all.begin(), all.end()), kExpected);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(EventTypeIndex(all[i]), static_cast<int>(i)) << all[i];
    EXPECT_TRUE(IsSubscribableEventType(all[i])) << all[i];
  }
}

TEST(EventTypesTest, UnknownNames) {
  for (std::string_view bad : {"", "*", "object", "object.created ", "Object.Created",
                               "object.exploded", "objects.created", "alert.execution"}) {
    EXPECT_FALSE(EventTypeIndex(bad).has_value()) << bad;
  }
  EXPECT_TRUE(IsSubscribableEventType("*"));
  for (std::string_view bad : {"", "**", "object.*", " *", "object.exploded"}) {
    EXPECT_FALSE(IsSubscribableEventType(bad)) << bad;
  }
}

TEST(EventTypesTest, EventMask) {
  EXPECT_EQ(EventMask({}), 0u);
  EXPECT_EQ(EventMask({"object.created"}), 1u);
  EXPECT_EQ(EventMask({"objects.created.batch"}), 2u);
  EXPECT_EQ(EventMask({"alert.execution.failed"}), 1u << 30);
  EXPECT_EQ(EventMask({"*"}), 1u << 31);
  EXPECT_EQ(EventMask({"object.created", "alert.execution.failed", "object.created"}),
            1u | (1u << 30));
  EXPECT_EQ(EventMask({"object.updated", "no.such.event"}), 1u << 2);
  std::vector<std::string> every(AllEventTypes().begin(), AllEventTypes().end());
  EXPECT_EQ(EventMask(every), (1u << 31) - 1);
}

TEST(EventTypesTest, MaskReceivesAndReceivesAgree) {
  const std::vector<std::vector<std::string>> kSubscriptions = {
      {},
      {"*"},
      {"object.created"},
      {"trigger.fired", "alert.execution.failed"},
      {"cluster.execution.failed", "*"},
      {"collection.documents.written", "taxonomy.deleted", "objects.created.batch"},
  };
  std::span<const std::string_view> all = AllEventTypes();
  for (const std::vector<std::string>& subs : kSubscriptions) {
    uint32_t mask = EventMask(subs);
    bool wildcard = std::find(subs.begin(), subs.end(), "*") != subs.end();
    for (size_t i = 0; i < all.size(); ++i) {
      bool exact = std::find(subs.begin(), subs.end(), all[i]) != subs.end();
      EXPECT_EQ(Receives(subs, all[i]), wildcard || exact) << all[i];
      EXPECT_EQ(MaskReceives(mask, static_cast<int>(i)), wildcard || exact) << all[i];
    }
  }
}

TEST(EventTypesTest, WildcardReceivesEverything) {
  uint32_t mask = EventMask({"*"});
  for (int i = 0; i < 31; ++i) EXPECT_TRUE(MaskReceives(mask, i)) << i;
  EXPECT_TRUE(Receives({"*"}, "alert.triggered"));
  EXPECT_FALSE(Receives({"object.created"}, "object.updated"));
  EXPECT_FALSE(Receives({}, "object.created"));
  EXPECT_FALSE(MaskReceives(EventMask({"object.created"}), 1));
  EXPECT_TRUE(MaskReceives(EventMask({"object.created"}), 0));
}

// ---------------------------------------------------------------------------------------------
// JSON input.

std::string Nested(int depth, char open, char close) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += open == '{' ? std::string("{\"a\":") : std::string(1, open);
  s += open == '{' ? "1" : "";
  for (int i = 0; i < depth; ++i) s += close;
  return s;
}

absl::Status Parse(std::string_view text) {
  rapidjson::Document doc;
  return ParseJson(text, &doc);
}

TEST(ParseJsonTest, ParsesValidDocuments) {
  rapidjson::Document doc;
  ASSERT_OK(ParseJson(R"( {"a": [1, 2.5, "x\u00e9", true, null], "b": {}} )"
                      "\n\t",
                      &doc));
  ASSERT_TRUE(doc.IsObject());
  EXPECT_EQ(doc["a"].Size(), 5u);
  EXPECT_STREQ(doc["a"][2].GetString(), "x\xc3\xa9");
  EXPECT_EQ(ToJson(doc), R"({"a":[1,2.5,"xé",true,null],"b":{}})");
  EXPECT_OK(Parse("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\""));
  EXPECT_OK(Parse("17"));
  EXPECT_OK(Parse("null"));
}

TEST(ParseJsonTest, MalformedJsonNamesTheOffset) {
  const std::pair<std::string_view, size_t> kCases[] = {
      {R"({"a":1,})", 7}, {R"({"a":)", 5}, {"[1,2", 4}, {"{\"a\" 1}", 5}, {"", 0}, {"nul", 3},
  };
  for (const auto& [text, offset] : kCases) {
    absl::Status st = Parse(text);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_NE(st.message().find("Malformed JSON"), std::string_view::npos) << st;
    EXPECT_NE(st.message().find("offset " + std::to_string(offset)), std::string_view::npos)
        << text << ": " << st;
    EXPECT_FALSE(FieldErrorsJson(st).has_value());
  }
}

TEST(ParseJsonTest, NestingLimitIs64) {
  EXPECT_EQ(kMaxJsonDepth, 64);
  EXPECT_OK(Parse(Nested(64, '[', ']')));
  EXPECT_OK(Parse(Nested(64, '{', '}')));
  // The offset is that of the 65th opening bracket.
  const std::pair<std::string, size_t> kTooDeep[] = {
      {Nested(65, '[', ']'), 64},
      {Nested(65, '{', '}'), 64 * 5},
      {Nested(100000, '[', ']'), 64},
      {std::string(100000, '['), 64},
  };
  for (const auto& [deep, offset] : kTooDeep) {
    absl::Status st = Parse(deep);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << deep.substr(0, 80);
    EXPECT_NE(st.message().find("nesting"), std::string_view::npos) << st;
    EXPECT_NE(st.message().find("offset " + std::to_string(offset)), std::string_view::npos) << st;
  }
}

TEST(ParseJsonTest, NestingCountsOnlyBracketsOutsideStrings) {
  EXPECT_OK(Parse("[\"" + std::string(200, '[') + "\"]"));
  EXPECT_OK(Parse("{\"" + std::string(200, '{') + "\": 1}"));
  // An escaped backslash ends right before the closing quote; the brackets after it count.
  EXPECT_OK(Parse(R"(["\\", )" + Nested(63, '[', ']') + "]"));
  EXPECT_FALSE(Parse(R"(["\\", )" + Nested(64, '[', ']') + "]").ok());
  // An escaped quote does not end the string.
  EXPECT_OK(Parse(R"(["\"[[[[[[", )" + Nested(63, '[', ']') + "]"));
}

TEST(ParseJsonTest, RejectsInvalidUtf8) {
  for (std::string_view bad :
       {"\"\xff\"", "\"\xc0\xaf\"", "\"\xe2\x82\"", "\"\xed\xa0\x80\"", "\"\xf8\x88\x80\x80\x80\"",
        "{\"\xfe\": 1}", "[\"a\x80\"]", "\"\xf4\x90\x80\x80\""}) {
    absl::Status st = Parse(bad);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ParseJsonTest, RejectsTrailingGarbage) {
  for (std::string_view bad : {"{} x", "{}{}", "1 2", "{}]", "[1],", "{} //", "\"a\" \"b\""}) {
    absl::Status st = Parse(bad);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(st.message().find("offset"), std::string_view::npos) << st;
  }
}

TEST(ParseJsonTest, RejectsBytesAfterNul) {
  // The input is length-delimited: a NUL byte does not end the document.
  for (std::string_view bad : {std::string_view("{}\0garbage", 10), std::string_view("{}\0", 3),
                               std::string_view("{\"a\":1}\0{\"b\":2}", 15)}) {
    EXPECT_FALSE(Parse(bad).ok()) << "accepted " << bad.size() << " bytes";
  }
  EXPECT_FALSE(Parse(std::string_view("{\"a\":\"x\0y\"}", 11)).ok());
}

TEST(Utf8LengthTest, CountsCodePoints) {
  EXPECT_EQ(Utf8Length(""), 0u);
  EXPECT_EQ(Utf8Length("abc"), 3u);
  EXPECT_EQ(Utf8Length("\xc3\xa9"), 1u);
  EXPECT_EQ(Utf8Length("\xe2\x82\xac"), 1u);
  EXPECT_EQ(Utf8Length("\xf0\x9f\x98\x80"), 1u);
  EXPECT_EQ(Utf8Length("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z"), 5u);
  std::string e200;
  for (int i = 0; i < 200; ++i) e200 += "\xc3\xa9";
  EXPECT_EQ(e200.size(), 400u);
  EXPECT_EQ(Utf8Length(e200), 200u);
}

// ---------------------------------------------------------------------------------------------
// Validation errors.

TEST(ValidationTest, OkAndPlainStatusesCarryNoFieldErrors) {
  ValidationErrors errors;
  EXPECT_TRUE(errors.empty());
  EXPECT_OK(errors.ToStatus());
  EXPECT_FALSE(FieldErrorsJson(absl::OkStatus()).has_value());
  EXPECT_FALSE(FieldErrorsJson(absl::InvalidArgumentError("x")).has_value());
}

TEST(ValidationTest, FieldFailureCarriesOneError) {
  absl::Status st = FieldFailure("enum", {"query", "event_type"}, "bad \"value\"");
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "Validation error: query.event_type: bad \"value\"");
  EXPECT_EQ(FieldErrorsJson(st),
            R"([{"type":"enum","location":["query","event_type"],"message":"bad \"value\""}])");
}

TEST(ValidationTest, ChildPathsAndSeveralErrors) {
  Path body = {"body"};
  Path url = Child(Child(Child(body, "channels"), size_t{3}), "url");
  ASSERT_EQ(url.size(), 4u);
  EXPECT_EQ(std::get<size_t>(url[2]), 3u);
  EXPECT_EQ(body.size(), 1u);  // the parent is not modified
  ValidationErrors errors;
  errors.Add("url_parsing", url, "m1");
  errors.Add("missing", Child(body, "webhook_name"), "m2");
  EXPECT_FALSE(errors.empty());
  ASSERT_EQ(errors.errors().size(), 2u);
  absl::Status st = errors.ToStatus();
  EXPECT_EQ(st.message(), "Validation error: body.channels.3.url: m1 (and 1 more)");
  EXPECT_EQ(FieldErrorsJson(st),
            R"([{"type":"url_parsing","location":["body","channels",3,"url"],"message":"m1"},)"
            R"({"type":"missing","location":["body","webhook_name"],"message":"m2"}])");
}

}  // namespace
}  // namespace webhooks

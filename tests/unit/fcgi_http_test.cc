// fcgi/http.h: percent-decoding, path segments, query strings, media types.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fcgi/http.h"

namespace webhooks {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;
using Segments = std::vector<std::string>;

TEST(HttpPercentDecodeTest, DecodesEscapes) {
  EXPECT_EQ(PercentDecode(""), "");
  EXPECT_EQ(PercentDecode("plain"), "plain");
  EXPECT_EQ(PercentDecode("a%20b"), "a b");
  EXPECT_EQ(PercentDecode("%41%62%7e%7E"), "Ab~~");  // both hex cases
  EXPECT_EQ(PercentDecode("%2F%2f"), "//");
  EXPECT_EQ(PercentDecode("%25"), "%");
  EXPECT_EQ(PercentDecode("%2541"), "%41");  // decoded once only
  EXPECT_EQ(PercentDecode("%e2%82%ac"), "\xe2\x82\xac");
  EXPECT_EQ(PercentDecode("%FF"), "\xff");
  EXPECT_EQ(PercentDecode("x%41"), "xA");  // an escape that ends the input
}

TEST(HttpPercentDecodeTest, PlusIsSpaceOnlyWhenAsked) {
  EXPECT_EQ(PercentDecode("a+b"), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("a%2Bb", true), "a+b");
}

TEST(HttpPercentDecodeTest, RejectsMalformedEscapes) {
  for (const char* bad : {"%", "%4", "a%", "a%4", "%G1", "%1G", "%%", "%-1", "% 1", "100%"}) {
    EXPECT_EQ(PercentDecode(bad), std::nullopt) << bad;
    EXPECT_EQ(PercentDecode(bad, true), std::nullopt) << bad;
  }
  EXPECT_EQ(PercentDecode("%00"), std::nullopt);  // a decoded NUL
  EXPECT_EQ(PercentDecode("a%00b"), std::nullopt);
}

TEST(HttpPathSegmentsTest, Splits) {
  EXPECT_EQ(PathSegments("/"), Segments{});
  EXPECT_EQ(PathSegments(""), Segments{});
  EXPECT_EQ(PathSegments("/a/b"), (Segments{"a", "b"}));
  EXPECT_EQ(PathSegments("/a/b/"), (Segments{"a", "b"}));
  EXPECT_EQ(PathSegments("a/b"), (Segments{"a", "b"}));
  EXPECT_EQ(PathSegments("/v1/organizations/webhooks/Engineering%20Slack%20Alerts"),
            (Segments{"v1", "organizations", "webhooks", "Engineering Slack Alerts"}));
}

TEST(HttpPathSegmentsTest, DecodesAfterSplitting) {
  // An encoded slash stays inside its segment.
  EXPECT_EQ(PathSegments("/webhooks/a%2Fb"), (Segments{"webhooks", "a/b"}));
  // '+' is literal in a path.
  EXPECT_EQ(PathSegments("/webhooks/a+b"), (Segments{"webhooks", "a+b"}));
  EXPECT_EQ(PathSegments("/webhooks/%3Fq%3D1"), (Segments{"webhooks", "?q=1"}));
}

TEST(HttpPathSegmentsTest, RejectsMalformedSegments) {
  EXPECT_EQ(PathSegments("/a/%zz"), std::nullopt);
  EXPECT_EQ(PathSegments("/a/%4"), std::nullopt);
  EXPECT_EQ(PathSegments("/a%00/b"), std::nullopt);
}

TEST(HttpParseQueryTest, ParsesPairsInOrder) {
  EXPECT_EQ(ParseQuery(""), Pairs{});
  EXPECT_EQ(ParseQuery("limit=10&offset=5"), (Pairs{{"limit", "10"}, {"offset", "5"}}));
  EXPECT_EQ(ParseQuery("b=2&a=1&b=3"), (Pairs{{"b", "2"}, {"a", "1"}, {"b", "3"}}));
  EXPECT_EQ(ParseQuery("flag"), (Pairs{{"flag", ""}}));
  EXPECT_EQ(ParseQuery("empty="), (Pairs{{"empty", ""}}));
  EXPECT_EQ(ParseQuery("=v"), (Pairs{{"", "v"}}));
  EXPECT_EQ(ParseQuery("a=1=2"), (Pairs{{"a", "1=2"}}));  // only the first '=' splits
}

TEST(HttpParseQueryTest, SkipsEmptyParts) {
  EXPECT_EQ(ParseQuery("&"), Pairs{});
  EXPECT_EQ(ParseQuery("a=1&"), (Pairs{{"a", "1"}}));
  EXPECT_EQ(ParseQuery("&a=1"), (Pairs{{"a", "1"}}));
  EXPECT_EQ(ParseQuery("a=1&&b=2"), (Pairs{{"a", "1"}, {"b", "2"}}));
}

TEST(HttpParseQueryTest, DecodesNamesAndValues) {
  EXPECT_EQ(ParseQuery("q=a+b%20c"), (Pairs{{"q", "a b c"}}));
  EXPECT_EQ(ParseQuery("a%26b=c%3Dd"), (Pairs{{"a&b", "c=d"}}));
  EXPECT_EQ(ParseQuery("cursor=YzE6Mw"), (Pairs{{"cursor", "YzE6Mw"}}));
  EXPECT_EQ(ParseQuery("x=%2B"), (Pairs{{"x", "+"}}));
}

TEST(HttpParseQueryTest, RejectsMalformedEscapes) {
  EXPECT_EQ(ParseQuery("a=%"), std::nullopt);
  EXPECT_EQ(ParseQuery("a=1&b=%zz"), std::nullopt);
  EXPECT_EQ(ParseQuery("%4=1"), std::nullopt);
  EXPECT_EQ(ParseQuery("a=%00"), std::nullopt);
}

TEST(HttpMediaTypeTest, LowerCasesAndDropsParameters) {
  EXPECT_EQ(MediaType(""), "");
  EXPECT_EQ(MediaType("application/json"), "application/json");
  EXPECT_EQ(MediaType("Application/JSON"), "application/json");
  EXPECT_EQ(MediaType("application/json; charset=utf-8"), "application/json");
  EXPECT_EQ(MediaType("application/json;charset=UTF-8"), "application/json");
  EXPECT_EQ(MediaType("  application/json  ; x=y"), "application/json");
  EXPECT_EQ(MediaType("\tTEXT/Plain\t"), "text/plain");
  EXPECT_EQ(MediaType("application/problem+json"), "application/problem+json");
  EXPECT_EQ(MediaType(";charset=utf-8"), "");
  EXPECT_EQ(MediaType("   "), "");
}

TEST(HttpJsonResponseTest, SetsStatusAndBody) {
  HttpResponse r = JsonResponse(201, R"({"a":1})");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, R"({"a":1})");
  EXPECT_TRUE(r.headers.empty());
}

}  // namespace
}  // namespace webhooks

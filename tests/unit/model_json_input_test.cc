// JSON input (model/json_input.h): ParseJson's acceptance of UTF-8, nesting and trailing bytes,
// and its error messages.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "model/json_input.h"
#include "model/validation.h"
#include "tests/test_util.h"

namespace webhooks {
namespace {

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

}  // namespace
}  // namespace webhooks

// Message templates: placeholder forms, paths, literal text, JSON templates and output caps.
#include "model/template.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>
#include <string_view>

#include "model/json_input.h"

namespace webhooks {
namespace {

constexpr std::string_view kEnvelope = R"({
  "event_id": "evt_1",
  "event_type": "invoice.paid",
  "occurred_at": "2025-01-01T00:00:00Z",
  "namespace_id": null,
  "subject": {"type": "customer", "id": "cus_9"},
  "metadata": {"amount": 42, "ratio": 0.5, "paid": true, "tags": ["a", "b", {"k": "v"}],
               "name": "Zoë <b>", "my-key": "dash", "under_score": "u", "7": "seven",
               "empty": ""},
  "cache_scope": null
})";

class TemplateTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(ParseJson(kEnvelope, &env_).ok()); }
  std::string Render(std::string_view text) { return RenderTemplate(text, env_); }
  std::string RenderJson(std::string_view text) { return RenderJsonTemplate(text, env_); }
  rapidjson::Document env_;
};

struct Case {
  const char* text;
  const char* want;
};

TEST_F(TemplateTest, RendersPlaceholders) {
  const Case kCases[] = {
      {"{{event_id}}", "evt_1"},
      {"{{ event_id }}", "evt_1"},
      {"{{\tevent_type\t}}", "invoice.paid"},
      {"{{   subject.id   }}", "cus_9"},
      {"{event_id}", "evt_1"},
      {"{subject.type}", "customer"},
      {"id={event_id}, type={{event_type}}.", "id=evt_1, type=invoice.paid."},
      {"{{metadata.amount}}", "42"},
      {"{{metadata.ratio}}", "0.5"},
      {"{{metadata.paid}}", "true"},
      {"{{namespace_id}}", ""},
      {"{{subject}}", R"({"type":"customer","id":"cus_9"})"},
      {"{{metadata.tags}}", R"(["a","b",{"k":"v"}])"},
      {"{{metadata.tags.0}}", "a"},
      {"{{metadata.tags.1}}", "b"},
      {"{{metadata.tags.2.k}}", "v"},
      {"{{metadata.name}}", "Zoë <b>"},
      {"{{metadata.my-key}}", "dash"},
      {"{{metadata.under_score}}", "u"},
      {"{{metadata.7}}", "seven"},
      {"{{metadata.empty}}", ""},
      {"{event_id}{event_id}", "evt_1evt_1"},
      {"ünïcödé {event_id} ✓", "ünïcödé evt_1 ✓"},
  };
  for (const Case& c : kCases) EXPECT_EQ(Render(c.text), c.want) << c.text;
}

TEST_F(TemplateTest, MissingPathsRenderEmpty) {
  const Case kCases[] = {
      {"[{{nope}}]", "[]"},
      {"[{nope}]", "[]"},
      {"[{{subject.nope}}]", "[]"},
      {"[{{metadata.tags.3}}]", "[]"},
      {"[{{metadata.tags.x}}]", "[]"},
      {"[{{metadata.tags.-1}}]", "[]"},
      {"[{{metadata.tags.99999999999}}]", "[]"},
      {"[{{event_id.more}}]", "[]"},
      {"[{{namespace_id.x}}]", "[]"},
      {"[{{metadata.amount.0}}]", "[]"},
      {"[{0}]", "[]"},
  };
  for (const Case& c : kCases) EXPECT_EQ(Render(c.text), c.want) << c.text;
}

TEST_F(TemplateTest, KeepsNonPlaceholdersLiterally) {
  const Case kCases[] = {
      {"", ""},
      {"plain text", "plain text"},
      {"{", "{"},
      {"}", "}"},
      {"{}", "{}"},
      {"{{}}", "{{}}"},
      {"{{ }}", "{{ }}"},
      {"{ event_id }", "{ event_id }"},
      {"{event id}", "{event id}"},
      {"{{event id}}", "{{event id}}"},
      {"{{event_id", "{{event_id"},
      {"event_id}}", "event_id}}"},
      {"{.event_id}", "{.event_id}"},
      {"{event_id.}", "{event_id.}"},
      {"{subject..id}", "{subject..id}"},
      {R"({"a": 1})", R"({"a": 1})"},
      {"{{{event_id}}}", "{evt_1}"},
      {"{{event_id}", "{evt_1"},
      {"{event_id}}", "evt_1}"},
      {"${event_id}", "$evt_1"},
      {"{{ event_id | upper }}", "{{ event_id | upper }}"},
      {"{{ __import__('os') }}", "{{ __import__('os') }}"},
  };
  for (const Case& c : kCases) EXPECT_EQ(Render(c.text), c.want) << c.text;
}

TEST_F(TemplateTest, NonObjectEnvelopeRendersNothing) {
  rapidjson::Document doc;
  ASSERT_TRUE(ParseJson("[1,2]", &doc).ok());
  EXPECT_EQ(RenderTemplate("a{0}b{{0}}c", doc), "a1b1c");
  ASSERT_TRUE(ParseJson("\"text\"", &doc).ok());
  EXPECT_EQ(RenderTemplate("a{x}b", doc), "ab");
}

TEST_F(TemplateTest, LongPathsAndBracesAreLiteral) {
  std::string long_path(300, 'a');
  EXPECT_EQ(Render("{" + long_path + "}"), "{" + long_path + "}");
  std::string many_braces(100000, '{');
  EXPECT_EQ(Render(many_braces), many_braces);
}

TEST_F(TemplateTest, OutputIsCappedAtOneMebibyte) {
  rapidjson::Document doc;
  std::string big(600 * 1024, 'x');
  ASSERT_TRUE(ParseJson(R"({"big":")" + big + R"("})", &doc).ok());
  std::string out = RenderTemplate("{big}{big}{big}", doc);
  EXPECT_EQ(out.size(), size_t{1} << 20);
  // A cut never splits a UTF-8 character.
  std::string accents;
  for (int i = 0; i < 400 * 1024; ++i) accents += "é";
  ASSERT_TRUE(ParseJson(R"({"e":")" + accents + R"("})", &doc).ok());
  out = RenderTemplate("x{e}{e}", doc);
  EXPECT_LE(out.size(), size_t{1} << 20);
  EXPECT_EQ(out.size() % 2, 1u);  // "x" + whole two-byte characters
  EXPECT_EQ(out.back(), "é"[1]);
}

TEST_F(TemplateTest, JsonTemplateSubstitutesWholeValues) {
  EXPECT_EQ(RenderJson(R"({"id":"{{event_id}}","sub":"{subject}","n":"{{metadata.amount}}",)"
                       R"("b":"{{ metadata.paid }}","missing":"{{nope}}","ns":"{namespace_id}"})"),
            R"({"id":"evt_1","sub":{"type":"customer","id":"cus_9"},"n":42,"b":true,)"
            R"("missing":null,"ns":null})");
}

TEST_F(TemplateTest, JsonTemplateRendersMixedStringsAsText) {
  EXPECT_EQ(
      RenderJson(
          R"({"text":"Event {{event_type}} for {subject.id}","amt":"n={{metadata.amount}}"})"),
      R"({"text":"Event invoice.paid for cus_9","amt":"n=42"})");
  EXPECT_EQ(RenderJson(R"({"q":"say \"{event_id}\"","s":" {event_id}"})"),
            R"({"q":"say \"evt_1\"","s":" evt_1"})");
}

TEST_F(TemplateTest, JsonTemplateKeepsKeysAndOtherValues) {
  EXPECT_EQ(
      RenderJson(R"({"{event_id}":1,"arr":[1,"{event_id}",null,false,{"x":"{subject.type}"}],)"
                 R"("f":1.5,"nested":{"deep":["{{metadata.tags}}"]}})"),
      R"({"{event_id}":1,"arr":[1,"evt_1",null,false,{"x":"customer"}],"f":1.5,)"
      R"("nested":{"deep":[["a","b",{"k":"v"}]]}})");
  EXPECT_EQ(RenderJson("[]"), "[]");
  EXPECT_EQ(RenderJson(R"("{event_id}")"), R"("evt_1")");
  EXPECT_EQ(RenderJson("7"), "7");
}

TEST_F(TemplateTest, JsonTemplateValuesAreEscapedProperly) {
  rapidjson::Document doc;
  ASSERT_TRUE(ParseJson(R"({"evil":"\",\"injected\":true,\"x\":\"","nl":"a\nb"})", &doc).ok());
  std::string out = RenderJsonTemplate(R"({"a":"{evil}","b":"pre {evil}","c":"{nl}"})", doc);
  rapidjson::Document parsed;
  ASSERT_TRUE(ParseJson(out, &parsed).ok()) << out;
  EXPECT_EQ(parsed.MemberCount(), 3u);
  EXPECT_FALSE(parsed.HasMember("injected"));
  EXPECT_STREQ(parsed["a"].GetString(), R"(","injected":true,"x":")");
  EXPECT_STREQ(parsed["c"].GetString(), "a\nb");
}

TEST_F(TemplateTest, JsonTemplateOutputIsBounded) {
  rapidjson::Document doc;
  std::string big(300 * 1024, 'x');
  ASSERT_TRUE(ParseJson(R"({"big":")" + big + R"("})", &doc).ok());
  std::string tmpl = "[";
  for (int i = 0; i < 100; ++i) tmpl += std::string(i ? "," : "") + "\"{big}\"";
  tmpl += "]";
  std::string out = RenderJsonTemplate(tmpl, doc);
  EXPECT_LT(out.size(), size_t{2} << 20);
  rapidjson::Document parsed;
  ASSERT_TRUE(ParseJson(out, &parsed).ok());
  ASSERT_EQ(parsed.Size(), 100u);
  EXPECT_TRUE(parsed[0].IsString());
  EXPECT_TRUE(parsed[99].IsNull());
}

TEST_F(TemplateTest, InvalidJsonTemplateIsReturnedAsIs) {
  EXPECT_EQ(RenderJson("{not json"), "{not json");
}

}  // namespace
}  // namespace webhooks

// Reading JSON fields (model/json_fields.h): lengths are counted in code points, not bytes.
#include <gtest/gtest.h>

#include <string>

#include "model/json_fields.h"

namespace webhooks {
namespace {

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

}  // namespace
}  // namespace webhooks

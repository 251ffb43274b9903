// Timestamps (common/time_format.h): RFC 3339 formatting and parsing, and the system clock.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string_view>

#include "common/time_format.h"

namespace webhooks {
namespace {

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

// FormatTimestamp keeps the last second it formatted (per thread): going back and forth between
// seconds must still give each its own text.
TEST(TimeFormatTest, AlternatingSecondsFormatEachTheirOwn) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(FormatTimestamp(At(1735689600)), "2025-01-01T00:00:00Z");
    EXPECT_EQ(FormatTimestamp(At(1735689600)), "2025-01-01T00:00:00Z");
    EXPECT_EQ(FormatTimestamp(At(1735689599)), "2024-12-31T23:59:59Z");
    EXPECT_EQ(FormatTimestamp(At(0)), "1970-01-01T00:00:00Z");
  }
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

// Durations as flags write them, and back: the largest unit that divides them.
TEST(DurationFormatTest, FormatsInTheLargestUnitAndParsesBack) {
  constexpr int64_t kHour = 3'600'000;
  EXPECT_EQ(FormatDurationMs(5 * 24 * kHour), "5d");
  EXPECT_EQ(FormatDurationMs(36 * kHour), "36h");
  EXPECT_EQ(FormatDurationMs(90'000), "90s");
  EXPECT_EQ(FormatDurationMs(1500), "1500ms");
  for (int64_t ms : {int64_t{1}, int64_t{1000}, int64_t{61'000}, 30 * 24 * kHour, kMaxDurationMs}) {
    EXPECT_EQ(ParseDurationMs(FormatDurationMs(ms)), ms) << ms;
  }
}

}  // namespace
}  // namespace webhooks

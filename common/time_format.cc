#include "common/time_format.h"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace webhooks {
namespace {

bool ReadDigits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

Clock SystemClock() {
  return [] { return std::chrono::system_clock::now(); };
}

std::string FormatTimestamp(TimePoint t) {
  // The notifier formats "now" for every attempt: the last second formatted is kept per thread
  // (gmtime_r and strftime cost more than the rest of recording an attempt's times).
  thread_local bool cached = false;
  thread_local std::time_t cached_secs = 0;
  thread_local char cached_text[32];
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  if (!cached || secs != cached_secs) {
    std::tm tm{};
    gmtime_r(&secs, &tm);
    std::strftime(cached_text, sizeof(cached_text), "%Y-%m-%dT%H:%M:%SZ", &tm);
    cached_secs = secs;
    cached = true;
  }
  return cached_text;
}

std::optional<TimePoint> ParseTimestamp(std::string_view s) {
  int year, mon, day, hour, min, sec;
  if (!ReadDigits(s, 0, 4, &year) || s.size() < 20 || s[4] != '-' || !ReadDigits(s, 5, 2, &mon) ||
      s[7] != '-' || !ReadDigits(s, 8, 2, &day) || (s[10] != 'T' && s[10] != 't') ||
      !ReadDigits(s, 11, 2, &hour) || s[13] != ':' || !ReadDigits(s, 14, 2, &min) || s[16] != ':' ||
      !ReadDigits(s, 17, 2, &sec)) {
    return std::nullopt;
  }
  // system_clock counts nanoseconds in 64 bits: years 1678..2261 are representable.
  if (year < 1678 || year > 2261 || mon < 1 || mon > 12 || day < 1 || hour > 23 || min > 59 ||
      sec > 60) {
    return std::nullopt;
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > kDays[mon - 1] + (mon == 2 && leap ? 1 : 0)) return std::nullopt;
  size_t pos = 19;
  if (s[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start) return std::nullopt;
  }
  int offset_secs = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!ReadDigits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !ReadDigits(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_secs = (s[pos] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  std::time_t t = timegm(&tm);
  return std::chrono::system_clock::from_time_t(t - offset_secs);
}

namespace {

struct DurationUnit {
  std::string_view name;
  int64_t ms;
};
constexpr DurationUnit kDurationUnits[] = {
    {"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1000}, {"ms", 1}};

}  // namespace

std::optional<int64_t> ParseDurationMs(std::string_view item) {
  while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
  while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
  size_t digits = 0;
  while (digits < item.size() && item[digits] >= '0' && item[digits] <= '9') ++digits;
  if (digits == 0 || digits > 15) return std::nullopt;
  int64_t n = 0;
  std::from_chars(item.data(), item.data() + digits, n);
  const std::string_view unit = item.substr(digits);
  for (const DurationUnit& u : kDurationUnits) {
    if (unit != u.name) continue;
    if (n > kMaxDurationMs / u.ms) return std::nullopt;
    return n * u.ms;
  }
  return unit.empty() && n == 0 ? std::optional<int64_t>(0) : std::nullopt;
}

std::string FormatDurationMs(int64_t ms) {
  for (const DurationUnit& u : kDurationUnits) {
    if (ms >= u.ms && ms % u.ms == 0) return std::to_string(ms / u.ms) + std::string(u.name);
  }
  return std::to_string(ms) + "ms";  // 0 and negatives
}

}  // namespace webhooks

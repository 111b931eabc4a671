#include "metrics/katib_time.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

namespace hpsearch::metrics {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads text[pos, pos+len) as a decimal number within [lo, hi].
std::optional<int> ReadField(std::string_view text, size_t pos, size_t len, int lo, int hi) {
  int value = 0;
  for (size_t i = pos; i < pos + len; ++i) {
    if (!IsDigit(text[i])) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  if (value < lo || value > hi) return std::nullopt;
  return value;
}

bool IsLeapYear(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// Howard Hinnant's days_from_civil: days since 1970-01-01 of a proleptic
// Gregorian date.
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct Civil {
  int64_t year;
  int month, day;
};

Civil CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (month <= 2), month, day};
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

KatibTime KatibTime::FromMicros(int64_t micros) {
  const int64_t seconds = FloorDiv(micros, 1'000'000);
  return {seconds, static_cast<int32_t>((micros - seconds * 1'000'000) * 1000)};
}

std::optional<KatibTime> ParseRfc3339(std::string_view s) {
  constexpr size_t kDateTimeLen = 19;  // "2006-01-02T15:04:05"
  if (s.size() < kDateTimeLen) return std::nullopt;
  if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  const auto year = ReadField(s, 0, 4, 0, 9999);
  const auto month = ReadField(s, 5, 2, 1, 12);
  if (!year || !month) return std::nullopt;
  const auto day = ReadField(s, 8, 2, 1, DaysInMonth(*year, *month));
  const auto hour = ReadField(s, 11, 2, 0, 23);
  const auto minute = ReadField(s, 14, 2, 0, 59);
  const auto second = ReadField(s, 17, 2, 0, 59);
  if (!day || !hour || !minute || !second) return std::nullopt;
  s.remove_prefix(kDateTimeLen);

  int32_t nanos = 0;
  if (s.size() >= 2 && s[0] == '.' && IsDigit(s[1])) {
    size_t n = 1;
    int32_t scale = 100'000'000;
    for (; n < s.size() && IsDigit(s[n]); ++n) {
      nanos += (s[n] - '0') * scale;
      scale /= 10;  // digits past the ninth add zero: Go truncates them
    }
    s.remove_prefix(n);
  }

  int64_t offset_seconds = 0;
  if (s != "Z") {
    if (s.size() != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':') return std::nullopt;
    const auto off_hour = ReadField(s, 1, 2, 0, 23);
    const auto off_minute = ReadField(s, 4, 2, 0, 59);
    if (!off_hour || !off_minute) return std::nullopt;
    offset_seconds = (*off_hour * 60 + *off_minute) * 60 * (s[0] == '-' ? -1 : 1);
  }
  const int64_t days = DaysFromCivil(*year, *month, *day);
  const KatibTime time{days * 86400 + *hour * 3600 + *minute * 60 + *second - offset_seconds, nanos};
  // An offset can carry the instant out of years 0000-9999 ("0000-01-01T00:00:00+01:00"),
  // which RFC 3339 could not write back.
  static const int64_t kFirst = DaysFromCivil(0, 1, 1) * 86400;
  static const int64_t kEnd = DaysFromCivil(10000, 1, 1) * 86400;
  if (time.seconds < kFirst || time.seconds >= kEnd) return std::nullopt;
  return time;
}

std::string FormatRfc3339Nano(KatibTime t) {
  const int64_t days = FloorDiv(t.seconds, 86400);
  const int64_t second_of_day = t.seconds - days * 86400;
  const Civil date = CivilFromDays(days);
  char buf[64];
  int n = std::snprintf(
      buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d", static_cast<long long>(date.year),
      date.month, date.day, static_cast<int>(second_of_day / 3600),
      static_cast<int>(second_of_day / 60 % 60), static_cast<int>(second_of_day % 60));
  std::string out(buf, n);
  if (t.nanos != 0) {
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%09d", static_cast<int>(t.nanos));
    std::string_view digits(frac);
    while (digits.back() == '0') digits.remove_suffix(1);
    out += digits;
  }
  out += 'Z';
  return out;
}

std::string FormatMicrosRfc3339Nano(std::optional<int64_t> micros) {
  return micros ? FormatRfc3339Nano(KatibTime::FromMicros(*micros)) : "";
}

std::optional<KatibTime> KatibTimeFromUnixFloat(double value) {
  if (!std::isfinite(value)) return std::nullopt;
  // Go: strconv.FormatFloat(f, 'f', -1, 64), the shortest fixed-point form.
  char buf[400];
  const auto result = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed);
  if (result.ec != std::errc()) return std::nullopt;
  const std::string_view text(buf, result.ptr - buf);
  const size_t dot = text.find('.');
  const std::string_view int_part = text.substr(0, dot);
  int64_t seconds = 0;
  const auto [ptr, ec] =
      std::from_chars(int_part.data(), int_part.data() + int_part.size(), seconds);
  if (ec != std::errc() || ptr != int_part.data() + int_part.size()) return std::nullopt;
  int64_t nanos = 0;
  if (dot != std::string_view::npos) {
    const std::string_view frac = text.substr(dot + 1);
    const auto [fptr, fec] = std::from_chars(frac.data(), frac.data() + frac.size(), nanos);
    if (fec != std::errc() || fptr != frac.data() + frac.size()) return std::nullopt;
  }
  // Go's time.Unix normalises nanoseconds outside [0, 1e9) into seconds.
  seconds += FloorDiv(nanos, 1'000'000'000);
  nanos -= FloorDiv(nanos, 1'000'000'000) * 1'000'000'000;
  return KatibTime{seconds, static_cast<int32_t>(nanos)};
}

}  // namespace hpsearch::metrics

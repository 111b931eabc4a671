// Timestamps as Katib's Go code reads and writes them.
//
// Katib keeps metric timestamps as text: RFC 3339 with optional fractional
// seconds on input (Go's time.Parse with time.RFC3339Nano) and RFC3339Nano in
// UTC on output. A metric without a usable timestamp gets Go's zero time,
// "0001-01-01T00:00:00Z". KatibTime is that instant as seconds + nanoseconds
// since the Unix epoch, wide enough for year 1 (which int64 nanoseconds is not).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hpsearch::metrics {

struct KatibTime {
  int64_t seconds = 0;  // since 1970-01-01T00:00:00Z
  int32_t nanos = 0;    // [0, 1e9)

  auto operator<=>(const KatibTime&) const = default;

  // Microseconds since the epoch, rounded down: Katib's MySQL column is
  // DATETIME(6) and Go formats it with ".999999", which truncates.
  int64_t micros() const { return seconds * 1'000'000 + nanos / 1000; }
  static KatibTime FromMicros(int64_t micros);
};

// Go's zero time.Time, and its RFC 3339 text.
inline constexpr KatibTime kZeroTime{-62135596800, 0};
inline constexpr std::string_view kZeroTimestamp = "0001-01-01T00:00:00Z";

// Parses exactly what Go's time.Parse(time.RFC3339Nano, text) accepts:
// YYYY-MM-DDTHH:MM:SS, optional '.' and digits (more than nine are
// truncated), then 'Z' or +HH:MM / -HH:MM. Fields are range-checked (days per
// month, leap years, seconds 00-59). Returns nullopt for anything else, and
// for an instant an offset moves out of years 0000-9999 in UTC (Go would
// take it, then write it back as no valid RFC 3339).
std::optional<KatibTime> ParseRfc3339(std::string_view text);

// Formats as Go's t.UTC().Format(time.RFC3339Nano): trailing zeros of the
// fraction dropped, "Z" for UTC.
std::string FormatRfc3339Nano(KatibTime time);

// A store time (microseconds since the epoch) the same way; "" for none, as
// Katib leaves an unset start or completion time empty.
std::string FormatMicrosRfc3339Nano(std::optional<int64_t> micros);

// The timestamp Katib's File collector derives from a JSON number (Go's
// parseTimestamp): the shortest decimal form of the float is split at '.', and
// the digits after it are read as a count of *nanoseconds*, so 1638422847.28721
// becomes ...:27.000028721Z. Katib's quirk, kept so records match. Returns
// nullopt where Katib gives up (non-finite, or an integer part beyond int64).
std::optional<KatibTime> KatibTimeFromUnixFloat(double seconds);

}  // namespace hpsearch::metrics

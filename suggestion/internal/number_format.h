// Strict number parsing and Katib-compatible number printing.
//
// Katib's Python services print a float with Python's str(), the shortest
// representation that parses back to the same double ("0.01", "1e-05",
// "1.0"), and an int as plain digits. Values we print are read back from the
// trials of later requests, so printing must round-trip exactly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace hpsearch::suggestion::internal {

// Parses a finite decimal or scientific number ("0.1", "+3", "1e-4"); the
// whole string must be consumed (no whitespace, no "nan"/"inf").
std::optional<double> ParseDouble(absl::string_view text);

// Parses a base-10 integer with an optional sign; the whole string must be
// consumed and the value fit in int64.
std::optional<int64_t> ParseInt(absl::string_view text);

// Prints like Python's repr(float): the shortest round-trip digits, in fixed
// notation when the decimal exponent is in [-4, 16) (always with a fractional
// part, "2.0") and in scientific notation otherwise ("1e-05", "1.5e+16").
std::string FormatDouble(double value);

// The fewest digits after the decimal point with which `value` prints in
// fixed notation and parses back to itself, or nullopt when 17 are not
// enough (then the value has no short decimal form worth rounding to).
std::optional<int> FixedDecimals(double value);

// Rounds `value` to `decimals` digits after the point, through its decimal
// representation so that e.g. 0.1 + 2 * 0.1 becomes exactly 0.3.
double RoundToDecimals(double value, int decimals);

}  // namespace hpsearch::suggestion::internal

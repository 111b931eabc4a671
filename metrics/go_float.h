// Go's strconv.ParseFloat(s, 64), which decides in Katib whether a metric
// value is a number. Values that fail it are still recorded (as text) but are
// ignored by the min and max strategies, exactly as in Katib's controller.
#pragma once

#include <optional>
#include <string_view>

namespace hpsearch::metrics {

// Accepts an optional sign, decimal digits with an optional '.' and exponent
// ("1.", ".5", "1e-3"), hexadecimal floats with a mandatory 'p' exponent
// ("0x1.8p1"), "inf"/"infinity" with an optional sign and "nan" (any case).
// Rejects overflow (Go's ErrRange) but not underflow, as Go does. Not
// supported: Go's '_' digit separators in hexadecimal literals.
std::optional<double> ParseGoFloat(std::string_view text);

}  // namespace hpsearch::metrics

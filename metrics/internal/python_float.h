// Floats as Katib's Python collectors read and write them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hpsearch::metrics::internal {

// Python's repr(value), which str() of a float also gives: the shortest
// digits that read back as `value`, positional with at least one digit after
// the point ("0.1", "1.0", "1000000000000000.0") when 1e-4 <= |value| < 1e16
// or value is zero, else scientific with a two-digit exponent at least
// ("1e-05", "1.5e+16"); "nan", "inf", "-inf".
std::string PythonFloatRepr(double value);

// numpy's str() of a float32 (numpy 1.14 and later): the same layout as
// PythonFloatRepr, with the shortest digits that read back as the float32
// ("0.1" where PythonFloatRepr(0.1f) is "0.10000000149011612"). Its
// thresholds compare the float32 itself, so 1e-4f, just below 1e-4, is "1e-04".
std::string NumpyFloat32Str(float value);

// Python's float(text) for what a number can look like: surrounding
// whitespace, a sign, decimal digits with an optional point and exponent,
// "inf", "infinity" and "nan" in any case. Unlike Python, rejects '_' digit
// separators. nullopt where Python raises ValueError.
std::optional<double> ParsePythonFloat(std::string_view text);

}  // namespace hpsearch::metrics::internal

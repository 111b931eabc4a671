#include "metrics/internal/python_float.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

namespace hpsearch::metrics::internal {
namespace {

// `value`'s shortest round-trip digits in its own type, laid out as Python's
// float_repr_style "short" and numpy's Dragon4 "unique" mode do.
template <typename Float>
std::string FormatShortest(Float value) {
  if (std::isnan(value)) return "nan";  // no sign, even for a negative NaN
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";

  char buf[64];
  const auto result = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  std::string_view text(buf, result.ptr - buf);  // "-1.2345e+05", "5e-324"
  std::string out;
  if (text.front() == '-') {
    out += '-';
    text.remove_prefix(1);
  }
  const size_t e = text.find('e');
  std::string digits(text.substr(0, e));
  std::erase(digits, '.');
  int exponent = 0;
  for (const char c : text.substr(e + 2)) exponent = exponent * 10 + (c - '0');
  if (text[e + 1] == '-') exponent = -exponent;

  // numpy's test, on the value itself against long double bounds; for a
  // double it agrees with Python's, which looks at the digits' exponent.
  const long double magnitude = std::fabs(static_cast<long double>(value));
  if (value == 0 || (magnitude >= 1e-4L && magnitude < 1e16L)) {
    const int point = exponent + 1;  // digits before the decimal point
    const int count = static_cast<int>(digits.size());
    if (point <= 0) return out + "0." + std::string(-point, '0') + digits;
    if (point < count) return out + digits.substr(0, point) + "." + digits.substr(point);
    return out + digits + std::string(point - count, '0') + ".0";
  }
  out += digits[0];
  if (digits.size() > 1) out += "." + digits.substr(1);
  out += exponent < 0 ? "e-" : "e+";
  if (std::abs(exponent) < 10) out += '0';
  return out + std::to_string(std::abs(exponent));
}

}  // namespace

std::string PythonFloatRepr(double value) { return FormatShortest(value); }

std::string NumpyFloat32Str(float value) { return FormatShortest(value); }

std::optional<double> ParsePythonFloat(std::string_view text) {
  constexpr std::string_view kSpace = " \t\n\v\f\r";
  const size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return std::nullopt;
  text = text.substr(first, text.find_last_not_of(kSpace) - first + 1);
  double sign = 1;
  if (text.front() == '+' || text.front() == '-') {
    sign = text.front() == '-' ? -1 : 1;
    text.remove_prefix(1);
  }
  // from_chars also reads "nan(...)", which Python does not, and a second sign.
  if (text.empty() || text.front() == '+' || text.front() == '-' ||
      text.find('(') != std::string_view::npos) {
    return std::nullopt;
  }
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (end != text.data() + text.size()) return std::nullopt;
  if (error == std::errc::result_out_of_range) {
    // Python overflows to inf and underflows to 0, as strtod (C locale) does.
    value = std::strtod(std::string(text).c_str(), nullptr);
  } else if (error != std::errc()) {
    return std::nullopt;
  }
  return sign * value;
}

}  // namespace hpsearch::metrics::internal

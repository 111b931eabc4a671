#include "metrics/go_float.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

namespace hpsearch::metrics {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if ((a[i] | 0x20) != b[i]) return false;
  }
  return true;
}

bool IsDigit(char c, bool hex) {
  return (c >= '0' && c <= '9') || (hex && ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'));
}

// Checks Go's float syntax (without sign); sets *hex for a 0x form.
bool IsGoFloatSyntax(std::string_view s, bool* hex) {
  *hex = s.size() > 2 && s[0] == '0' && (s[1] | 0x20) == 'x';
  size_t i = *hex ? 2 : 0;
  bool digits = false;
  while (i < s.size() && IsDigit(s[i], *hex)) ++i, digits = true;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && IsDigit(s[i], *hex)) ++i, digits = true;
  }
  if (!digits) return false;
  const char exponent = *hex ? 'p' : 'e';
  if (i == s.size()) return !*hex;  // a hexadecimal mantissa needs 'p'
  if ((s[i] | 0x20) != exponent) return false;
  ++i;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i == s.size()) return false;
  while (i < s.size() && IsDigit(s[i], false)) ++i;
  return i == s.size();
}

}  // namespace

std::optional<double> ParseGoFloat(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (EqualsIgnoreCase(text, "nan")) return std::numeric_limits<double>::quiet_NaN();
  double sign = 1;
  std::string_view body = text;
  if (body[0] == '+' || body[0] == '-') {
    sign = body[0] == '-' ? -1 : 1;
    body.remove_prefix(1);
  }
  if (EqualsIgnoreCase(body, "inf") || EqualsIgnoreCase(body, "infinity")) {
    return sign * std::numeric_limits<double>::infinity();
  }
  bool hex = false;
  if (!IsGoFloatSyntax(body, &hex)) return std::nullopt;
  if (hex) body.remove_prefix(2);
  double value = 0;
  const auto result = std::from_chars(body.data(), body.data() + body.size(), value,
                                      hex ? std::chars_format::hex : std::chars_format::general);
  if (result.ec == std::errc::result_out_of_range) {
    // from_chars reports underflow and overflow alike; Go fails only on
    // overflow, so let strtod (C locale) tell them apart.
    const std::string copy = (hex ? "0x" : "") + std::string(body);
    value = std::strtod(copy.c_str(), nullptr);
    if (std::isinf(value)) return std::nullopt;
  } else if (result.ec != std::errc() || result.ptr != body.data() + body.size()) {
    return std::nullopt;
  }
  return sign * value;
}

}  // namespace hpsearch::metrics

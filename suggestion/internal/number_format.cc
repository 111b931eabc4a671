#include "suggestion/internal/number_format.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <system_error>

namespace hpsearch::suggestion::internal {
namespace {

// std::from_chars rejects a leading '+', which Katib users do write ("+1").
absl::string_view StripPlus(absl::string_view text) {
  if (text.size() > 1 && text.front() == '+' && text[1] != '-' &&
      text[1] != '+') {
    text.remove_prefix(1);
  }
  return text;
}

}  // namespace

std::optional<double> ParseDouble(absl::string_view text) {
  text = StripPlus(text);
  if (text.empty()) return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(),
                                   value, std::chars_format::general);
  if (ec != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::optional<int64_t> ParseInt(absl::string_view text) {
  text = StripPlus(text);
  if (text.empty()) return std::nullopt;
  int64_t value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value, 10);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

std::string FormatDouble(double value) {
  if (value == 0) value = 0;  // Drops the sign of -0.0.
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value,
                                 std::chars_format::scientific);
  (void)ec;  // 64 characters always suffice for a double.
  const absl::string_view scientific(buffer, end - buffer);
  // scientific is "[-]d[.ddd]e(+|-)XX": split into sign, digits, exponent.
  const size_t e_pos = scientific.find('e');
  absl::string_view mantissa = scientific.substr(0, e_pos);
  const int exponent = std::atoi(std::string(scientific.substr(e_pos + 1)).c_str());
  std::string sign;
  if (mantissa.front() == '-') {
    sign = "-";
    mantissa.remove_prefix(1);
  }
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits += c;
  }

  if (exponent < -4 || exponent >= 16) {
    std::string out = sign + digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char exp_text[16];
    std::snprintf(exp_text, sizeof(exp_text), "e%c%02d",
                  exponent < 0 ? '-' : '+', std::abs(exponent));
    return out + exp_text;
  }
  std::string integer_part, fraction_part;
  if (exponent < 0) {
    integer_part = "0";
    fraction_part = std::string(-exponent - 1, '0') + digits;
  } else if (static_cast<size_t>(exponent) + 1 >= digits.size()) {
    integer_part = digits + std::string(exponent + 1 - digits.size(), '0');
    fraction_part = "0";
  } else {
    integer_part = digits.substr(0, exponent + 1);
    fraction_part = digits.substr(exponent + 1);
  }
  return sign + integer_part + "." + fraction_part;
}

std::optional<int> FixedDecimals(double value) {
  for (int decimals = 0; decimals <= 17; ++decimals) {
    if (RoundToDecimals(value, decimals) == value) return decimals;
  }
  return std::nullopt;
}

double RoundToDecimals(double value, int decimals) {
  char buffer[512];
  std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, value);
  return std::strtod(buffer, nullptr);
}

}  // namespace hpsearch::suggestion::internal

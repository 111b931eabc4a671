#include "api/feasible_space.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace hpsearch::api {
namespace {

// from_chars takes no leading '+', which Python's float() and Go's ParseFloat
// (the parsers Katib's services use) both accept.
std::string_view StripPlus(std::string_view s) {
  if (s.size() > 1 && s[0] == '+' && s[1] != '-' && s[1] != '+') s.remove_prefix(1);
  return s;
}

template <typename T>
std::optional<T> ParseWhole(std::string_view s) {
  s = StripPlus(s);
  T value{};
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, value);
  if (s.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

}  // namespace

std::optional<double> ParseNumber(std::string_view s) {
  std::optional<double> v = ParseWhole<double>(s);
  if (!v || !std::isfinite(*v)) return std::nullopt;
  return v;
}

std::optional<int64_t> ParseInteger(std::string_view s) { return ParseWhole<int64_t>(s); }

std::optional<std::string_view> ListRepeats::Add(std::string_view element) {
  if (const std::optional<double> number = discrete_ ? ParseNumber(element) : std::nullopt) {
    auto [first, added] = numbers_.emplace(*number, element);
    return added ? std::nullopt : std::optional(first->second);
  }
  auto [first, added] = texts_.emplace(element, element);
  return added ? std::nullopt : std::optional(first->second);
}

uint64_t CountGridValues(double min, double max, double step) {
  // numpy.arange's length is ceil((stop - start) / step); its values are
  // start, start + step, then start + i * delta with delta = (start + step)
  // - start. Katib then drops the last value when it lies above max.
  const double length = std::ceil((max + step - min) / step);
  if (!(length < 1.8e19)) return std::numeric_limits<uint64_t>::max();
  if (length < 1) return 0;
  const uint64_t count = static_cast<uint64_t>(length);
  const double delta = (min + step) - min;
  const double last = count == 1 ? min : count == 2 ? min + step : min + static_cast<double>(count - 1) * delta;
  return last > max ? count - 1 : count;
}

bool GridLosesMax(double min, double max, double step) {
  // The values meant: min + k * step up to max, forgiving rounding.
  const double intervals = std::floor((max - min) / step * (1 + 1e-15) + 1e-9);
  if (!(intervals < 1.8e19)) return false;
  return CountGridValues(min, max, step) < static_cast<uint64_t>(intervals) + 1;
}

std::optional<uint64_t> CountGridPoints(const ParameterSpec& parameter) {
  const FeasibleSpace& fs = parameter.feasible_space;
  switch (ParseParameterType(parameter.parameter_type)) {
    case ParameterType::kDiscrete:
    case ParameterType::kCategorical:
      if (fs.list.empty()) return std::nullopt;
      return fs.list.size();
    case ParameterType::kInt: {
      const auto min = ParseInteger(fs.min), max = ParseInteger(fs.max);
      const auto step = fs.step.empty() ? std::optional<int64_t>(1) : ParseInteger(fs.step);
      if (!min || !max || !step || *step <= 0 || *min > *max) return std::nullopt;
      // Unsigned arithmetic: max - min may exceed INT64_MAX.
      const uint64_t span = static_cast<uint64_t>(*max) - static_cast<uint64_t>(*min);
      const uint64_t points = span / static_cast<uint64_t>(*step);
      return points == std::numeric_limits<uint64_t>::max() ? points : points + 1;
    }
    case ParameterType::kDouble: {
      const auto min = ParseNumber(fs.min), max = ParseNumber(fs.max);
      const auto step = ParseNumber(fs.step);
      if (!min || !max || !step || *step <= 0 || *min > *max) return std::nullopt;
      return CountGridValues(*min, *max, *step);
    }
    case ParameterType::kUnknown:
      break;
  }
  return std::nullopt;
}

std::optional<uint64_t> CountGridPoints(const std::vector<ParameterSpec>& parameters) {
  if (parameters.empty()) return std::nullopt;
  uint64_t total = 1;
  for (const ParameterSpec& p : parameters) {
    const std::optional<uint64_t> n = CountGridPoints(p);
    if (!n) return std::nullopt;
    total = (*n != 0 && total > std::numeric_limits<uint64_t>::max() / *n)
                ? std::numeric_limits<uint64_t>::max()
                : total * *n;
  }
  return total;
}

}  // namespace hpsearch::api

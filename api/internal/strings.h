// String building for diagnostics. Debian's Abseil has its own string_view
// type, so absl::StrCat does not take std::string_view; these fmt-based
// helpers take anything fmt can print.
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iterator>
#include <string>

namespace hpsearch::api::internal {

template <typename... Args>
std::string Cat(const Args&... args) {
  std::string out;
  (fmt::format_to(std::back_inserter(out), "{}", args), ...);
  return out;
}

template <typename Range>
std::string Join(const Range& range, std::string_view separator) {
  return fmt::format("{}", fmt::join(range, separator));
}

}  // namespace hpsearch::api::internal

#include "cli/validators.h"

#include <charconv>
#include <string>
#include <string_view>

namespace hpsearch::cli {

CLI::Validator ListenAddress() {
  return CLI::Validator(
      [](std::string& address) -> std::string {
        std::string_view text(address);
        if (text.starts_with("unix:")) return "";
        const size_t colon = text.rfind(':');
        const std::string_view host = colon == std::string_view::npos ? "" : text.substr(0, colon);
        const std::string_view port = colon == std::string_view::npos ? "" : text.substr(colon + 1);
        if (host.empty() || port.empty()) return "expected HOST:PORT, got \"" + address + "\"";
        if (host.find(':') != std::string_view::npos && !(host.front() == '[' && host.back() == ']')) {
          return "an IPv6 host goes in brackets, as in [::1]:6789; got \"" + address + "\"";
        }
        unsigned value = 0;
        auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (error != std::errc() || end != port.data() + port.size() || value > 65535) {
          return "port \"" + std::string(port) + "\" is not a number from 0 to 65535";
        }
        return "";
      },
      "HOST:PORT");
}

CLI::Validator Seconds() {
  // Past this a deadline, now plus the time in nanoseconds, would not fit
  // a 64-bit clock and would wrap to the past.
  constexpr double kMaxSeconds = 1e9;
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double value = 0;
        auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (error != std::errc() || end != text.data() + text.size() || !(value >= 0 && value <= kMaxSeconds)) {
          return "expected a number of seconds from 0 to 1e9 (about 31 years), got \"" + text + "\"";
        }
        return "";
      },
      "SECONDS");
}

}  // namespace hpsearch::cli

#include "tests/trial/katib_filter.h"

#include <regex>

namespace hpsearch::trial::test_support {

std::map<std::string, std::string> KatibDefaultFilter(const std::string& line) {
  static const std::regex filter(R"(([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?))");
  std::map<std::string, std::string> metrics;
  for (std::sregex_iterator it(line.begin(), line.end(), filter), end; it != end; ++it) {
    metrics[(*it)[1]] = (*it)[2];
  }
  return metrics;
}

}  // namespace hpsearch::trial::test_support

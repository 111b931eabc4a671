// The hand-written default-filter scanner against RE2 running Katib's
// default filter, over many generated lines rich in the filter's corner
// cases. Any difference is a bug in the scanner.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "metrics/metrics_parser.h"

namespace hpsearch::metrics {
namespace {

std::string RandomLine(std::mt19937& rng) {
  static const std::vector<std::string> kPieces = {"loss",
                                                   "acc",
                                                   "a|b",
                                                   "x-y",
                                                   "e",
                                                   "E",
                                                   "_",
                                                   "|",
                                                   "-",
                                                   "+",
                                                   "=",
                                                   "=",
                                                   "=",
                                                   " ",
                                                   " ",
                                                   "\t",
                                                   "\f",
                                                   "\v",
                                                   "\r",
                                                   ".",
                                                   "..",
                                                   "0",
                                                   "1",
                                                   "42",
                                                   "7.5",
                                                   ".5",
                                                   "1e5",
                                                   "2E-3",
                                                   "e+",
                                                   "1e",
                                                   "9.",
                                                   "--",
                                                   "+-",
                                                   "\xc3\xa9",
                                                   "\xff",
                                                   "\x80",
                                                   std::string(1, '\0'),
                                                   "Z",
                                                   "2024-03-04T17:55:08Z ",
                                                   "loss=",
                                                   "acc = -1.5e+2"};
  std::uniform_int_distribution<size_t> length(0, 24);
  std::uniform_int_distribution<size_t> piece(0, kPieces.size() - 1);
  std::string line;
  for (size_t n = length(rng); n > 0; --n) line += kPieces[piece(rng)];
  return line;
}

TEST(DefaultFilterDifferentialTest, ScannerMatchesRe2) {
  const std::vector<std::string> metrics = {"loss", "acc", "a|b", "x-y", "e"};
  ParserOptions scanner_options;
  scanner_options.metric_names = metrics;
  ParserOptions regex_options = scanner_options;
  regex_options.use_regex_for_default_filter = true;
  auto scanner = MetricsParser::Create(scanner_options);
  auto regex = MetricsParser::Create(regex_options);
  ASSERT_TRUE(scanner.ok() && regex.ok());

  std::mt19937 rng(20240304);
  size_t records = 0;
  for (int i = 0; i < 30000; ++i) {
    const std::string line = RandomLine(rng) + "\n";
    scanner->Feed(line);
    regex->Feed(line);
    const std::vector<MetricLog> want = regex->TakeRecords();
    ASSERT_EQ(scanner->TakeRecords(), want) << "line: \"" << line << "\"";
    records += want.size();
  }
  // The generator must exercise matches, not just agree on none.
  EXPECT_GT(records, 10000u);
}

}  // namespace
}  // namespace hpsearch::metrics

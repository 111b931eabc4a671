#include "trial/hpsearch_trial/metric_line.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <string>

namespace hpsearch::trial {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

// The name=value pairs Katib's default StdOut filter finds in `line`.
// std::regex's ECMAScript dialect reads this pattern as Go's regexp does;
// the end-to-end tests read the binary's output with hpsearch's own parser.
std::map<std::string, std::string> KatibDefaultFilter(const std::string& line) {
  static const std::regex filter(R"(([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?))");
  std::map<std::string, std::string> metrics;
  for (std::sregex_iterator it(line.begin(), line.end(), filter), end; it != end; ++it) {
    metrics[(*it)[1]] = (*it)[2];
  }
  return metrics;
}

TEST(MetricLineTest, KatibFilterReadsEveryValue) {
  const std::string line = FormatMetricLine(3, {.loss = 0.5123456789, .accuracy = 0.8125},
                                            {.loss = 1.5e-5, .accuracy = 1});
  EXPECT_EQ(line, "epoch=3 loss=0.512346 accuracy=0.8125 val_loss=1.5e-05 val_accuracy=1");
  EXPECT_THAT(KatibDefaultFilter(line),
              ElementsAre(Pair("accuracy", "0.8125"), Pair("epoch", "3"), Pair("loss", "0.512346"),
                          Pair("val_accuracy", "1"), Pair("val_loss", "1.5e-05")));
}

TEST(MetricLineTest, LargeLossesStayReadable) {
  const std::string line = FormatMetricLine(12, {.loss = 12345678.0, .accuracy = 0.1},
                                            {.loss = 2.302585, .accuracy = 0.0});
  EXPECT_THAT(KatibDefaultFilter(line),
              ElementsAre(Pair("accuracy", "0.1"), Pair("epoch", "12"), Pair("loss", "1.23457e+07"),
                          Pair("val_accuracy", "0"), Pair("val_loss", "2.30259")));
}

}  // namespace
}  // namespace hpsearch::trial

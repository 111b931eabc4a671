#include "runner/engine_overhead.h"

#include <gtest/gtest.h>

namespace hpsearch::runner {
namespace {

TEST(LatencySummaryTest, NearestRankPercentiles) {
  EXPECT_EQ(SummarizeLatency({}).count, 0u);
  std::vector<double> samples;
  for (int i = 100; i >= 1; --i) samples.push_back(i);
  LatencySummary summary = SummarizeLatency(samples);
  EXPECT_EQ(summary.count, 100u);
  EXPECT_EQ(summary.p50_ms, 50);
  EXPECT_EQ(summary.p99_ms, 99);
  EXPECT_EQ(summary.max_ms, 100);
  EXPECT_EQ(SummarizeLatency({7}).p99_ms, 7);
}

TEST(EngineOverheadTest, DescribesEachLatencyByItsMedianAndP99) {
  EngineOverhead overhead{.launch_to_started_ms = {0.5, 0.25},
                          .launch_to_first_line_ms = {1, 3},
                          .exit_to_recorded_ms = {0.125},
                          .exit_to_durable_ms = {2}};
  EXPECT_EQ(DescribeEngineOverhead(overhead),
            "engine overhead per trial, p50/p99 ms: launch to started 0.25/0.50, to first line 1.00/3.00; "
            "exit to recorded 0.12/0.12, exit to durable 2.00/2.00");
}

}  // namespace
}  // namespace hpsearch::runner

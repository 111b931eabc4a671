#include "metrics/metric_strategy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hpsearch::metrics {
namespace {

using ::testing::HasSubstr;

constexpr char kT1[] = "2024-01-01T00:00:01Z";
constexpr char kT2[] = "2024-01-01T00:00:02Z";
constexpr char kT3[] = "2024-01-01T00:00:03Z";

std::vector<MetricSummary> Summarize(const std::vector<MetricLog>& log,
                                     const std::vector<MetricStrategy>& s) {
  auto summaries = SummarizeMetrics(log, s);
  EXPECT_TRUE(summaries.ok()) << summaries.status();
  return summaries.ok() ? *summaries : std::vector<MetricSummary>{};
}

TEST(MetricStrategyTest, DefaultsFollowTheDirectionUnlessOverridden) {
  const std::vector<std::string> additional = {"acc", "f1"};
  const std::vector<MetricStrategy> overrides = {{"f1", MetricStrategyType::kLatest}};
  const auto minimize =
      DefaultMetricStrategies(ObjectiveDirection::kMinimize, "loss", additional, overrides);
  ASSERT_EQ(minimize.size(), 3u);
  EXPECT_EQ(minimize[0].name, "loss");
  EXPECT_EQ(minimize[0].type, MetricStrategyType::kMin);
  EXPECT_EQ(minimize[1].type, MetricStrategyType::kMin);
  EXPECT_EQ(minimize[2].type, MetricStrategyType::kLatest);
  const auto maximize = DefaultMetricStrategies(ObjectiveDirection::kMaximize, "acc", {});
  ASSERT_EQ(maximize.size(), 1u);
  EXPECT_EQ(maximize[0].type, MetricStrategyType::kMax);
}

TEST(MetricStrategyTest, NamesRoundTrip) {
  for (auto type :
       {MetricStrategyType::kMin, MetricStrategyType::kMax, MetricStrategyType::kLatest}) {
    EXPECT_EQ(ParseMetricStrategyType(MetricStrategyTypeName(type)), type);
  }
  EXPECT_FALSE(ParseMetricStrategyType("average"));
}

TEST(MetricStrategyTest, MinMaxLatest) {
  const std::vector<MetricLog> log = {
      {kT1, "loss", "0.5"}, {kT2, "loss", "0.25"}, {kT3, "loss", "0.75"}, {kT2, "acc", "0.9"}};
  const auto s = Summarize(log, {{"loss", MetricStrategyType::kMin},
                                 {"acc", MetricStrategyType::kMax},
                                 {"f1", MetricStrategyType::kLatest}});
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].min, "0.25");
  EXPECT_EQ(s[0].max, "0.75");
  EXPECT_EQ(s[0].latest, "0.75");
  EXPECT_EQ(s[0].value(), "0.25");
  EXPECT_EQ(s[0].numeric_value(), 0.25);
  EXPECT_EQ(s[1].value(), "0.9");
  EXPECT_FALSE(s[2].available());
  EXPECT_EQ(s[2].value(), "unavailable");
  EXPECT_FALSE(s[2].numeric_value());
}

TEST(MetricStrategyTest, LatestIsByTimestampWithTiesToTheLaterLine) {
  const std::vector<MetricLog> log = {
      {kT2, "loss", "2"}, {kT3, "loss", "3a"}, {kT3, "loss", "3b"}, {kT1, "loss", "1"}};
  const auto s = Summarize(log, {{"loss", MetricStrategyType::kLatest}});
  EXPECT_EQ(s[0].latest, "3b");
  // Equal instants written differently still tie.
  const std::vector<MetricLog> zones = {{"2024-01-01T01:00:00+01:00", "loss", "x"},
                                        {kT1, "loss", "y"},
                                        {"2024-01-01T00:00:01.000Z", "loss", "z"}};
  EXPECT_EQ(Summarize(zones, {{"loss", MetricStrategyType::kLatest}})[0].latest, "z");
}

TEST(MetricStrategyTest, NonNumericValuesSkipMinMaxButCountForLatest) {
  const std::vector<MetricLog> log = {{kT1, "loss", "0.5"}, {kT2, "loss", "-"}, {kT3, "loss", ""}};
  const auto s = Summarize(log, {{"loss", MetricStrategyType::kMin}});
  EXPECT_EQ(s[0].min, "0.5");
  EXPECT_EQ(s[0].latest, "");
  EXPECT_EQ(s[0].value(), "0.5");
  // With no numeric value at all, min falls back to latest, as in Katib.
  const auto text_only = Summarize({{kT1, "loss", "nope"}}, {{"loss", MetricStrategyType::kMin}});
  EXPECT_EQ(text_only[0].min, "unavailable");
  EXPECT_EQ(text_only[0].value(), "nope");
  EXPECT_TRUE(text_only[0].available());
  EXPECT_FALSE(text_only[0].numeric_value());
}

TEST(MetricStrategyTest, UnavailableRecordLeavesTheTrialUnavailable) {
  const auto s = Summarize({{"0001-01-01T00:00:00Z", "loss", "unavailable"}},
                           {{"loss", MetricStrategyType::kMax}});
  EXPECT_FALSE(s[0].available());
  EXPECT_EQ(s[0].value(), "unavailable");
}

TEST(MetricStrategyTest, BadTimestampIsAnError) {
  const std::vector<MetricLog> log = {{kT1, "loss", "1"}, {"yesterday", "loss", "2"}};
  const auto s =
      SummarizeMetrics(log, std::vector<MetricStrategy>{{"loss", MetricStrategyType::kMin}});
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.status().message()),
              HasSubstr("observation 1 (metric \"loss\"): timestamp \"yesterday\""));
  // Metrics without a strategy are ignored, timestamps included.
  EXPECT_TRUE(
      SummarizeMetrics(log, std::vector<MetricStrategy>{{"acc", MetricStrategyType::kMin}}).ok());
}

}  // namespace
}  // namespace hpsearch::metrics

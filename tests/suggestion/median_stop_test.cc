#include "suggestion/median_stop.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/suggestion/test_util.h"

namespace hpsearch::suggestion {
namespace {

namespace pb = ::api::v1::beta1;
using ::testing::HasSubstr;

absl::StatusOr<MedianStopSettings> Parse(const std::string& text) {
  return ParseMedianStopSettings(testing::ParseText<pb::EarlyStoppingSpec>(text));
}

TEST(MedianStopSettingsTest, DefaultsAreKatibs) {
  absl::StatusOr<MedianStopSettings> settings = Parse("algorithm_name: 'medianstop'");
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->min_trials_required, 3);
  EXPECT_EQ(settings->start_step, 4);
}

TEST(MedianStopSettingsTest, ReadsAndChecksSettings) {
  absl::StatusOr<MedianStopSettings> settings = Parse(R"pb(
    algorithm_name: "medianstop"
    algorithm_settings { name: "min_trials_required" value: "2" }
    algorithm_settings { name: "start_step" value: "5" })pb");
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->min_trials_required, 2);
  EXPECT_EQ(settings->start_step, 5);

  EXPECT_THAT(Parse("algorithm_name: 'medianstop' algorithm_settings { name: 'min_trials_required' value: '0' }")
                  .status()
                  .message(),
              HasSubstr("min_trials_required must be greater than zero (>0)"));
  EXPECT_THAT(Parse("algorithm_name: 'medianstop' algorithm_settings { name: 'start_step' value: 'four' }")
                  .status()
                  .message(),
              HasSubstr("failed to validate start_step(four)"));
  EXPECT_THAT(Parse("algorithm_name: 'medianstop' algorithm_settings { name: 'patience' value: '3' }")
                  .status()
                  .message(),
              HasSubstr("unknown setting patience for algorithm medianstop"));
  EXPECT_EQ(Parse("algorithm_name: 'hyperband'").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(MedianStopTest, NoRuleUntilEnoughTrialsSucceeded) {
  MedianStop median({.min_trials_required = 2, .start_step = 2}, /*maximize=*/false);
  EXPECT_FALSE(median.RuleForNewTrial());
  median.AddSucceeded("a", std::vector<double>{1.0, 3.0});
  median.AddSucceeded("a", std::vector<double>{100.0});  // the same trial again
  median.AddSucceeded("empty", {});
  EXPECT_FALSE(median.RuleForNewTrial());
  median.AddSucceeded("b", std::vector<double>{5.0, 7.0, 1000.0});
  std::optional<StoppingRule> rule = median.RuleForNewTrial();
  ASSERT_TRUE(rule);
  // Mean of the averages of the first two reports: (2 + 6) / 2.
  EXPECT_DOUBLE_EQ(rule->value, 4.0);
  EXPECT_FALSE(rule->maximize);
  EXPECT_EQ(rule->start_step, 2);
}

TEST(MedianStopTest, ATrialWithFewerReportsAveragesThoseItHas) {
  MedianStop median({.min_trials_required = 1, .start_step = 4}, /*maximize=*/true);
  median.AddSucceeded("short", std::vector<double>{0.5, 0.7});
  EXPECT_DOUBLE_EQ(median.RuleForNewTrial()->value, 0.6);
}

TEST(StoppingRuleCheckTest, MinimizingStopsAtStartStepWhenTheBestIsHigher) {
  StoppingRuleCheck check({.value = 1.0, .maximize = false, .start_step = 3});
  EXPECT_FALSE(check.Report(3.0));
  EXPECT_FALSE(check.Report(2.0));
  EXPECT_TRUE(check.Report(1.5));  // best 1.5 > 1.0
  EXPECT_DOUBLE_EQ(check.best(), 1.5);
}

TEST(StoppingRuleCheckTest, TheBestValueSoFarIsWhatCounts) {
  StoppingRuleCheck check({.value = 1.0, .maximize = false, .start_step = 3});
  EXPECT_FALSE(check.Report(0.9));
  EXPECT_FALSE(check.Report(2.0));
  EXPECT_FALSE(check.Report(5.0));  // best 0.9 <= 1.0
}

TEST(StoppingRuleCheckTest, MaximizingStopsWhenTheBestIsLower) {
  StoppingRuleCheck low({.value = 0.8, .maximize = true, .start_step = 2});
  EXPECT_FALSE(low.Report(0.5));
  EXPECT_TRUE(low.Report(0.7));
  StoppingRuleCheck high({.value = 0.8, .maximize = true, .start_step = 2});
  EXPECT_FALSE(high.Report(0.5));
  EXPECT_FALSE(high.Report(0.9));
}

}  // namespace
}  // namespace hpsearch::suggestion

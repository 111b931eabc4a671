#include "runner/objective.h"

#include <cmath>

#include "gtest/gtest.h"

namespace hpsearch::runner {
namespace {

using metrics::ObjectiveDirection;
using metrics::TrialRecord;
using metrics::TrialStatus;

TrialRecord Trial(TrialStatus status, std::optional<double> objective) {
  TrialRecord trial;
  trial.status = status;
  trial.objective_numeric = objective;
  return trial;
}

TEST(ObjectiveTest, DirectionComesFromTheObjectiveType) {
  api::Experiment experiment;
  experiment.spec.objective.emplace();
  experiment.spec.objective->type = "maximize";
  EXPECT_EQ(ObjectiveDirectionOf(experiment), ObjectiveDirection::kMaximize);
  experiment.spec.objective->type = "minimize";
  EXPECT_EQ(ObjectiveDirectionOf(experiment), ObjectiveDirection::kMinimize);
}

TEST(ObjectiveTest, BetterAndGoalFollowTheDirection) {
  EXPECT_TRUE(IsBetter(1, 2, ObjectiveDirection::kMinimize));
  EXPECT_FALSE(IsBetter(2, 2, ObjectiveDirection::kMinimize));
  EXPECT_TRUE(IsBetter(2, 1, ObjectiveDirection::kMaximize));
  // Katib's goal test includes the goal itself.
  EXPECT_TRUE(ReachesGoal(0.5, 0.5, ObjectiveDirection::kMinimize));
  EXPECT_FALSE(ReachesGoal(0.6, 0.5, ObjectiveDirection::kMinimize));
  EXPECT_TRUE(ReachesGoal(0.5, 0.5, ObjectiveDirection::kMaximize));
  EXPECT_FALSE(ReachesGoal(0.4, 0.5, ObjectiveDirection::kMaximize));
}

TEST(ObjectiveTest, NewBestNeedsASucceededTrialStrictlyBetter) {
  TrialRecord first = Trial(TrialStatus::kSucceeded, 0.5);
  EXPECT_TRUE(IsNewBest(first, nullptr, ObjectiveDirection::kMinimize));
  EXPECT_FALSE(IsNewBest(Trial(TrialStatus::kSucceeded, 0.5), &first, ObjectiveDirection::kMinimize));
  EXPECT_TRUE(IsNewBest(Trial(TrialStatus::kSucceeded, 0.4), &first, ObjectiveDirection::kMinimize));
  EXPECT_FALSE(IsNewBest(Trial(TrialStatus::kFailed, 0.1), &first, ObjectiveDirection::kMinimize));
  EXPECT_FALSE(IsNewBest(Trial(TrialStatus::kSucceeded, std::nullopt), nullptr,
                         ObjectiveDirection::kMinimize));
  EXPECT_TRUE(IsNewBest(Trial(TrialStatus::kSucceeded, 0.6), &first, ObjectiveDirection::kMaximize));
}

// A NaN would stay best for good: nothing compares better than it.
TEST(ObjectiveTest, NanIsNeverBest) {
  const TrialRecord nan = Trial(TrialStatus::kSucceeded, std::nan(""));
  EXPECT_FALSE(HasComparableObjective(nan));
  EXPECT_FALSE(IsNewBest(nan, nullptr, ObjectiveDirection::kMaximize));
  EXPECT_TRUE(HasComparableObjective(Trial(TrialStatus::kSucceeded, -INFINITY)));
}

}  // namespace
}  // namespace hpsearch::runner

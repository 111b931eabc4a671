#include "runner/resume_rules.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hpsearch::runner {
namespace {

using ::testing::HasSubstr;

api::Experiment Started(std::string resume_policy) {
  api::Experiment experiment;
  experiment.metadata.name = "e";
  experiment.spec.parallel_trial_count = 2;
  experiment.spec.max_trial_count = 4;
  experiment.spec.max_failed_trial_count = 1;
  experiment.spec.resume_policy = std::move(resume_policy);
  return experiment;
}

TEST(ResumeRulesTest, AnUnchangedExperimentAlwaysGoesOn) {
  const api::Experiment started = Started("Never");
  for (std::string_view status : {kRunningStatus, kExperimentInterruptedReason, kMaxTrialsReachedReason,
                                  std::string_view("ExperimentGoalReached")}) {
    EXPECT_TRUE(CheckResumeWith({.experiment = started, .status = status, .trials = 4}, started).ok()) << status;
  }
}

TEST(ResumeRulesTest, AnUnfinishedExperimentTakesNewTrialCountsWhateverItsPolicy) {
  const api::Experiment started = Started("Never");
  api::Experiment edited = started;
  edited.spec.parallel_trial_count = 8;
  edited.spec.max_trial_count = 10;
  edited.spec.max_failed_trial_count = 3;
  for (std::string_view status : {kRunningStatus, kExperimentInterruptedReason}) {
    EXPECT_TRUE(CheckResumeWith({.experiment = started, .status = status, .trials = 3}, edited).ok()) << status;
  }
}

TEST(ResumeRulesTest, OnlyTheTrialCountsAreEditable) {
  const api::Experiment started = Started("LongRunning");
  api::Experiment edited = started;
  edited.spec.resume_policy = "FromVolume";
  absl::Status status = CheckResumeWith({.experiment = started, .status = kRunningStatus, .trials = 1}, edited);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("changed: spec.resumePolicy; only spec.parallelTrialCount"));
}

TEST(ResumeRulesTest, ACompletedExperimentRestartsOnlyAfterMaxTrialsUnderALongRunningPolicy) {
  for (std::string policy : {"LongRunning", "FromVolume"}) {
    const api::Experiment started = Started(policy);
    api::Experiment edited = started;
    edited.spec.max_trial_count = 6;
    EXPECT_TRUE(
        CheckResumeWith({.experiment = started, .status = kMaxTrialsReachedReason, .trials = 4}, edited).ok())
        << policy;
    absl::Status goal_reached =
        CheckResumeWith({.experiment = started, .status = "ExperimentGoalReached", .trials = 2}, edited);
    EXPECT_THAT(goal_reached.message(), HasSubstr("the experiment completed (ExperimentGoalReached)")) << policy;
  }
  const api::Experiment never = Started("Never");
  api::Experiment edited = never;
  edited.spec.max_trial_count = 6;
  absl::Status refused = CheckResumeWith({.experiment = never, .status = kMaxTrialsReachedReason, .trials = 4}, edited);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.message(), HasSubstr("spec.resumePolicy: the experiment completed (ExperimentMaxTrialsReached) "
                                           "with resumePolicy Never; Experiment can be restarted if"));
}

TEST(ResumeRulesTest, AChangedMaxTrialCountMustExceedTheTrialsMade) {
  const api::Experiment started = Started("LongRunning");
  api::Experiment edited = started;
  edited.spec.max_trial_count = 4;
  edited.spec.parallel_trial_count = 1;  // the count kept: no check
  EXPECT_TRUE(CheckResumeWith({.experiment = started, .status = kRunningStatus, .trials = 4}, edited).ok());
  edited.spec.max_trial_count = 3;
  absl::Status lowered = CheckResumeWith({.experiment = started, .status = kRunningStatus, .trials = 3}, edited);
  EXPECT_THAT(lowered.message(), HasSubstr("spec.maxTrialCount: 3 must be greater than status.trials count (3)"));
}

}  // namespace
}  // namespace hpsearch::runner

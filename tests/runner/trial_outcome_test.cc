#include "runner/trial_outcome.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hpsearch::runner {
namespace {

using metrics::TrialStatus;
using ::testing::HasSubstr;

constexpr ExitStatus kExit0{.signaled = false, .exit_code = 0, .signal = 0};
constexpr ExitStatus kExit3{.signaled = false, .exit_code = 3, .signal = 0};
constexpr ExitStatus kTerminated{.signaled = true, .exit_code = 0, .signal = 15};

TrialEnding Ending(ExitStatus exit) {
  TrialEnding ending;
  ending.exit = exit;
  ending.objective_available = true;
  ending.objective_metric_name = "loss";
  return ending;
}

TEST(TrialOutcomeTest, ExitZeroWithTheObjectiveSucceeds) {
  TrialOutcome outcome = ConcludeTrial(Ending(kExit0));
  EXPECT_EQ(outcome.status, TrialStatus::kSucceeded);
  EXPECT_EQ(outcome.reason, "TrialSucceeded");
}

TEST(TrialOutcomeTest, ExitZeroWithoutTheObjectiveIsMetricsUnavailable) {
  TrialEnding ending = Ending(kExit0);
  ending.objective_available = false;
  TrialOutcome outcome = ConcludeTrial(ending);
  EXPECT_EQ(outcome.status, TrialStatus::kMetricsUnavailable);
  EXPECT_EQ(outcome.reason, "MetricsUnavailable");
  EXPECT_EQ(outcome.message, "the trial exited 0 without reporting loss");
  ending.parser_warning = "line 2: longer than 1048576 bytes; skipped";
  EXPECT_EQ(ConcludeTrial(ending).message,
            "the trial exited 0 without reporting loss (metrics line 2: longer than 1048576 bytes; skipped)");
}

// Most likely the trial built the path itself, so it wrote the real file.
TEST(TrialOutcomeTest, AMetricsFileNeverCreatedIsNamed) {
  TrialEnding ending = Ending(kExit0);
  ending.objective_available = false;
  ending.unwritten_metrics = {.named = "/var/log/katib/metrics.log",
                              .copy = "/w/trials/t-0001/fs/var/log/katib/metrics.log"};
  EXPECT_EQ(ConcludeTrial(ending).message,
            "the trial exited 0 without reporting loss (it never created its metrics file "
            "/w/trials/t-0001/fs/var/log/katib/metrics.log, its own copy of /var/log/katib/metrics.log, whose "
            "path is rewritten where the args or env name it, not where the trial builds it)");
}

TEST(TrialOutcomeTest, AnEventFolderWithoutEventFilesIsNamed) {
  TrialEnding ending = Ending(kExit0);
  ending.objective_available = false;
  ending.unwritten_metrics = {.named = "/logs/test", .copy = "/w/trials/t-0001/fs/logs/test",
                              .event_directory = true};
  EXPECT_EQ(ConcludeTrial(ending).message,
            "the trial exited 0 without reporting loss (it wrote no event file under /w/trials/t-0001/fs/logs/test, "
            "its own copy of /logs/test, whose path is rewritten where the args or env name it or a folder above "
            "it, not where the trial builds it)");
}

TEST(TrialOutcomeTest, AFailedExitPointsAtStderrWhenThereIsSomething) {
  TrialEnding ending = Ending(kExit3);
  TrialOutcome outcome = ConcludeTrial(ending);
  EXPECT_EQ(outcome.status, TrialStatus::kFailed);
  EXPECT_EQ(outcome.reason, "TrialFailed");
  EXPECT_EQ(outcome.message, "exit code 3; nothing on stderr");
  ending.stderr_log = "/w/trials/t-0001/stderr.log";
  EXPECT_EQ(ConcludeTrial(ending).message, "exit code 3; see /w/trials/t-0001/stderr.log");
}

TEST(TrialOutcomeTest, ATimeoutSaysTheLimit) {
  TrialEnding ending = Ending(kTerminated);
  ending.timed_out = true;
  ending.timeout = std::chrono::milliseconds(2500);
  TrialOutcome outcome = ConcludeTrial(ending);
  EXPECT_EQ(outcome.status, TrialStatus::kFailed);
  EXPECT_EQ(outcome.reason, "Timeout");
  EXPECT_EQ(outcome.message, "exceeded the trial timeout of 2.5 s (killed by signal 15 (Terminated))");
}

TEST(TrialOutcomeTest, ATrialTheEngineStoppedIsKilledWithTheStopReason) {
  TrialEnding ending = Ending(kTerminated);
  ending.stopped = true;
  ending.stop_reason = "Interrupted";
  ending.timed_out = true;  // stopping wins: the engine asked first
  TrialOutcome outcome = ConcludeTrial(ending);
  EXPECT_EQ(outcome.status, TrialStatus::kKilled);
  EXPECT_EQ(outcome.reason, "Interrupted");
  EXPECT_THAT(outcome.message, HasSubstr("stopped by hpsearch"));
}

TEST(TrialOutcomeTest, TheEarlyStoppingRuleWinsOverTheStopItCaused) {
  TrialEnding ending = Ending(kTerminated);
  ending.stopped = true;
  ending.early_stop = "best loss 0.9 in 4 reports is worse than the median rule's 0.5";
  TrialOutcome outcome = ConcludeTrial(ending);
  EXPECT_EQ(outcome.status, TrialStatus::kEarlyStopped);
  EXPECT_EQ(outcome.reason, "TrialEarlyStopped");
  EXPECT_THAT(outcome.message, HasSubstr("Trial is early stopped: best loss 0.9"));
}

TEST(TrialOutcomeTest, AGpuMemoryOverrunWinsOverEverything) {
  TrialEnding ending = Ending(kTerminated);
  ending.stopped = true;
  ending.early_stop = "worse than the rule";
  ending.gpu_overrun = "exceeded GPU memory budget: used 5 GiB of 4 GiB";
  TrialOutcome outcome = ConcludeTrial(ending);
  EXPECT_EQ(outcome.status, TrialStatus::kFailed);
  EXPECT_EQ(outcome.reason, "GpuMemoryBudgetExceeded");
  EXPECT_EQ(outcome.message, "exceeded GPU memory budget: used 5 GiB of 4 GiB (killed by signal 15 (Terminated))");
}

}  // namespace
}  // namespace hpsearch::runner

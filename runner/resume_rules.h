// Katib's rules for changing an experiment once it has started (its
// webhook's update validation), applied when `hpsearch run` goes on in a
// workdir with an edited file:
// - only parallelTrialCount, maxTrialCount and maxFailedTrialCount change;
// - a completed experiment starts again only if it ended by reaching
//   maxTrialCount and its resumePolicy is LongRunning or FromVolume;
// - a changed maxTrialCount must exceed the trials already made (Katib
//   checks this on any change; an unchanged one is left alone here, where
//   interrupted trials rerun under their own names).
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "api/experiment.h"

namespace hpsearch::runner {

// Statuses the runner records for an experiment: Katib's condition reasons
// when it completed, or one of these two when it did not.
inline constexpr std::string_view kRunningStatus = "Running";  // the engine died mid-run
inline constexpr std::string_view kExperimentInterruptedReason = "ExperimentInterrupted";
inline constexpr std::string_view kMaxTrialsReachedReason = "ExperimentMaxTrialsReached";

struct StartedExperiment {
  const api::Experiment& experiment;  // as it was started
  std::string_view status;            // as recorded when the last run ended
  int trials = 0;                     // trials recorded
};

// OK when `edited` may take over from `started`; otherwise
// FAILED_PRECONDITION naming the field and Katib's rule.
absl::Status CheckResumeWith(const StartedExperiment& started, const api::Experiment& edited);

}  // namespace hpsearch::runner

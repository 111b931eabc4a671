#include "runner/resume_rules.h"

#include <algorithm>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/experiment_diff.h"

namespace hpsearch::runner {
namespace {

bool IsTrialCount(const std::string& field) {
  return field == "spec.parallelTrialCount" || field == "spec.maxTrialCount" ||
         field == "spec.maxFailedTrialCount";
}

bool Completed(std::string_view status) { return status != kRunningStatus && status != kExperimentInterruptedReason; }

// Katib's IsCompletedExperimentRestartable.
bool Restartable(const StartedExperiment& started) {
  const std::string& policy = started.experiment.spec.resume_policy;
  return started.status == kMaxTrialsReachedReason &&
         (policy == api::ToString(api::ResumePolicy::kLongRunning) ||
          policy == api::ToString(api::ResumePolicy::kFromVolume));
}

}  // namespace

absl::Status CheckResumeWith(const StartedExperiment& started, const api::Experiment& edited) {
  const std::vector<std::string> changed = api::ChangedFields(started.experiment, edited);
  if (changed.empty()) return absl::OkStatus();
  if (!std::ranges::all_of(changed, IsTrialCount)) {
    std::vector<std::string> refused, editable;
    std::ranges::partition_copy(changed, std::back_inserter(editable), std::back_inserter(refused), IsTrialCount);
    return absl::FailedPreconditionError(absl::StrCat(
        "changed: ", absl::StrJoin(refused, ", "),
        editable.empty() ? "" : absl::StrCat(" (and ", absl::StrJoin(editable, ", "), ", which may change)"),
        "; only spec.parallelTrialCount, spec.maxTrialCount and spec.maxFailedTrialCount are editable"));
  }
  if (Completed(started.status) && !Restartable(started)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "spec.resumePolicy: the experiment completed (", std::string(started.status), ") with resumePolicy ",
        started.experiment.spec.resume_policy,
        "; Experiment can be restarted if it is in succeeded state by reaching max trials and "
        "spec.resumePolicy = LongRunning or spec.resumePolicy = FromVolume, when experiment is completed"));
  }
  const bool max_changed = std::ranges::find(changed, "spec.maxTrialCount") != changed.end();
  if (max_changed && edited.spec.max_trial_count && *edited.spec.max_trial_count <= started.trials) {
    return absl::FailedPreconditionError(absl::StrCat("spec.maxTrialCount: ", *edited.spec.max_trial_count,
                                                      " must be greater than status.trials count (",
                                                      started.trials, ")"));
  }
  return absl::OkStatus();
}

}  // namespace hpsearch::runner

// Katib's early-stopping algorithm "medianstop", for `hpsearch run`, which
// plays both parts a cluster splits between Katib's medianstop service (the
// rule each new trial gets) and its metrics collector (applying that rule to
// the trial's reports as they arrive).
//
// Katib's behaviour, matched (pkg/earlystopping/v1beta1/medianstop and
// cmd/metricscollector/v1beta1/file-metricscollector):
//   - A trial created once at least min_trials_required trials have
//     SUCCEEDED gets a rule. Its value is the mean, over those trials, of the
//     average of each one's first start_step objective reports (Katib calls
//     it the median). Trials created earlier get no rule.
//   - At the trial's start_step-th objective report, the best value it has
//     reported so far is compared with the rule: worse (lower when
//     maximizing, higher when minimizing) stops the trial, EarlyStopped.
//     The best only improves, so a trial that passes then always would.
//
// Example:
//   MedianStop median(*ParseMedianStopSettings(spec.early_stopping()), maximize);
//   median.AddSucceeded("e-1", {0.52, 0.61, 0.66, 0.70});
//   std::optional<StoppingRule> rule = median.RuleForNewTrial();
//   StoppingRuleCheck check(*rule);
//   if (check.Report(0.4)) { /* stop the trial */ }
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "katib/v1beta1/api.pb.h"

namespace hpsearch::suggestion {

inline constexpr absl::string_view kMedianStopName = "medianstop";

struct MedianStopSettings {
  int64_t min_trials_required = 3;
  int64_t start_step = 4;
};

// Reads the settings as Katib's ValidateEarlyStoppingSettings checks them:
// min_trials_required an integer >= 1, start_step an integer >= 1.
// INVALID_ARGUMENT: "unknown setting X for algorithm medianstop",
// "failed to validate X(V): must be integer >= 1", or another algorithm.
absl::StatusOr<MedianStopSettings> ParseMedianStopSettings(
    const ::api::v1::beta1::EarlyStoppingSpec& spec);

// One trial's rule: stop it when its best objective value by its
// start_step-th report is worse than `value`.
struct StoppingRule {
  double value = 0;
  bool maximize = false;
  int64_t start_step = 1;
};

// The rules for new trials, from the trials that have succeeded.
class MedianStop {
 public:
  MedianStop(MedianStopSettings settings, bool maximize)
      : settings_(settings), maximize_(maximize) {}

  // A succeeded trial's objective reports in the order reported; only the
  // first start_step count. A trial without reports, or added before, is
  // ignored.
  void AddSucceeded(absl::string_view trial, std::span<const double> objective_reports);

  // The rule for a trial created now; none until min_trials_required trials
  // have succeeded.
  std::optional<StoppingRule> RuleForNewTrial() const;

  const MedianStopSettings& settings() const { return settings_; }

 private:
  MedianStopSettings settings_;
  bool maximize_;
  absl::flat_hash_map<std::string, double> averages_;  // by succeeded trial
  double sum_of_averages_ = 0;
};

// Applies one trial's rule to its objective reports, one at a time.
class StoppingRuleCheck {
 public:
  explicit StoppingRuleCheck(StoppingRule rule) : rule_(rule) {}

  // True at the start_step-th report if the best value so far is worse than
  // the rule; false for every other report.
  bool Report(double value);

  const StoppingRule& rule() const { return rule_; }
  // The best value reported so far (valid once Report has been called).
  double best() const { return best_; }

 private:
  StoppingRule rule_;
  int64_t reports_ = 0;
  double best_ = 0;
};

}  // namespace hpsearch::suggestion

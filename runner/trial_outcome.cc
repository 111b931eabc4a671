#include "runner/trial_outcome.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace hpsearch::runner {

using metrics::TrialStatus;

TrialOutcome ConcludeTrial(const TrialEnding& ending) {
  const std::string how = ending.exit.Describe();
  if (ending.gpu_overrun) {
    return {TrialStatus::kFailed, "GpuMemoryBudgetExceeded", absl::StrCat(*ending.gpu_overrun, " (", how, ")")};
  }
  if (ending.early_stop) {
    // Katib's reason; the message says why.
    return {TrialStatus::kEarlyStopped, "TrialEarlyStopped",
            absl::StrCat("Trial is early stopped: ", *ending.early_stop, " (", how, ")")};
  }
  if (ending.stopped) {
    return {TrialStatus::kKilled, ending.stop_reason, absl::StrCat("stopped by hpsearch (", how, ")")};
  }
  if (ending.timed_out) {
    return {TrialStatus::kFailed, "Timeout",
            absl::StrFormat("exceeded the trial timeout of %.1f s (%s)", ending.timeout.count() / 1000.0, how)};
  }
  if (!ending.exit.success()) {
    return {TrialStatus::kFailed, "TrialFailed",
            ending.stderr_log ? absl::StrCat(how, "; see ", ending.stderr_log->string())
                              : absl::StrCat(how, "; nothing on stderr")};
  }
  if (!ending.objective_available) {
    std::string why;
    if (const auto& unwritten = ending.unwritten_metrics) {
      why = unwritten->event_directory
                ? absl::StrCat(" (it wrote no event file under ", unwritten->copy.string(), ", its own copy of ",
                               unwritten->named.string(), ", whose path is rewritten where the args or env name "
                               "it or a folder above it, not where the trial builds it)")
                : absl::StrCat(" (it never created its metrics file ", unwritten->copy.string(),
                               ", its own copy of ", unwritten->named.string(),
                               ", whose path is rewritten where the args or env name it, not where the trial "
                               "builds it)");
    } else if (!ending.parser_warning.empty()) {
      why = absl::StrCat(" (metrics ", ending.parser_warning, ")");
    }
    return {TrialStatus::kMetricsUnavailable, "MetricsUnavailable",
            absl::StrCat("the trial exited 0 without reporting ", ending.objective_metric_name, why)};
  }
  return {TrialStatus::kSucceeded, "TrialSucceeded", ""};
}

}  // namespace hpsearch::runner

// How a trial that has ended is recorded: its final status, Katib's reason
// and a message that says why, in words a user can act on.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "metrics/objective_store.h"
#include "runner/process.h"

namespace hpsearch::runner {

// Everything the run loop knows about how a trial's process ended.
struct TrialEnding {
  ExitStatus exit;
  // The engine stopped it: an interrupt, or the experiment finished.
  bool stopped = false;
  std::string stop_reason;  // recorded as the reason of a stopped trial
  bool timed_out = false;
  std::chrono::milliseconds timeout{0};
  // Why the engine stopped it for staying above its GPU memory budget.
  std::optional<std::string> gpu_overrun;
  // Why the early-stopping rule stopped it.
  std::optional<std::string> early_stop;
  bool objective_available = false;
  std::string objective_metric_name;
  // What the metrics parser skipped, if anything ("line 3: longer than
  // 1048576 bytes; skipped"): the likely reason for a missing objective.
  std::string parser_warning;
  // Set when the trial wrote to stderr: the failure message points there.
  std::optional<std::filesystem::path> stderr_log;
  // Where the collector reads metrics, when the trial wrote nothing there
  // (the File collector's file, any event file under the TensorFlowEvent
  // collector's folder): the path the experiment names, and the trial's own
  // copy of it.
  struct UnwrittenMetrics {
    std::filesystem::path named;
    std::filesystem::path copy;
    bool event_directory = false;
  };
  std::optional<UnwrittenMetrics> unwritten_metrics;
};

struct TrialOutcome {
  metrics::TrialStatus status = metrics::TrialStatus::kSucceeded;
  std::string reason;
  std::string message;
};

// The first that applies: over its GPU memory budget (Failed), stopped by
// the early-stopping rule (EarlyStopped, Katib's TrialEarlyStopped), stopped
// by the engine (Killed), timed out (Failed), failed exit (Failed), exit 0
// without the objective (MetricsUnavailable), else Succeeded.
TrialOutcome ConcludeTrial(const TrialEnding& ending);

}  // namespace hpsearch::runner

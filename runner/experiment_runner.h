// `hpsearch run`: one Katib Experiment on this machine.
//
// The loop keeps parallelTrialCount trials running: it asks the experiment's
// algorithm (in process, the same code `hpsearch serve` answers with) for as
// many assignments as there are free slots, starts each trial from the trial
// template's primary container (runner/trial_command.h), collects its
// metrics into the objective store while it runs, and records how it ended.
// It stops the way Katib's controller does: objective goal reached, max
// failed trial count reached, max trial count reached, or the search space
// exhausted; or when interrupted (SIGINT/SIGTERM), after stopping and
// recording the running trials.
//
// Everything is in <workdir>/store.db, so running again on the same workdir
// resumes: finished trials are kept, trials that were running when the
// engine died or was interrupted run again from scratch with the same
// assignments, and nothing is counted twice.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "api/experiment.h"
#include "metrics/objective_store.h"
#include "runner/engine_overhead.h"
#include "runner/gpu_sharing.h"
#include "runner/trial_view.h"

namespace hpsearch::runner {

// Counts of the experiment's trials, Katib's way.
struct TrialCounts {
  int running = 0;
  int succeeded = 0;
  int failed = 0;  // Failed and MetricsUnavailable
  int killed = 0;
  int early_stopped = 0;
  int completed() const { return succeeded + failed + killed + early_stopped; }
};

// What the user sees while the experiment runs.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void OnMessage(const std::string& message) = 0;
  virtual void OnTrialStarted(const metrics::TrialRecord& trial) = 0;
  virtual void OnTrialEnded(const TrialView& trial) = 0;
  // Called about once per loop tick with the current state.
  virtual void OnTick(const TrialCounts& counts, const TrialView* best,
                      std::chrono::steady_clock::duration elapsed) = 0;
};

struct RunOptions {
  std::filesystem::path workdir;
  // Resume even though the experiment's spec differs from the stored one.
  bool force = false;
  // Zero: no limit.
  std::chrono::milliseconds trial_timeout{0};
  // How long trials get between SIGTERM and SIGKILL when the run stops.
  std::chrono::milliseconds stop_grace = std::chrono::seconds(10);
  // Where trial commands are looked up; empty means DefaultCommandSearchPath().
  std::vector<std::filesystem::path> command_search_path;

  // GPU sharing; without a usable GPU trials run without placement.
  GpuSharingOptions gpus;
};

enum class RunOutcome { kSucceeded, kFailed, kInterrupted };

struct RunResult {
  RunOutcome outcome = RunOutcome::kSucceeded;
  // Katib's reason and message, e.g. "ExperimentGoalReached",
  // "Experiment has succeeded because Objective goal has reached".
  std::string reason;
  std::string message;
  int interrupt_signal = 0;  // for kInterrupted
  std::vector<TrialView> trials;  // every trial, in creation order
  EngineOverhead overhead;        // of the trials this run started
};

// Runs `experiment` (loaded, defaulted and validated; `spec_text` is the file
// as written, kept in the store to detect a changed spec on resume). Errors
// that stop the run before or outside the trials (store, unsupported
// collector, algorithm rejecting the experiment, changed spec) come back as
// a Status; running trials are stopped and recorded first.
absl::StatusOr<RunResult> RunExperiment(const api::Experiment& experiment,
                                        const std::string& spec_text, const RunOptions& options,
                                        RunObserver& observer);

}  // namespace hpsearch::runner

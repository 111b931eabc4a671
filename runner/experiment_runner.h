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
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "api/experiment.h"
#include "gpu/budget.h"
#include "gpu/device.h"
#include "metrics/metric_strategy.h"
#include "metrics/objective_store.h"

namespace hpsearch::runner {

// A trial with its metrics summarised by the experiment's metric strategies.
struct TrialView {
  metrics::TrialRecord record;
  std::vector<metrics::MetricSummary> metrics;  // objective first
};

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

  // GPU sharing (gpu/partitioner.h). Each trial's GPU memory budget: from
  // here (the command line) when set, else the experiment's annotations,
  // else an equal share of a GPU per parallel trial.
  gpu::BudgetRequest gpu_budget;
  // An NVIDIA MPS daemon serves the GPUs: trials also get its limits.
  bool gpu_mps = false;
  // How long a trial may stay above its GPU memory budget before it is stopped.
  std::chrono::milliseconds gpu_over_budget_grace = std::chrono::seconds(3);
  // Where the GPUs come from; empty means NVML (gpu::OpenNvml). Failing or
  // finding no GPU means the trials run without GPU placement.
  std::function<absl::StatusOr<std::unique_ptr<gpu::GpuBackend>>()> open_gpus;
};

enum class RunOutcome { kSucceeded, kFailed, kInterrupted };

// What the engine itself adds around each trial, measured inside it: one
// sample per trial, in milliseconds (bench/runner.md).
struct EngineOverhead {
  // From the engine starting to launch a trial (its directory, command,
  // environment, process) to the trial's program running (exec done): the
  // engine's share of the launch.
  std::vector<double> launch_to_started_ms;
  // ... to the trial's first line of stdout arriving: adds the program's
  // own start-up until it prints.
  std::vector<double> launch_to_first_line_ms;
  // From the engine seeing a trial's process end to its result committed to
  // the store: visible to readers, and kept if the engine is killed.
  std::vector<double> exit_to_recorded_ms;
  // ... and then durable against power loss, by the one fsync shared by the
  // trials that ended together; the trial is reported finished then.
  std::vector<double> exit_to_durable_ms;
};

struct LatencySummary {
  size_t count = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};
// Nearest-rank percentiles of `samples_ms`.
LatencySummary SummarizeLatency(std::vector<double> samples_ms);

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

// Every trial of `experiment_name` in `store`, summarised with the metric
// strategies of the experiment stored there (what `hpsearch trials` shows).
absl::StatusOr<std::vector<TrialView>> LoadTrialViews(metrics::ObjectiveStore& store,
                                                      const api::Experiment& experiment);

}  // namespace hpsearch::runner

// What the supervisor starts for one trial: its argv, environment and
// working directory, the local equivalent of the trial's pod.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "api/experiment.h"
#include "metrics/objective_store.h"
#include "runner/metrics_source.h"
#include "runner/process.h"
#include "runner/trial_command.h"

namespace hpsearch::runner {

// Set to the trial's name in each trial's environment: its processes
// inherit it, so it tells whose a process is that escaped the trial's
// process tree.
inline constexpr char kTrialNameVariable[] = "HPSEARCH_TRIAL_NAME";
// Set to the trial's directory (absolute): also tells which workdir a
// process left running by a killed engine belongs to.
inline constexpr char kTrialDirVariable[] = "HPSEARCH_TRIAL_DIR";

class TrialLaunchPlanner {
 public:
  // `metrics`: where the experiment's collector reads metrics from.
  // The engine's environment is read now: every trial's starts from it.
  TrialLaunchPlanner(const api::Experiment& experiment, std::vector<std::filesystem::path> command_search_path,
                     MetricsSource metrics);

  // The trial template's primary container for `trial`, placeholders
  // substituted and its command resolved on the search path (the
  // container's PATH instead, where its env sets one), run in
  // `trial_dir` (absolute). Its environment is the engine's, then the
  // container's env, then HPSEARCH_TRIAL_NAME, HPSEARCH_TRIAL_DIR,
  // HPSEARCH_EXPERIMENT_NAME and `extra_env` (the trial's GPU placement).
  // The collector's path becomes the trial's own under `trial_dir`, as each
  // pod has its own filesystem, wherever the args and env hold it as a whole
  // path; for a directory (TensorFlowEvent), also paths below it and its
  // parent folders but '/', as in `--log-dir=/logs` with the path
  // /logs/test. The folder the trial writes in is created.
  absl::StatusOr<LaunchSpec> Plan(const metrics::TrialRecord& trial, const std::filesystem::path& trial_dir,
                                  std::span<const std::pair<std::string, std::string>> extra_env) const;

  // Fails, as Plan would for every trial, when the trial template has no
  // command, references what no trial has (a missing label), or names a
  // program not found: checked once before the first trial, so a typo
  // fails the run instead of each trial in turn. Writes nothing.
  absl::Status CheckCommand() const;

  // What the primary container takes from the cluster that trials here go
  // without (valueFrom, envFrom, workingDir), a line each saying what
  // they get instead.
  std::vector<std::string> ClusterOnlyNotices() const;

  // Where metrics come from, with the path the experiment names.
  const MetricsSource& metrics_source() const { return metrics_; }
  // The same for the trial in `trial_dir`: its own copy of the path.
  MetricsSource MetricsSourceIn(const std::filesystem::path& trial_dir) const;

 private:
  // `command`'s program, looked up where Plan says.
  absl::StatusOr<std::filesystem::path> FindProgram(const TrialCommand& command) const;

  const api::Experiment& experiment_;
  std::vector<std::filesystem::path> command_search_path_;
  MetricsSource metrics_;
  std::map<std::string, std::string> engine_environment_;  // "NAME=value" entries by name
};

// Makes `trial_dir` an empty directory: a rerun (or a trial whose start a
// crash lost) starts clean.
absl::Status MakeEmptyTrialDir(const std::filesystem::path& trial_dir);

}  // namespace hpsearch::runner

#include "runner/experiment_runner.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <optional>
#include <set>
#include <span>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/experiment_proto.h"
#include "gpu/nvml_backend.h"
#include "gpu/partitioner.h"
#include "gpu/process_tree.h"
#include "metrics/go_float.h"
#include "metrics/katib_time.h"
#include "runner/objective.h"
#include "runner/process.h"
#include "runner/trial_collector.h"
#include "runner/trial_command.h"
#include "runner/trial_supervisor.h"
#include "suggestion/median_stop.h"
#include "suggestion/suggest.h"

extern char** environ;

namespace hpsearch::runner {
namespace {

namespace pb = ::api::v1::beta1;
using metrics::TrialRecord;
using metrics::TrialStatus;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kTick(200);
// The reason of trials stopped by an interrupt: they run again on resume.
constexpr std::string_view kInterruptedReason = "Interrupted";
// Set to the trial's name in each trial's environment: its processes inherit
// it, so it tells whose a process is that escaped the trial's process tree.
constexpr char kTrialVariable[] = "HPSEARCH_TRIAL_NAME";

int64_t NowMicros() { return absl::ToUnixMicros(absl::Now()); }

std::vector<metrics::MetricStrategy> Strategies(const api::Experiment& experiment) {
  const api::Objective& objective = *experiment.spec.objective;
  std::vector<metrics::MetricStrategy> overrides;
  for (const api::MetricStrategy& strategy : objective.metric_strategies) {
    if (auto type = metrics::ParseMetricStrategyType(strategy.value)) {
      overrides.push_back({strategy.name, *type});
    }
  }
  return metrics::DefaultMetricStrategies(ObjectiveDirectionOf(experiment), objective.objective_metric_name,
                                          objective.additional_metric_names, overrides);
}

pb::TrialStatus::TrialConditionType Condition(TrialStatus status) {
  switch (status) {
    case TrialStatus::kCreated: return pb::TrialStatus::CREATED;
    case TrialStatus::kRunning: return pb::TrialStatus::RUNNING;
    case TrialStatus::kSucceeded: return pb::TrialStatus::SUCCEEDED;
    case TrialStatus::kFailed: return pb::TrialStatus::FAILED;
    case TrialStatus::kKilled: return pb::TrialStatus::KILLED;
    case TrialStatus::kEarlyStopped: return pb::TrialStatus::EARLYSTOPPED;
    case TrialStatus::kMetricsUnavailable: return pb::TrialStatus::METRICSUNAVAILABLE;
  }
  return pb::TrialStatus::UNKNOWN;
}

// Whether Katib's controller puts the trial in GetSuggestionsRequest: it
// leaves out MetricsUnavailable trials and early-stopped ones without an
// observation.
bool InRequest(const TrialView& view) {
  if (view.record.status == TrialStatus::kMetricsUnavailable) return false;
  bool observed = !view.metrics.empty() && view.metrics.front().available();
  return view.record.status != TrialStatus::kEarlyStopped || observed;
}

double Milliseconds(Clock::duration duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

// The process environment as a map, read once: every trial's starts from it.
std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    size_t equals = text.find('=');
    if (equals != std::string_view::npos) env[std::string(text.substr(0, equals))] = text.substr(equals + 1);
  }
  return env;
}

std::vector<metrics::MetricLog> ToMetricLog(const std::vector<metrics::StoredObservation>& stored) {
  std::vector<metrics::MetricLog> log;
  log.reserve(stored.size());
  for (const metrics::StoredObservation& o : stored) {
    log.push_back({metrics::FormatMicrosRfc3339Nano(o.time_us), o.metric, o.value});
  }
  return log;
}

// A metric's numeric reports, in the order the trial printed them.
std::vector<double> NumericReports(std::span<const metrics::MetricLog> log, std::string_view metric) {
  std::vector<double> values;
  for (const metrics::MetricLog& entry : log) {
    if (entry.name != metric) continue;
    if (std::optional<double> value = metrics::ParseGoFloat(entry.value)) values.push_back(*value);
  }
  return values;
}

// The local stand-in for a collector kind, or an error for kinds that need
// a cluster.
absl::Status CheckCollector(const api::Experiment& experiment) {
  const auto& spec = experiment.spec.metrics_collector_spec;
  api::CollectorKind kind = spec ? api::ParseCollectorKind(spec->collector_kind) : api::CollectorKind::kStdOut;
  if (kind == api::CollectorKind::kStdOut || kind == api::CollectorKind::kFile) return absl::OkStatus();
  return absl::UnimplementedError(absl::StrCat(
      "spec.metricsCollectorSpec.collector.kind: ", spec->collector_kind,
      " is not supported by hpsearch run; use StdOut or File"));
}

class Run {
 public:
  Run(const api::Experiment& experiment, pb::Experiment proto, suggestion::ExperimentSuggester suggester,
      std::optional<suggestion::MedianStop> median_stop, const RunOptions& options, RunObserver& observer)
      : experiment_(experiment),
        options_(options),
        observer_(observer),
        proto_(std::move(proto)),
        median_stop_(std::move(median_stop)),
        suggester_(std::move(suggester)),
        direction_(ObjectiveDirectionOf(experiment)),
        strategies_(Strategies(experiment)),
        environment_(ProcessEnvironment()),
        supervisor_({.on_stdout = [this](const std::string& trial,
                                         std::string_view chunk) { OnStdout(trial, chunk); },
                     .on_end = [this](const std::string& trial,
                                      const TrialEnd& end) { OnTrialEnd(trial, end); }},
                    std::chrono::seconds(5), kTrialVariable) {
    if (options_.command_search_path.empty()) {
      options_.command_search_path = DefaultCommandSearchPath();
    }
    const api::Objective& objective = *experiment.spec.objective;
    parser_options_.metric_names.push_back(objective.objective_metric_name);
    for (const std::string& name : objective.additional_metric_names) {
      parser_options_.metric_names.push_back(name);
    }
    if (const auto& collector = experiment.spec.metrics_collector_spec) {
      if (collector->metrics_format) parser_options_.filters = *collector->metrics_format;
      if (api::ParseCollectorKind(collector->collector_kind) == api::CollectorKind::kFile &&
          collector->file_system_path) {
        metrics_file_ = collector->file_system_path->path;
        if (collector->file_system_path->format == "JSON") {
          parser_options_.format = metrics::MetricsFormat::kJson;
        }
      }
    }
  }

  absl::Status Open(const std::string& spec_text);
  absl::StatusOr<RunResult> Loop();

 private:
  // A trial this run has started and not yet seen end.
  struct Active {
    TrialCollector collector;
    Clock::time_point launched;
    std::optional<Clock::time_point> first_line;
    std::optional<int> gpu_lease;
    // Why the engine stopped it for using too much GPU memory.
    std::optional<std::string> gpu_overrun;
    // Its early-stopping rule, applied to collector.log() up to rule_checked.
    std::optional<suggestion::StoppingRuleCheck> stopping_rule;
    size_t rule_checked = 0;
    // Why the engine stopped it early, by the rule.
    std::optional<std::string> early_stop;
  };
  // A trial that has ended, its result not yet recorded.
  struct Ended {
    std::string trial;
    std::optional<Clock::time_point> exited_at;  // unset: it never started
  };

  const std::string& name() const { return experiment_.metadata.name; }
  const std::string& objective_name() const { return experiment_.spec.objective->objective_metric_name; }
  TrialCounts Counts() const;
  // Adds a trial that has reached its final state to ended_counts_, once.
  void CountEnded(const TrialRecord& record);
  std::optional<RunResult> Finished(const TrialCounts& counts) const;
  absl::Status StartTrials(int active, const TrialCounts& counts);
  absl::StatusOr<std::vector<std::map<std::string, std::string>>> Suggest(int count);
  absl::Status SetUpGpus();
  // At most `wanted` places on the GPUs for new trials; all `wanted` without GPUs.
  std::vector<std::optional<gpu::GpuLease>> GpuPlaces(int wanted, int active);
  void WatchGpuMemory();
  void ApplyStoppingRules();
  void Launch(TrialRecord record, std::optional<gpu::GpuLease> lease);
  absl::Status MakeTrialDir(const std::filesystem::path& trial_dir) const;
  absl::StatusOr<LaunchSpec> MakeLaunchSpec(const TrialRecord& record, const std::filesystem::path& trial_dir,
                                            const std::optional<gpu::GpuLease>& lease) const;
  void FailTrial(TrialRecord record, std::string reason, std::string message);
  void OnStdout(const std::string& trial, std::string_view chunk);
  void OnTrialEnd(const std::string& trial, const TrialEnd& end);
  // Keeps the counts, the algorithm's input and best_ in step with a trial's new state.
  void Updated(const TrialView& view);
  void RecordEnded();
  void FlushCollectors();
  void StopTrials(std::string_view reason);
  RunResult Result(RunOutcome outcome, std::string reason, std::string message);

  const api::Experiment& experiment_;
  RunOptions options_;
  RunObserver& observer_;
  pb::Experiment proto_;
  std::optional<suggestion::MedianStop> median_stop_;  // the experiment's earlyStopping
  // The algorithm with the trials Katib's controller would send it, in
  // creation order, kept up to date trial by trial rather than re-read for
  // every call.
  suggestion::ExperimentSuggester suggester_;
  metrics::ObjectiveDirection direction_;
  std::vector<metrics::MetricStrategy> strategies_;
  metrics::ParserOptions parser_options_;
  std::optional<std::filesystem::path> metrics_file_;  // File collector
  std::map<std::string, std::string> environment_;  // the engine's, for every trial
  std::unique_ptr<metrics::ObjectiveStore> store_;
  std::unique_ptr<gpu::GpuPartitioner> gpus_;  // none: trials run without GPU placement
  bool waiting_for_gpus_ = false;  // told the user that trials wait for GPU memory
  TrialSupervisor supervisor_;

  std::vector<std::string> order_;  // trial names in creation order
  std::map<std::string, TrialView> trials_;
  std::map<std::string, Active> active_;  // running trials
  std::vector<Ended> ended_;
  // Trials in their final state, counted as they get there, not on every
  // loop turn; running ones are counted from active_.
  TrialCounts ended_counts_;
  std::set<std::string> counted_;
  const TrialView* best_ = nullptr;  // in trials_
  absl::Status suggester_error_;  // the first trial the algorithm could not take
  std::vector<std::string> reruns_;  // interrupted trials to start again
  std::string stop_reason_;          // for trials stopped by the engine
  bool exhausted_ = false;
  absl::Status record_failure_;  // the first failure to record ended trials
  EngineOverhead overhead_;
  Clock::time_point started_ = Clock::now();
};

absl::Status Run::Open(const std::string& spec_text) {
  std::error_code error;
  std::filesystem::create_directories(options_.workdir / "trials", error);
  if (error) {
    return absl::UnavailableError(absl::StrCat("cannot create workdir ", options_.workdir.string(),
                                               ": ", error.message()));
  }
  auto store = metrics::ObjectiveStore::Open((options_.workdir / "store.db").string());
  if (!store.ok()) return store.status();
  store_ = *std::move(store);

  auto stored = store_->GetExperiment(name());
  if (!stored.ok()) return stored.status();
  if (*stored && (*stored)->spec != spec_text && !options_.force) {
    return absl::FailedPreconditionError(absl::StrCat(
        "experiment ", name(), " in ", options_.workdir.string(),
        " was started with a different spec; run with --force to resume it with this one, "
        "or use another --workdir to start afresh"));
  }
  if (absl::Status s = store_->PutExperiment({.name = name(),
                                              .spec = spec_text,
                                              .created_us = *stored ? (*stored)->created_us : NowMicros(),
                                              .status = "Running"});
      !s.ok()) {
    return s;
  }

  auto records = store_->ListTrials(name());
  if (!records.ok()) return records.status();
  for (TrialRecord& record : *records) {
    bool interrupted = record.status == TrialStatus::kCreated || record.status == TrialStatus::kRunning ||
                       (record.status == TrialStatus::kKilled && record.reason == kInterruptedReason);
    TrialView view{.record = record, .metrics = {}};
    if (interrupted) {
      // Its partial log would be counted twice when it runs again.
      if (absl::Status s = store_->DeleteObservations(record.name); !s.ok()) return s;
      reruns_.push_back(record.name);
    } else {
      auto observations = store_->GetObservations(record.name);
      if (!observations.ok()) return observations.status();
      std::vector<metrics::MetricLog> log = ToMetricLog(*observations);
      auto summary = metrics::SummarizeMetrics(log, strategies_);
      if (summary.ok()) view.metrics = *std::move(summary);
      if (median_stop_ && record.status == TrialStatus::kSucceeded) {
        median_stop_->AddSucceeded(record.name, NumericReports(log, objective_name()));
      }
    }
    order_.push_back(record.name);
    Updated(trials_.emplace(record.name, std::move(view)).first->second);
  }
  if (!order_.empty()) {
    observer_.OnMessage(absl::StrFormat("resuming %s: %d trials recorded, %d to run again", name(),
                                        order_.size(), reruns_.size()));
  }
  return SetUpGpus();
}

// Without a usable GPU the trials run as they are, said once; with GPUs
// every trial gets a place and a memory budget on one of them.
absl::Status Run::SetUpGpus() {
  absl::StatusOr<std::unique_ptr<gpu::GpuBackend>> backend =
      options_.open_gpus ? options_.open_gpus() : gpu::OpenNvml();
  const gpu::BudgetRequest annotated = gpu::BudgetRequestFromAnnotations(experiment_.metadata.annotations);
  const bool asked = !options_.gpu_budget.empty() || !annotated.empty() || options_.gpu_mps;
  const std::string ignored = asked ? "; the GPU memory budget and MPS settings asked for are ignored" : "";
  if (!backend.ok()) {
    observer_.OnMessage(absl::StrCat("no NVIDIA GPU: ", backend.status().message(), "; trials run on CPU", ignored));
    return absl::OkStatus();
  }
  if ((*backend)->DeviceCount() == 0) {
    observer_.OnMessage(
        absl::StrCat("no NVIDIA GPU: CUDA_VISIBLE_DEVICES hides them all; trials run on CPU", ignored));
    return absl::OkStatus();
  }
  // Katib's rule for how many trials run at once.
  int parallel = experiment_.spec.parallel_trial_count.value_or(3);
  if (experiment_.spec.max_trial_count) parallel = std::min(parallel, *experiment_.spec.max_trial_count);
  absl::StatusOr<gpu::MemoryBudget> budget =
      gpu::ChooseBudget(options_.gpu_budget, annotated, parallel, (*backend)->DeviceCount());
  if (!budget.ok()) return budget.status();
  absl::StatusOr<std::unique_ptr<gpu::GpuPartitioner>> partitioner = gpu::GpuPartitioner::Create(
      *std::move(backend), std::make_unique<gpu::ProcfsProcessTable>(kTrialVariable),
      {.budget = *budget, .mps = options_.gpu_mps, .over_budget_grace = options_.gpu_over_budget_grace});
  if (!partitioner.ok()) return partitioner.status();
  gpus_ = *std::move(partitioner);
  const std::vector<gpu::GpuDevice>& devices = gpus_->devices();
  observer_.OnMessage(absl::StrFormat("sharing %d GPU%s (%s%s): %s per trial%s", devices.size(),
                                      devices.size() == 1 ? "" : "s", devices.front().name,
                                      devices.size() == 1 ? "" : ", ...", gpus_->budget().ToString(),
                                      options_.gpu_mps ? ", with MPS limits" : ""));
  return absl::OkStatus();
}

TrialCounts Run::Counts() const {
  TrialCounts counts = ended_counts_;
  for (const auto& [trial_name, active] : active_) {
    TrialStatus status = trials_.at(trial_name).record.status;
    counts.running += status == TrialStatus::kCreated || status == TrialStatus::kRunning;
  }
  return counts;
}

void Run::CountEnded(const TrialRecord& record) {
  int* count = nullptr;
  switch (record.status) {
    case TrialStatus::kCreated:
    case TrialStatus::kRunning: return;
    case TrialStatus::kSucceeded: count = &ended_counts_.succeeded; break;
    case TrialStatus::kFailed:
    case TrialStatus::kMetricsUnavailable: count = &ended_counts_.failed; break;
    case TrialStatus::kKilled:
      // An interrupted trial runs again.
      if (record.reason == kInterruptedReason) return;
      count = &ended_counts_.killed;
      break;
    case TrialStatus::kEarlyStopped: count = &ended_counts_.early_stopped; break;
  }
  if (counted_.insert(record.name).second) ++*count;
}

RunResult Outcome(RunOutcome outcome, std::string reason, std::string message) {
  RunResult result;
  result.outcome = outcome;
  result.reason = std::move(reason);
  result.message = std::move(message);
  return result;
}

// Katib's UpdateExperimentStatusCondition, in its order.
std::optional<RunResult> Run::Finished(const TrialCounts& counts) const {
  const api::ExperimentSpec& spec = experiment_.spec;
  if (spec.objective->goal && best_ &&
      ReachesGoal(*best_->record.objective_numeric, *spec.objective->goal, direction_)) {
    return Outcome(RunOutcome::kSucceeded, "ExperimentGoalReached",
                   "Experiment has succeeded because Objective goal has reached");
  }
  if (spec.max_failed_trial_count && counts.failed != 0 && counts.failed >= *spec.max_failed_trial_count) {
    return Outcome(RunOutcome::kFailed, "ExperimentFailed",
                   "Experiment has failed because max failed count has reached");
  }
  if (spec.max_trial_count && counts.completed() >= *spec.max_trial_count) {
    return Outcome(RunOutcome::kSucceeded, "ExperimentMaxTrialsReached",
                   "Experiment has succeeded because max trial count has reached");
  }
  if (exhausted_ && counts.running == 0 && reruns_.empty()) {
    return Outcome(RunOutcome::kSucceeded, "ExperimentSuggestionEndReached",
                   "Experiment has succeeded because suggestion service has reached the end");
  }
  return std::nullopt;
}

absl::StatusOr<RunResult> Run::Loop() {
  while (true) {
    FlushCollectors();
    ApplyStoppingRules();
    TrialCounts counts = Counts();
    observer_.OnTick(counts, best_, Clock::now() - started_);
    if (std::optional<RunResult> finished = Finished(counts)) {
      if (supervisor_.running() > 0) StopTrials(finished->reason);
      return Result(finished->outcome, finished->reason, finished->message);
    }
    absl::Status started = StartTrials(counts.running, counts);
    RecordEnded();  // trials that could not start
    if (started.ok()) started = record_failure_;
    if (!started.ok()) {
      StopTrials(kInterruptedReason);
      return started;
    }
    std::optional<int> signal = supervisor_.Poll(kTick);
    WatchGpuMemory();
    RecordEnded();  // trials that ended meanwhile, together
    if (!record_failure_.ok()) {
      StopTrials(kInterruptedReason);
      return record_failure_;
    }
    if (signal) {
      observer_.OnMessage(absl::StrFormat("received %s: stopping %d running trials (again to kill them now)",
                                          strsignal(*signal), supervisor_.running()));
      StopTrials(kInterruptedReason);
      RunResult result = Result(RunOutcome::kInterrupted, "ExperimentInterrupted",
                                absl::StrCat("interrupted by ", strsignal(*signal),
                                             "; run again with the same workdir to resume"));
      result.interrupt_signal = *signal;
      return result;
    }
  }
}

// Katib's ReconcileTrials: keep min(parallel, max - completed) trials active.
absl::Status Run::StartTrials(int active, const TrialCounts& counts) {
  const api::ExperimentSpec& spec = experiment_.spec;
  int wanted = spec.parallel_trial_count.value_or(3);
  if (spec.max_trial_count) wanted = std::min(wanted, *spec.max_trial_count - counts.completed());
  const int free = wanted - active;
  if (free <= 0 || (reruns_.empty() && exhausted_)) return absl::OkStatus();
  std::vector<std::optional<gpu::GpuLease>> places = GpuPlaces(free, active);
  auto next_place = places.begin();
  while (next_place != places.end() && !reruns_.empty()) {
    TrialRecord record = trials_.at(reruns_.front()).record;
    reruns_.erase(reruns_.begin());
    Launch(std::move(record), *next_place++);
  }
  const int unplaced = static_cast<int>(places.end() - next_place);
  if (unplaced > 0 && !exhausted_) {
    auto suggestions = Suggest(unplaced);
    if (!suggestions.ok()) {
      for (; next_place != places.end(); ++next_place) {
        if (*next_place) gpus_->Release((*next_place)->id);
      }
      return suggestions.status();
    }
    if (static_cast<int>(suggestions->size()) < unplaced) exhausted_ = true;
    for (auto& assignments : *suggestions) {
      TrialRecord record;
      record.experiment = name();
      record.name = absl::StrFormat("%s-%04d", name(), order_.size() + 1);
      record.assignments.assign(assignments.begin(), assignments.end());
      order_.push_back(record.name);
      trials_.emplace(record.name, TrialView{.record = record, .metrics = {}});
      Launch(std::move(record), *next_place++);
    }
  }
  for (; next_place != places.end(); ++next_place) {  // places no trial took
    if (*next_place) gpus_->Release((*next_place)->id);
  }
  return absl::OkStatus();
}

std::vector<std::optional<gpu::GpuLease>> Run::GpuPlaces(int wanted, int active) {
  if (!gpus_) return std::vector<std::optional<gpu::GpuLease>>(wanted);
  std::vector<gpu::GpuLease> leases = gpus_->Acquire(wanted);
  // Waiting with nothing running can only end when other processes free GPU
  // memory: say so, once per wait.
  const bool stalled = leases.empty() && active == 0;
  if (stalled && !waiting_for_gpus_) {
    observer_.OnMessage(absl::StrCat("waiting for GPU memory: no GPU has ", gpus_->budget().ToString(),
                                     " free beside what other processes use (see hpsearch gpus)"));
  }
  waiting_for_gpus_ = stalled;
  return {std::make_move_iterator(leases.begin()), std::make_move_iterator(leases.end())};
}

// Stops the trials that stay above their GPU memory budget, so their
// neighbours on the same GPU keep theirs.
void Run::WatchGpuMemory() {
  if (!gpus_) return;
  std::vector<gpu::BudgetOverrun> overruns = gpus_->Sample(Clock::now());
  for (const std::string& notice : gpus_->TakeNotices()) observer_.OnMessage(notice);
  for (const gpu::BudgetOverrun& overrun : overruns) {
    for (auto& [trial, active] : active_) {
      if (active.gpu_lease != overrun.lease_id) continue;
      active.gpu_overrun = overrun.Message();
      observer_.OnMessage(absl::StrCat(trial, ": ", *active.gpu_overrun, "; stopping it"));
      supervisor_.Stop(trial);
    }
  }
}

// Katib's metrics collector's part of early stopping: every new objective
// report of a trial with a rule goes through it, and a trial the rule stops
// is stopped (EarlyStopped once it has ended).
void Run::ApplyStoppingRules() {
  for (auto& [trial, active] : active_) {
    if (!active.stopping_rule || active.early_stop) continue;
    const std::vector<metrics::MetricLog>& log = active.collector.log();
    for (; active.rule_checked < log.size() && !active.early_stop; ++active.rule_checked) {
      const metrics::MetricLog& entry = log[active.rule_checked];
      if (entry.name != objective_name()) continue;
      std::optional<double> value = metrics::ParseGoFloat(entry.value);
      if (!value || !active.stopping_rule->Report(*value)) continue;
      const suggestion::StoppingRule& rule = active.stopping_rule->rule();
      active.early_stop = absl::StrFormat("best %s %g in %d reports is worse than the median rule's %g",
                                          objective_name(), active.stopping_rule->best(), rule.start_step,
                                          rule.value);
      observer_.OnMessage(absl::StrCat(trial, ": stopping it early (medianstop)"));
      supervisor_.Stop(trial);
    }
  }
}

void Run::Updated(const TrialView& view) {
  const TrialRecord& record = view.record;
  CountEnded(record);
  if (!InRequest(view)) {
    suggester_.Forget(record.name);
  } else {
    std::vector<suggestion::AssignmentView> assignments;
    assignments.reserve(record.assignments.size());
    for (const auto& [parameter, value] : record.assignments) assignments.push_back({parameter, value});
    auto objective = std::find_if(view.metrics.begin(), view.metrics.end(),
                                  [&](const metrics::MetricSummary& m) { return m.name == objective_name(); });
    absl::Status status = suggester_.Observe(record.name, assignments, Condition(record.status),
                                              objective != view.metrics.end() && objective->available()
                                                  ? absl::string_view(objective->value())
                                                  : absl::string_view());
    if (suggester_error_.ok()) suggester_error_ = status;
  }
  if (IsNewBest(record, best_ ? &best_->record : nullptr, direction_)) best_ = &view;
}

absl::StatusOr<std::vector<std::map<std::string, std::string>>> Run::Suggest(int count) {
  auto algorithm_error = [&](const absl::Status& status) {
    return absl::Status(status.code(), absl::StrCat("algorithm ", proto_.spec().algorithm().algorithm_name(), ": ",
                                                    status.message()));
  };
  if (!suggester_error_.ok()) return algorithm_error(suggester_error_);
  suggestion::SuggestOptions suggest_options;
  suggest_options.shortfall = suggestion::SuggestOptions::Shortfall::kReturnFewer;
  // As Katib's controller counts: every trial created so far was suggested before.
  auto suggested = suggester_.Suggest(count, order_.size(), suggest_options);
  if (!suggested.ok()) {
    if (suggested.status().code() == absl::StatusCode::kOutOfRange) return std::vector<std::map<std::string, std::string>>{};
    return algorithm_error(suggested.status());
  }
  std::vector<std::map<std::string, std::string>> suggestions;
  for (const auto& assignments : *suggested) {
    auto& values = suggestions.emplace_back();
    for (const pb::ParameterAssignment& a : assignments) values[a.name()] = a.value();
  }
  return suggestions;
}

absl::StatusOr<LaunchSpec> Run::MakeLaunchSpec(const TrialRecord& record, const std::filesystem::path& trial_dir,
                                               const std::optional<gpu::GpuLease>& lease) const {
  TrialIdentity identity{.name = record.name,
                         .namespace_ = experiment_.metadata.namespace_,
                         .assignments = {record.assignments.begin(), record.assignments.end()}};
  auto command = BuildTrialCommand(experiment_, identity);
  if (!command.ok()) return command.status();

  // The File collector's path is the trial's own: like a pod's filesystem,
  // each trial gets a private root under its directory.
  std::vector<std::pair<std::string, std::string>> remap;
  if (metrics_file_) {
    std::filesystem::path local = trial_dir / "fs" / metrics_file_->relative_path();
    std::error_code error;
    if (!std::filesystem::create_directories(local.parent_path(), error) && error) {
      return absl::UnavailableError(absl::StrCat("cannot create ", local.parent_path().string(), ": ", error.message()));
    }
    remap.emplace_back(metrics_file_->string(), local.string());
  }
  for (std::string& word : command->argv) absl::StrReplaceAll(remap, &word);

  auto program = ResolveCommand(command->argv.front(), options_.command_search_path);
  if (!program.ok()) return program.status();
  LaunchSpec spec{.argv = command->argv, .env = {}, .working_dir = trial_dir};
  spec.argv.front() = program->string();

  std::map<std::string, std::string> env = environment_;
  for (api::NameValue& variable : command->env) {
    absl::StrReplaceAll(remap, &variable.value);
    env[variable.name] = variable.value;
  }
  env[kTrialVariable] = record.name;
  env["HPSEARCH_EXPERIMENT_NAME"] = name();
  env.try_emplace("PYTHONUNBUFFERED", "1");  // metrics arrive as printed
  if (lease) {
    for (const auto& [key, value] : lease->env) env[key] = value;
  }
  for (const auto& [key, value] : env) spec.env.push_back(absl::StrCat(key, "=", value));
  return spec;
}

// A trial's directory, empty: a rerun (or a trial whose start a crash lost)
// starts clean.
absl::Status Run::MakeTrialDir(const std::filesystem::path& trial_dir) const {
  int made = mkdir(trial_dir.c_str(), 0755);
  if (made != 0 && errno == EEXIST) {
    std::error_code ignored;  // mkdir says what went wrong
    std::filesystem::remove_all(trial_dir, ignored);
    made = mkdir(trial_dir.c_str(), 0755);
  }
  if (made != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot create ", trial_dir.string(), ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

void Run::Launch(TrialRecord record, std::optional<gpu::GpuLease> lease) {
  Clock::time_point launched = Clock::now();
  auto fail = [&](absl::string_view message) {
    if (lease) gpus_->Release(lease->id);
    FailTrial(std::move(record), "LaunchFailed", std::string(message));
  };
  std::filesystem::path trial_dir = options_.workdir / "trials" / record.name;
  if (absl::Status made = MakeTrialDir(trial_dir); !made.ok()) return fail(made.message());
  auto spec = MakeLaunchSpec(record, trial_dir, lease);
  if (!spec.ok()) return fail(spec.status().message());
  std::optional<std::filesystem::path> followed;
  if (metrics_file_) followed = trial_dir / "fs" / metrics_file_->relative_path();
  auto collector = TrialCollector::Create(parser_options_, record.name, followed);
  if (!collector.ok()) return fail(collector.status().message());

  record.status = TrialStatus::kRunning;
  record.reason.clear();
  record.message.clear();
  record.start_us = NowMicros();
  record.end_us.reset();
  record.exit_code.reset();
  record.objective_value.reset();
  record.objective_numeric.reset();
  record.gpu_device.reset();
  record.gpu_memory_budget_bytes.reset();
  record.gpu_peak_memory_bytes.reset();
  record.gpu_mean_utilization.reset();
  if (lease) {
    record.gpu_device = gpu::DeviceIndexText(lease->device);
    record.gpu_memory_budget_bytes = static_cast<int64_t>(lease->budget_bytes);
  }
  absl::Status started = supervisor_.Launch(record.name, *spec, trial_dir / "stdout.log",
                                            trial_dir / "stderr.log", options_.trial_timeout);
  if (!started.ok()) return fail(started.message());
  overhead_.launch_to_started_ms.push_back(Milliseconds(Clock::now() - launched));
  if (lease) gpus_->Attach(lease->id, *supervisor_.ProcessId(record.name), record.name);
  std::optional<suggestion::StoppingRule> rule;
  if (median_stop_) rule = median_stop_->RuleForNewTrial();
  active_.emplace(record.name, Active{.collector = *std::move(collector),
                                      .launched = launched,
                                      .first_line = {},
                                      .gpu_lease = lease ? std::optional<int>(lease->id) : std::nullopt,
                                      .gpu_overrun = {},
                                      .stopping_rule = rule ? std::optional(suggestion::StoppingRuleCheck(*rule))
                                                            : std::nullopt,
                                      .rule_checked = 0,
                                      .early_stop = {}});
  TrialView& view = trials_.at(record.name);
  view = TrialView{.record = std::move(record), .metrics = {}};
  Updated(view);
  // A start lost to a power cut costs nothing: the resumed run asks the
  // algorithm again for that trial (random and grid give the same
  // assignment back). The next trial result's fsync makes it durable anyway.
  if (absl::Status s = store_->PutTrial(view.record, metrics::Durability::kProcessCrash); !s.ok()) {
    observer_.OnMessage(absl::StrCat(view.record.name, ": recording the trial failed: ", s.message()));
  }
  observer_.OnTrialStarted(view.record);
}

void Run::FailTrial(TrialRecord record, std::string reason, std::string message) {
  record.status = TrialStatus::kFailed;
  record.reason = std::move(reason);
  record.message = std::move(message);
  record.start_us = record.end_us = NowMicros();
  TrialView& view = trials_.at(record.name);
  view = TrialView{.record = std::move(record), .metrics = {}};
  Updated(view);
  ended_.push_back({.trial = view.record.name, .exited_at = std::nullopt});
}

void Run::OnStdout(const std::string& trial, std::string_view chunk) {
  auto it = active_.find(trial);
  if (it == active_.end()) return;
  Active& active = it->second;
  if (!active.first_line && chunk.find('\n') != std::string_view::npos) active.first_line = Clock::now();
  active.collector.OnStdout(chunk);
}

void Run::OnTrialEnd(const std::string& trial, const TrialEnd& end) {
  auto it = active_.find(trial);
  if (it == active_.end()) return;
  Active& active = it->second;
  if (absl::Status s = active.collector.Finish(*store_); !s.ok()) {
    observer_.OnMessage(absl::StrCat(trial, ": storing metrics failed: ", s.message()));
  }
  if (active.first_line) {
    overhead_.launch_to_first_line_ms.push_back(Milliseconds(*active.first_line - active.launched));
  }
  TrialView& view = trials_.at(trial);
  auto summary = metrics::SummarizeMetrics(active.collector.log(), strategies_);
  view.metrics = summary.ok() ? *std::move(summary) : std::vector<metrics::MetricSummary>{};
  TrialRecord& record = view.record;
  if (active.gpu_lease) {
    const gpu::GpuUsage usage = gpus_->Release(*active.gpu_lease);
    record.gpu_peak_memory_bytes = static_cast<int64_t>(usage.peak_bytes);
    record.gpu_mean_utilization = usage.mean_utilization;
  }
  const std::optional<std::string> gpu_overrun = std::move(active.gpu_overrun);
  const std::optional<std::string> early_stop = std::move(active.early_stop);
  std::vector<double> objective_reports;  // for the early-stopping rule, should it succeed
  if (median_stop_) objective_reports = NumericReports(active.collector.log(), objective_name());
  active_.erase(it);

  record.end_us = NowMicros();
  if (!end.exit.signaled) record.exit_code = end.exit.exit_code;
  bool objective_available = !view.metrics.empty() && view.metrics.front().available();
  if (objective_available) {
    record.objective_value = view.metrics.front().value();
    record.objective_numeric = view.metrics.front().numeric_value();
  }
  if (gpu_overrun) {
    record.status = TrialStatus::kFailed;
    record.reason = "GpuMemoryBudgetExceeded";
    record.message = absl::StrCat(*gpu_overrun, " (", end.exit.Describe(), ")");
  } else if (early_stop) {
    // Katib's reason; the message says why.
    record.status = TrialStatus::kEarlyStopped;
    record.reason = "TrialEarlyStopped";
    record.message = absl::StrCat("Trial is early stopped: ", *early_stop, " (", end.exit.Describe(), ")");
  } else if (end.stopped) {
    record.status = TrialStatus::kKilled;
    record.reason = stop_reason_;
    record.message = absl::StrCat("stopped by hpsearch (", end.exit.Describe(), ")");
  } else if (end.timed_out) {
    record.status = TrialStatus::kFailed;
    record.reason = "Timeout";
    record.message = absl::StrFormat("exceeded the trial timeout of %.1f s (%s)",
                                     options_.trial_timeout.count() / 1000.0, end.exit.Describe());
  } else if (!end.exit.success()) {
    record.status = TrialStatus::kFailed;
    record.reason = "TrialFailed";
    std::filesystem::path stderr_log = options_.workdir / "trials" / trial / "stderr.log";
    std::error_code error;
    record.message = std::filesystem::exists(stderr_log, error)
                         ? absl::StrCat(end.exit.Describe(), "; see ", stderr_log.string())
                         : absl::StrCat(end.exit.Describe(), "; nothing on stderr");
  } else if (!objective_available) {
    record.status = TrialStatus::kMetricsUnavailable;
    record.reason = "MetricsUnavailable";
    record.message = absl::StrCat("the trial exited 0 without reporting ",
                                  experiment_.spec.objective->objective_metric_name);
  } else {
    record.status = TrialStatus::kSucceeded;
    record.reason = "TrialSucceeded";
    if (median_stop_) median_stop_->AddSucceeded(trial, objective_reports);
  }
  Updated(view);
  ended_.push_back({.trial = trial, .exited_at = end.exited_at});
}

// Group commit: the results of every trial that ended since the last call
// go into one transaction, made durable by one fsync, and only then are the
// trials reported finished. A kill -9 before the commit leaves them Running
// (they run again on resume); a power cut before the fsync at worst loses
// this group and whatever came after it, never an earlier result.
void Run::RecordEnded() {
  if (ended_.empty()) return;
  std::vector<TrialRecord> records;
  records.reserve(ended_.size());
  for (const Ended& ended : ended_) records.push_back(trials_.at(ended.trial).record);
  absl::Status status = store_->PutTrials(records, metrics::Durability::kProcessCrash);
  Clock::time_point recorded = Clock::now();
  if (status.ok()) status = store_->Sync();
  Clock::time_point durable = Clock::now();
  if (!status.ok() && record_failure_.ok()) {
    // Results that may not be on disk must not be reported as finished or
    // counted; the run stops, and its trials run again on resume.
    record_failure_ = absl::Status(status.code(), absl::StrCat("recording ", records.size(),
                                                               " ended trials failed: ", status.message()));
  }
  if (!status.ok()) {
    ended_.clear();
    return;
  }
  for (const Ended& ended : ended_) {
    if (ended.exited_at) {
      overhead_.exit_to_recorded_ms.push_back(Milliseconds(recorded - *ended.exited_at));
      overhead_.exit_to_durable_ms.push_back(Milliseconds(durable - *ended.exited_at));
    }
    observer_.OnTrialEnded(trials_.at(ended.trial));
  }
  ended_.clear();
}

void Run::FlushCollectors() {
  for (auto& [trial, active] : active_) {
    if (absl::Status s = active.collector.Flush(*store_); !s.ok()) {
      observer_.OnMessage(absl::StrCat(trial, ": storing metrics failed: ", s.message()));
    }
  }
}

void Run::StopTrials(std::string_view reason) {
  stop_reason_ = reason;
  supervisor_.StopAll(options_.stop_grace);
  RecordEnded();
}

RunResult Run::Result(RunOutcome outcome, std::string reason, std::string message) {
  RecordEnded();
  if (absl::Status s = store_->SetExperimentStatus(name(), reason); !s.ok()) {
    observer_.OnMessage(absl::StrCat("recording the experiment status failed: ", s.message()));
  }
  RunResult result = Outcome(outcome, std::move(reason), std::move(message));
  for (const std::string& trial : order_) result.trials.push_back(trials_.at(trial));
  result.overhead = overhead_;
  if (!overhead_.exit_to_recorded_ms.empty()) {
    auto figures = [](const std::vector<double>& samples) {
      LatencySummary summary = SummarizeLatency(samples);
      return absl::StrFormat("%.2f/%.2f", summary.p50_ms, summary.p99_ms);
    };
    observer_.OnMessage(absl::StrCat(
        "engine overhead per trial, p50/p99 ms: launch to started ",
        figures(overhead_.launch_to_started_ms), ", to first line ",
        figures(overhead_.launch_to_first_line_ms), "; exit to recorded ",
        figures(overhead_.exit_to_recorded_ms), ", exit to durable ",
        figures(overhead_.exit_to_durable_ms)));
  }
  return result;
}

}  // namespace

LatencySummary SummarizeLatency(std::vector<double> samples_ms) {
  LatencySummary summary;
  summary.count = samples_ms.size();
  if (samples_ms.empty()) return summary;
  std::sort(samples_ms.begin(), samples_ms.end());
  auto rank = [&](double p) {
    size_t index = static_cast<size_t>(std::ceil(p * static_cast<double>(samples_ms.size())));
    return samples_ms[std::clamp<size_t>(index, 1, samples_ms.size()) - 1];
  };
  summary.p50_ms = rank(0.50);
  summary.p99_ms = rank(0.99);
  summary.max_ms = samples_ms.back();
  return summary;
}

absl::StatusOr<RunResult> RunExperiment(const api::Experiment& experiment, const std::string& spec_text,
                                        const RunOptions& options, RunObserver& observer) {
  if (absl::Status s = CheckCollector(experiment); !s.ok()) return s;
  pb::Experiment proto = api::ToProto(experiment);
  auto suggester = suggestion::ExperimentSuggester::Create(proto);
  if (!suggester.ok()) {
    return absl::Status(suggester.status().code(), absl::StrCat("algorithm ", experiment.spec.algorithm->algorithm_name,
                                                                ": ", suggester.status().message()));
  }
  std::optional<suggestion::MedianStop> median_stop;
  if (proto.spec().has_early_stopping()) {
    auto settings = suggestion::ParseMedianStopSettings(proto.spec().early_stopping());
    if (!settings.ok()) {
      return absl::Status(settings.status().code(), absl::StrCat("early stopping: ", settings.status().message()));
    }
    median_stop.emplace(*settings, ObjectiveDirectionOf(experiment) == metrics::ObjectiveDirection::kMaximize);
  }
  Run run(experiment, std::move(proto), *std::move(suggester), std::move(median_stop), options, observer);
  if (absl::Status s = run.Open(spec_text); !s.ok()) return s;
  return run.Loop();
}

absl::StatusOr<std::vector<TrialView>> LoadTrialViews(metrics::ObjectiveStore& store,
                                                      const api::Experiment& experiment) {
  std::vector<metrics::MetricStrategy> strategies = Strategies(experiment);
  auto records = store.ListTrials(experiment.metadata.name);
  if (!records.ok()) return records.status();
  std::vector<TrialView> views;
  for (metrics::TrialRecord& record : *records) {
    auto observations = store.GetObservations(record.name);
    if (!observations.ok()) return observations.status();
    auto summary = metrics::SummarizeMetrics(ToMetricLog(*observations), strategies);
    views.push_back({.record = std::move(record),
                     .metrics = summary.ok() ? *std::move(summary) : std::vector<metrics::MetricSummary>{}});
  }
  return views;
}

}  // namespace hpsearch::runner

#include "runner/experiment_runner.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <set>
#include <span>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/experiment_loader.h"
#include "api/experiment_proto.h"
#include "gpu/partitioner.h"
#include "runner/objective.h"
#include "runner/resume_rules.h"
#include "runner/trial_collector.h"
#include "runner/trial_launch.h"
#include "runner/trial_outcome.h"
#include "runner/trial_supervisor.h"
#include "runner/workdir_lock.h"
#include "suggestion/median_stop.h"
#include "suggestion/suggest.h"

namespace hpsearch::runner {
namespace {

namespace pb = ::api::v1::beta1;
using metrics::TrialRecord;
using metrics::TrialStatus;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kTick(200);
// At most one fsync per interval: trials that end sooner after the last one
// wait for the next to be reported finished (group commit over time, where
// the trials of a short-trial run end one by one).
constexpr std::chrono::milliseconds kSyncInterval(100);
// The reason of trials stopped by an interrupt: they run again on resume.
constexpr std::string_view kInterruptedReason = "Interrupted";

int64_t NowMicros() { return absl::ToUnixMicros(absl::Now()); }

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

// A trial that could not start because the machine could not give it what
// every trial needs (a folder, descriptors, a process) did not fail: its
// own failures (its command, its parameters) have other codes.
bool IsTheMachinesFault(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable || status.code() == absl::StatusCode::kResourceExhausted;
}

const std::string& NameOf(const std::string& trial) { return trial; }
template <typename Named>
const std::string& NameOf(const Named& named) {
  return named.trial;
}

// "trial a", "trials a, b and c", "12 trials (a, b, c, ...)".
template <typename Named>
std::string TrialsText(const std::vector<Named>& trials) {
  constexpr size_t kNamed = 3;
  std::vector<absl::string_view> names;
  for (size_t i = 0; i < trials.size() && i < kNamed; ++i) names.push_back(NameOf(trials[i]));
  if (trials.size() == 1) return absl::StrCat("trial ", names.front());
  if (trials.size() > kNamed) return absl::StrCat(trials.size(), " trials (", absl::StrJoin(names, ", "), ", ...)");
  return absl::StrCat("trials ", absl::StrJoin(std::span(names).first(names.size() - 1), ", "), " and ",
                      names.back());
}

double Milliseconds(Clock::duration duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

class Run {
 public:
  Run(const api::Experiment& experiment, pb::Experiment proto, suggestion::ExperimentSuggester suggester,
      std::optional<suggestion::MedianStop> median_stop, CollectorSetup collector, const RunOptions& options,
      RunObserver& observer)
      : experiment_(experiment),
        options_(options),
        observer_(observer),
        proto_(std::move(proto)),
        median_stop_(std::move(median_stop)),
        suggester_(std::move(suggester)),
        direction_(ObjectiveDirectionOf(experiment)),
        strategies_(MetricStrategiesOf(experiment)),
        parser_options_(std::move(collector.parser)),
        planner_(experiment,
                 options.command_search_path.empty() ? DefaultCommandSearchPath() : options.command_search_path,
                 std::move(collector.source)),
        supervisor_({.on_output = [this](const std::string& trial, OutputStream stream,
                                         std::string_view chunk) { OnOutput(trial, stream, chunk); },
                     .on_end = [this](const std::string& trial,
                                      const TrialEnd& end) { OnTrialEnd(trial, end); }},
                    options.stop_grace, kTrialNameVariable) {}

  // What would fail every trial, checked before the workdir is touched.
  absl::Status Check() const {
    absl::Status command = planner_.CheckCommand();
    if (command.ok()) return command;
    return absl::Status(command.code(), absl::StrCat("trial template: ", command.message()));
  }
  absl::Status Open(const std::string& spec_text);
  absl::StatusOr<RunResult> Loop();

 private:
  // Reads the recorded trials into trials_, the algorithm and the counts;
  // writes nothing.
  absl::Status LoadTrials();
  // Whether this run may go on from `stored`, as Katib lets an edited
  // experiment go on (runner/resume_rules.h). Needs LoadTrials first.
  absl::Status CheckResume(const metrics::ExperimentRecord& stored) const;
  // Sets the record's objective from its summarised metrics (the
  // experiment's objective and strategy); returns whether that changed it.
  static bool TakeObjectiveOf(TrialView& view);
  absl::Status StoreRecomputedObjectives();
  // A trial this run has started and not yet seen end.
  struct Active {
    TrialCollector collector;
    Clock::time_point launched;
    std::optional<Clock::time_point> first_line;
    std::optional<int> gpu_lease;
    // Why the engine stopped it for using too much GPU memory.
    std::optional<std::string> gpu_overrun;
    // Its early-stopping rule, applied to the objective reports in
    // collector.digest() up to rule_checked.
    std::optional<suggestion::StoppingRuleCheck> stopping_rule;
    size_t rule_checked = 0;
    // Why the engine stopped it early, by the rule.
    std::optional<std::string> early_stop;
    absl::Status metrics_failure;  // the first failure to store its metrics
  };
  // A trial that has ended, its result not yet recorded.
  struct Ended {
    std::string trial;
    std::optional<Clock::time_point> exited_at;  // unset: it never started
  };

  const std::string& name() const { return experiment_.metadata.name; }
  const std::string& objective_name() const { return experiment_.spec.objective->objective_metric_name; }
  // <workdir>/trials, and in it each trial's own directory.
  std::filesystem::path TrialsDir() const { return options_.workdir / "trials"; }
  std::filesystem::path TrialDir(const std::string& trial) const { return TrialsDir() / trial; }
  TrialCounts Counts() const;
  // Adds a trial that has reached its final state to ended_counts_, once.
  void CountEnded(const TrialRecord& record);
  std::optional<RunResult> Finished(const TrialCounts& counts) const;
  absl::Status StartTrials(int active, const TrialCounts& counts);
  absl::StatusOr<std::vector<std::map<std::string, std::string>>> Suggest(int count);
  // At most `wanted` places on the GPUs for new trials; all `wanted` without GPUs.
  std::vector<std::optional<gpu::GpuLease>> GpuPlaces(int wanted, int active);
  void WatchGpuMemory();
  void ApplyStoppingRules();
  // What is kept of a trial's log: its summaries, and the objective reports
  // medianstop reads (the first start_step; none without medianstop).
  TrialLogDigest EmptyDigest() const {
    const int64_t reports_kept = median_stop_ ? median_stop_->settings().start_step : 0;
    return TrialLogDigest(strategies_, static_cast<size_t>(reports_kept));
  }
  // Starts a trial, or records it failed if it cannot start for a reason
  // of its own. Returns false, leaving it to Postpone, when the machine
  // could not start it: no more trials can start this turn.
  bool Launch(TrialRecord record, std::optional<gpu::GpuLease> lease);
  // Puts back a trial the machine could not start (no space or folder for
  // its files, no descriptors or processes left): the run goes on with as
  // many trials at a time as run now, and stops if none does.
  void Postpone(const std::string& trial, const absl::Status& why);
  void FailTrial(TrialRecord record, std::string reason, std::string message);
  void OnOutput(const std::string& trial, OutputStream stream, std::string_view chunk);
  void OnTrialEnd(const std::string& trial, const TrialEnd& end);
  // Keeps the counts, the algorithm's input and best_ in step with a trial's new state.
  void Updated(const TrialView& view);
  enum class Sync { kWhenDue, kNow };
  void RecordEnded(Sync sync = Sync::kWhenDue);
  // Sets record_failure_ to "<what> failed: <why>", unless it is set or `status` is OK.
  void NoteRecordFailure(absl::string_view what, const absl::Status& status);
  // How long the loop may wait for trials before RecordEnded has a commit or an fsync due.
  std::chrono::milliseconds PollWait() const;
  // Hands the running trials' new metrics to the store.
  void FlushCollectors();
  // A trial whose metrics could not all be stored stops the run, and runs
  // again on resume, rather than end on what was kept.
  void NoteMetricsFailure(const std::string& trial, Active& active, const absl::Status& status);
  void StopTrials(std::string_view reason);
  absl::StatusOr<RunResult> Result(RunOutcome outcome, std::string reason, std::string message);

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
  TrialLaunchPlanner planner_;
  std::optional<WorkdirLock> workdir_lock_;
  std::unique_ptr<metrics::ObjectiveStore> store_;
  std::unique_ptr<gpu::GpuPartitioner> gpus_;  // none: trials run without GPU placement
  bool waiting_for_gpus_ = false;  // told the user that trials wait for GPU memory
  TrialSupervisor supervisor_;

  std::vector<std::string> order_;  // trial names in creation order
  std::map<std::string, TrialView> trials_;
  std::map<std::string, Active> active_;  // running trials
  std::vector<Ended> ended_;
  // Trials started, or that failed to start, since the last commit, in that
  // order. The next commit writes them first, in this order (the store
  // lists trials in the order it first got them, and a resumed run reads
  // them back so), each as it is then: a short trial that has ended is
  // written once, with its result. A start lost to a power cut costs
  // nothing: the resumed run asks the algorithm again for that trial
  // (random and grid give the same assignment back).
  std::vector<std::string> unwritten_;
  // Ended trials committed to the store, to report once an fsync made them durable.
  std::vector<Ended> unsynced_;
  Clock::time_point last_commit_;
  Clock::time_point last_sync_;
  // Trials in their final state, counted as they get there, not on every
  // loop turn; running ones are counted from active_.
  TrialCounts ended_counts_;
  std::set<std::string> counted_;
  const TrialView* best_ = nullptr;  // in trials_
  absl::Status suggester_error_;  // the first trial the algorithm could not take
  std::vector<std::string> reruns_;  // interrupted trials to start again
  // Recorded trials whose objective, recomputed from their logs, is not what
  // was stored when they ended: a forced resume changed the objective.
  std::vector<std::string> objective_recomputed_;
  std::string stop_reason_;          // for trials stopped by the engine
  bool exhausted_ = false;
  // The first failure to record ended trials or metrics, or to start a
  // trial with none running: the run stops.
  absl::Status record_failure_;
  std::optional<int> parallel_cap_;  // trials at a time the machine has room for
  EngineOverhead overhead_;
  Clock::time_point started_ = Clock::now();
};

absl::Status Run::Open(const std::string& spec_text) {
  std::error_code error;
  std::filesystem::create_directories(TrialsDir(), error);
  if (error) {
    return absl::UnavailableError(absl::StrCat(std::filesystem::is_directory(options_.workdir)
                                                   ? "cannot write in workdir "
                                                   : "cannot create workdir ",
                                               options_.workdir.string(), ": ", error.message()));
  }
  // A workdir run before has its folders already, so nothing was written
  // yet: create a file (the test that holds for root, read-only mounts and
  // ACLs), so that users read this rather than SQLite's words from the store.
  std::string probe = (options_.workdir / ".hpsearch-XXXXXX").string();
  if (const int fd = mkstemp(probe.data()); fd >= 0) {
    close(fd);
    unlink(probe.c_str());
  } else {
    return absl::UnavailableError(
        absl::StrCat("cannot write in workdir ", options_.workdir.string(), ": ", std::strerror(errno)));
  }
  // Absolute, so that each trial's HPSEARCH_TRIAL_DIR names this workdir.
  std::filesystem::path workdir = std::filesystem::weakly_canonical(options_.workdir, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat("cannot resolve workdir ", options_.workdir.string(),
                                               ": ", error.message()));
  }
  options_.workdir = std::move(workdir);
  auto lock = WorkdirLock::Acquire(options_.workdir);
  if (!lock.ok()) return lock.status();
  workdir_lock_.emplace(*std::move(lock));
  // An engine killed without stopping its trials (kill -9, a lost machine
  // session) left them running; they would run beside their reruns.
  if (std::vector<pid_t> left = KillProcessesMarkedUnder(kTrialDirVariable, TrialsDir());
      !left.empty()) {
    observer_.OnMessage(absl::StrFormat("killed %d trial processes that an earlier, killed run of %s left running",
                                        left.size(), options_.workdir.string()));
  }
  auto store = metrics::ObjectiveStore::Open((options_.workdir / "store.db").string());
  if (!store.ok()) return store.status();
  store_ = *std::move(store);

  auto stored = store_->GetExperiment(name());
  if (!stored.ok()) return stored.status();
  if (!*stored && !std::filesystem::is_empty(TrialsDir(), error) && !error) {
    auto others = store_->ListExperiments();
    if (!others.ok()) return others.status();
    // A renamed experiment, most likely; otherwise the store lost its records.
    const std::string why =
        others->empty() ? "was store.db emptied or replaced?"
                        : absl::StrCat("it holds experiment ", others->front().name, ": was the experiment renamed?");
    return absl::FailedPreconditionError(absl::StrCat(
        options_.workdir.string(), " holds trial folders but its store.db has no record of experiment ", name(), " (",
        why, "); use another --workdir, or move the trials folder away"));
  }
  // Everything that can refuse the run comes before the first write, so a
  // refused resume leaves the workdir as it was.
  if (absl::Status s = LoadTrials(); !s.ok()) return s;
  if (*stored && !options_.force) {
    if (absl::Status s = CheckResume(**stored); !s.ok()) return s;
  }
  if (!suggester_error_.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the trials recorded in ", options_.workdir.string(), " do not fit this spec (",
        suggester_error_.message(), "); nothing was changed: resume with the spec they ran with, "
        "or use another --workdir to start afresh"));
  }
  for (const std::string& notice : planner_.ClusterOnlyNotices()) observer_.OnMessage(notice);
  auto gpus = OpenGpuSharing(experiment_, options_.gpus, kTrialNameVariable,
                             [this](const std::string& message) { observer_.OnMessage(message); });
  if (!gpus.ok()) return gpus.status();
  gpus_ = *std::move(gpus);

  if (absl::Status s = store_->PutExperiment({.name = name(),
                                              .spec = spec_text,
                                              .created_us = *stored ? (*stored)->created_us : NowMicros(),
                                              .status = std::string(kRunningStatus)});
      !s.ok()) {
    return s;
  }
  if (absl::Status s = StoreRecomputedObjectives(); !s.ok()) return s;
  for (const std::string& trial : reruns_) {
    // Its partial log would be counted twice when it runs again.
    if (absl::Status s = store_->DeleteObservations(trial); !s.ok()) return s;
  }
  if (!order_.empty()) {
    // A maxTrialCount lowered by --force may leave no room for all of them.
    const int interrupted = static_cast<int>(reruns_.size());
    const std::optional<int32_t> max = experiment_.spec.max_trial_count;
    const int reruns = max ? std::clamp(*max - Counts().completed(), 0, interrupted) : interrupted;
    observer_.OnMessage(absl::StrFormat(
        "resuming %s: %d trials recorded, %s", name(), order_.size(),
        reruns == interrupted ? absl::StrFormat("%d to run again", reruns)
                              : absl::StrFormat("%d of the %d interrupted to run again (maxTrialCount %d)", reruns,
                                                interrupted, *max)));
  }
  return absl::OkStatus();
}

absl::Status Run::CheckResume(const metrics::ExperimentRecord& stored) const {
  api::LoadedExperiment started = api::LoadExperimentText(stored.spec);
  absl::Status status =
      started.ok()
          ? CheckResumeWith({.experiment = *started.experiment, .status = stored.status,
                             .trials = static_cast<int>(order_.size())},
                            experiment_)
          : absl::FailedPreconditionError("the spec it was started with no longer loads");
  if (status.ok()) return status;
  return absl::FailedPreconditionError(absl::StrCat(
      "experiment ", name(), " in ", options_.workdir.string(), " cannot go on with this spec (", status.message(),
      "); run with --force to go on with it anyway, or use another --workdir to start afresh"));
}

bool Run::TakeObjectiveOf(TrialView& view) {
  TrialRecord& record = view.record;
  const bool available = !view.metrics.empty() && view.metrics.front().available();
  std::optional<std::string> value = available ? std::optional(view.metrics.front().value()) : std::nullopt;
  if (value == record.objective_value) return false;
  record.objective_value = std::move(value);
  record.objective_numeric = available ? view.metrics.front().numeric_value() : std::nullopt;
  return true;
}

absl::Status Run::StoreRecomputedObjectives() {
  if (objective_recomputed_.empty()) return absl::OkStatus();
  std::vector<TrialRecord> records;
  for (const std::string& trial : objective_recomputed_) records.push_back(trials_.at(trial).record);
  if (absl::Status s = store_->PutTrials(records); !s.ok()) return s;
  observer_.OnMessage(absl::StrFormat(
      "the objective changed (now %s %s): %d recorded trials' objective recomputed from their logs",
      experiment_.spec.objective->type, objective_name(), records.size()));
  return absl::OkStatus();
}

absl::Status Run::LoadTrials() {
  auto records = store_->ListTrials(name());
  if (!records.ok()) return records.status();
  for (TrialRecord& record : *records) {
    bool interrupted = record.status == TrialStatus::kCreated || record.status == TrialStatus::kRunning ||
                       (record.status == TrialStatus::kKilled && record.reason == kInterruptedReason);
    TrialView view{.record = record, .metrics = {}};
    if (interrupted) {
      reruns_.push_back(record.name);
    } else {
      absl::StatusOr<TrialLogDigest> digest = DigestStoredLog(*store_, record.name, EmptyDigest());
      if (!digest.ok()) return digest.status();
      view.metrics = digest->Summaries();
      if (TakeObjectiveOf(view)) objective_recomputed_.push_back(record.name);
      if (median_stop_ && record.status == TrialStatus::kSucceeded) {
        median_stop_->AddSucceeded(record.name, digest->objective_reports());
      }
    }
    order_.push_back(record.name);
    Updated(trials_.emplace(record.name, std::move(view)).first->second);
  }
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
    return Outcome(RunOutcome::kSucceeded, std::string(kMaxTrialsReachedReason),
                   "Experiment has succeeded because max trial count has reached");
  }
  if (exhausted_ && counts.running == 0 && reruns_.empty()) {
    return Outcome(RunOutcome::kSucceeded, "ExperimentSuggestionEndReached",
                   "Experiment has succeeded because suggestion service has reached the end");
  }
  return std::nullopt;
}

absl::StatusOr<RunResult> Run::Loop() {
  // Writes are committed together: see RecordEnded.
  store_->DeferCommits();
  while (true) {
    RecordEnded();  // the trials that ended while the loop waited
    if (!record_failure_.ok()) {
      StopTrials(kInterruptedReason);
      return record_failure_;
    }
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
    std::optional<int> signal = supervisor_.Poll(PollWait());
    WatchGpuMemory();
    if (signal) {
      observer_.OnMessage(absl::StrFormat("received %s: stopping %d running trials (again to kill them now)",
                                          strsignal(*signal), supervisor_.running()));
      StopTrials(kInterruptedReason);
      absl::StatusOr<RunResult> result =
          Result(RunOutcome::kInterrupted, std::string(kExperimentInterruptedReason),
                 absl::StrCat("interrupted by ", strsignal(*signal), "; run again with the same workdir to resume"));
      if (result.ok()) result->interrupt_signal = *signal;
      return result;
    }
  }
}

// Katib's ReconcileTrials: keep min(parallel, max - completed) trials active.
absl::Status Run::StartTrials(int active, const TrialCounts& counts) {
  const api::ExperimentSpec& spec = experiment_.spec;
  int wanted = spec.parallel_trial_count.value_or(3);
  if (parallel_cap_) wanted = std::min(wanted, *parallel_cap_);
  if (spec.max_trial_count) wanted = std::min(wanted, *spec.max_trial_count - counts.completed());
  const int free = wanted - active;
  if (free <= 0 || (reruns_.empty() && exhausted_)) return absl::OkStatus();
  std::vector<std::optional<gpu::GpuLease>> places = GpuPlaces(free, active);
  auto next_place = places.begin();
  bool launching = true;  // until the machine cannot start one more
  while (launching && next_place != places.end() && !reruns_.empty()) {
    TrialRecord record = trials_.at(reruns_.front()).record;
    reruns_.erase(reruns_.begin());
    launching = Launch(std::move(record), *next_place++);
  }
  const int unplaced = static_cast<int>(places.end() - next_place);
  if (launching && unplaced > 0 && !exhausted_) {
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
      if (launching) {
        launching = Launch(std::move(record), *next_place++);
      } else {
        reruns_.push_back(record.name);  // to start once there is room
      }
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
    const std::vector<double>& reports = active.collector.digest().objective_reports();
    for (; active.rule_checked < reports.size() && !active.early_stop; ++active.rule_checked) {
      if (!active.stopping_rule->Report(reports[active.rule_checked])) continue;
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
  // Every trial, also those Katib's controller leaves out of its requests
  // (MetricsUnavailable, early stopped without a report): Katib's own
  // services remember all they suggested, and a point whose trial printed
  // no objective must not be suggested again (a misspelled metric name would
  // otherwise rerun the same point forever).
  std::vector<suggestion::AssignmentView> assignments;
  assignments.reserve(record.assignments.size());
  for (const auto& [parameter, value] : record.assignments) assignments.push_back({parameter, value});
  auto objective = std::find_if(view.metrics.begin(), view.metrics.end(),
                                [&](const metrics::MetricSummary& m) { return m.name == objective_name(); });
  const bool reported = objective != view.metrics.end() && objective->available();
  pb::TrialStatus::TrialConditionType condition = Condition(record.status);
  // Succeeded under an earlier objective (a forced resume changed it) and
  // never reported this one: it tells the algorithm nothing, where a
  // succeeded trial's value that is no number means it diverged.
  if (condition == pb::TrialStatus::SUCCEEDED && !reported) condition = pb::TrialStatus::METRICSUNAVAILABLE;
  absl::Status status = suggester_.Observe(record.name, assignments, condition,
                                            reported ? absl::string_view(objective->value()) : absl::string_view());
  if (suggester_error_.ok()) suggester_error_ = status;
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

bool Run::Launch(TrialRecord record, std::optional<gpu::GpuLease> lease) {
  Clock::time_point launched = Clock::now();
  auto fail = [&](const absl::Status& status) {
    if (lease) gpus_->Release(lease->id);
    if (IsTheMachinesFault(status)) {
      Postpone(record.name, status);
      return false;
    }
    FailTrial(std::move(record), "LaunchFailed", std::string(status.message()));
    return true;
  };
  std::filesystem::path trial_dir = TrialDir(record.name);
  if (absl::Status made = MakeEmptyTrialDir(trial_dir); !made.ok()) return fail(made);
  std::span<const std::pair<std::string, std::string>> gpu_env;
  if (lease) gpu_env = lease->env;
  auto spec = planner_.Plan(record, trial_dir, gpu_env);
  if (!spec.ok()) return fail(spec.status());
  auto collector =
      TrialCollector::Create(parser_options_, record.name, planner_.MetricsSourceIn(trial_dir), EmptyDigest());
  if (!collector.ok()) return fail(collector.status());

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
  if (!started.ok()) return fail(started);
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
                                      .early_stop = {},
                                      .metrics_failure = {}});
  TrialView& view = trials_.at(record.name);
  view = TrialView{.record = std::move(record), .metrics = {}};
  Updated(view);
  unwritten_.push_back(view.record.name);
  observer_.OnTrialStarted(view.record);
  return true;
}

void Run::Postpone(const std::string& trial, const absl::Status& why) {
  reruns_.insert(reruns_.begin(), trial);
  const int running = static_cast<int>(active_.size());
  if (running == 0) {
    if (record_failure_.ok()) {
      record_failure_ = absl::Status(why.code(), absl::StrCat("cannot start trial ", trial, ": ", why.message()));
    }
    return;
  }
  if (!parallel_cap_ || running < *parallel_cap_) {
    parallel_cap_ = running;
    observer_.OnMessage(absl::StrFormat("%s could not start (%s); running at most %d trial%s at a time from now on",
                                        trial, why.message(), running, running == 1 ? "" : "s"));
  }
}

void Run::FailTrial(TrialRecord record, std::string reason, std::string message) {
  record.status = TrialStatus::kFailed;
  record.reason = std::move(reason);
  record.message = std::move(message);
  record.start_us = record.end_us = NowMicros();
  TrialView& view = trials_.at(record.name);
  view = TrialView{.record = std::move(record), .metrics = {}};
  Updated(view);
  unwritten_.push_back(view.record.name);
  ended_.push_back({.trial = view.record.name, .exited_at = std::nullopt});
}

void Run::OnOutput(const std::string& trial, OutputStream stream, std::string_view chunk) {
  auto it = active_.find(trial);
  if (it == active_.end()) return;
  Active& active = it->second;
  if (!active.first_line && chunk.find('\n') != std::string_view::npos) active.first_line = Clock::now();
  active.collector.OnOutput(stream, chunk);
}

void Run::OnTrialEnd(const std::string& trial, const TrialEnd& end) {
  auto it = active_.find(trial);
  if (it == active_.end()) return;
  Active& active = it->second;
  NoteMetricsFailure(trial, active, active.collector.Finish(*store_));
  const absl::Status metrics_failure = active.metrics_failure;
  if (active.first_line) {
    overhead_.launch_to_first_line_ms.push_back(Milliseconds(*active.first_line - active.launched));
  }
  TrialView& view = trials_.at(trial);
  view.metrics = active.collector.digest().Summaries();
  TrialRecord& record = view.record;
  if (active.gpu_lease) {
    const gpu::GpuUsage usage = gpus_->Release(*active.gpu_lease);
    record.gpu_peak_memory_bytes = static_cast<int64_t>(usage.peak_bytes);
    record.gpu_mean_utilization = usage.mean_utilization;
  }
  TrialEnding ending{.exit = end.exit,
                     .stopped = end.stopped,
                     .stop_reason = stop_reason_,
                     .timed_out = end.timed_out,
                     .timeout = options_.trial_timeout,
                     .gpu_overrun = std::move(active.gpu_overrun),
                     .early_stop = std::move(active.early_stop),
                     .objective_available = !view.metrics.empty() && view.metrics.front().available(),
                     .objective_metric_name = objective_name(),
                     .parser_warning = {},
                     .stderr_log = {},
                     .unwritten_metrics = {}};
  if (!ending.objective_available && !active.collector.MetricsWritten()) {
    const MetricsSource copy = planner_.MetricsSourceIn(TrialDir(trial));
    ending.unwritten_metrics = {.named = planner_.metrics_source().path,
                                .copy = copy.path,
                                .event_directory = copy.kind == MetricsSource::Kind::kEventDirectory};
  }
  if (const std::vector<std::string>& warnings = active.collector.warnings(); !warnings.empty()) {
    ending.parser_warning = warnings.front();
    const size_t more = warnings.size() - 1 + active.collector.suppressed_warnings();
    observer_.OnMessage(absl::StrCat(trial, ": metrics ", ending.parser_warning,
                                     more > 0 ? absl::StrCat(" (and ", more, " more)") : ""));
  }
  // For the early-stopping rule, should it succeed.
  std::vector<double> objective_reports = active.collector.digest().objective_reports();
  active_.erase(it);

  record.end_us = NowMicros();
  if (!end.exit.signaled) record.exit_code = end.exit.exit_code;
  TakeObjectiveOf(view);
  if (!end.exit.success()) {
    std::filesystem::path stderr_log = TrialDir(trial) / "stderr.log";
    std::error_code error;
    if (std::filesystem::exists(stderr_log, error)) ending.stderr_log = std::move(stderr_log);
  }
  // Its result would rest on metrics partly lost; it runs again on resume.
  TrialOutcome outcome =
      metrics_failure.ok()
          ? ConcludeTrial(ending)
          : TrialOutcome{TrialStatus::kKilled, std::string(kInterruptedReason),
                         absl::StrCat("its metrics could not all be stored (", metrics_failure.message(), ")")};
  record.status = outcome.status;
  record.reason = std::move(outcome.reason);
  record.message = std::move(outcome.message);
  if (median_stop_ && record.status == TrialStatus::kSucceeded) median_stop_->AddSucceeded(trial, objective_reports);
  Updated(view);
  ended_.push_back({.trial = trial, .exited_at = end.exited_at});
}

// Group commit. The store's writes are committed together, once trials have
// ended, or else at least once per kTick while trials run (their starts and
// metrics: a kill -9 loses what came since, and those trials run again on
// resume anyway); each commit takes the running trials' new metrics along.
// Trials are reported finished only once an fsync has made their results
// durable: at most one fsync per kSyncInterval, for all the trials that
// ended since the last. A kill -9 before the commit leaves them Running
// (they run again on resume); a power cut before the fsync at worst loses
// the commits since the last one, never an earlier result.
void Run::RecordEnded(Sync sync) {
  const Clock::time_point now = Clock::now();
  const bool sync_time = sync == Sync::kNow || now >= last_sync_ + kSyncInterval;
  const bool commit_time = sync == Sync::kNow || !ended_.empty() || now >= last_commit_ + kTick;
  if (!commit_time && !(sync_time && !unsynced_.empty())) return;
  last_commit_ = now;
  FlushCollectors();
  std::vector<TrialRecord> records;
  records.reserve(unwritten_.size() + ended_.size());
  std::vector<std::string> started;  // and still running
  for (const std::string& trial : unwritten_) {
    records.push_back(trials_.at(trial).record);
    if (active_.contains(trial)) started.push_back(trial);
  }
  for (const Ended& ended : ended_) {
    if (std::find(unwritten_.begin(), unwritten_.end(), ended.trial) == unwritten_.end()) {
      records.push_back(trials_.at(ended.trial).record);
    }
  }
  unwritten_.clear();
  absl::Status committed = store_->PutTrials(records, metrics::Durability::kProcessCrash);
  if (absl::Status commit = store_->Commit(); committed.ok()) committed = commit;
  if (committed.ok()) {
    const Clock::time_point recorded = Clock::now();
    for (const Ended& ended : ended_) {
      if (ended.exited_at) overhead_.exit_to_recorded_ms.push_back(Milliseconds(recorded - *ended.exited_at));
    }
    unsynced_.insert(unsynced_.end(), ended_.begin(), ended_.end());
  } else {
    // The whole transaction is lost: the trials that ended in it run again
    // on resume, and so must those still running whose metrics it held.
    std::string what = "writing to the store";
    if (!ended_.empty()) {
      what = absl::StrCat("recording ", TrialsText(ended_), " that ended");
    } else if (!started.empty()) {
      what = absl::StrCat("recording the start of ", TrialsText(started));
    }
    NoteRecordFailure(what, committed);
    for (auto& [trial, active] : active_) NoteMetricsFailure(trial, active, committed);
  }
  ended_.clear();
  // After a failed commit, what was committed before it is still reported,
  // if it can be made durable.
  if (unsynced_.empty() || !(sync_time || !committed.ok())) return;
  if (absl::Status synced = store_->Sync(); !synced.ok()) {
    // Results that may not be on disk are not reported as finished, and the
    // run stops. They are committed: a resume keeps them if the system still
    // holds them (no power was lost), and runs them again otherwise.
    NoteRecordFailure(absl::StrCat("making the results of ", TrialsText(unsynced_),
                                   " durable (they are committed, but may not be on disk)"),
                      synced);
    unsynced_.clear();
    return;
  }
  last_sync_ = Clock::now();
  for (const Ended& ended : unsynced_) {
    if (ended.exited_at) overhead_.exit_to_durable_ms.push_back(Milliseconds(last_sync_ - *ended.exited_at));
    observer_.OnTrialEnded(trials_.at(ended.trial));
  }
  unsynced_.clear();
}

void Run::NoteRecordFailure(absl::string_view what, const absl::Status& status) {
  if (status.ok() || !record_failure_.ok()) return;
  record_failure_ = absl::Status(status.code(), absl::StrCat(what, " failed: ", status.message()));
}

std::chrono::milliseconds Run::PollWait() const {
  const Clock::time_point now = Clock::now();
  Clock::time_point until = now + kTick;
  if (!active_.empty()) until = std::min(until, last_commit_ + kTick);  // their starts and metrics
  if (!unsynced_.empty()) until = std::min(until, last_sync_ + kSyncInterval);
  return std::clamp(std::chrono::ceil<std::chrono::milliseconds>(until - now), std::chrono::milliseconds(0), kTick);
}

void Run::FlushCollectors() {
  for (auto& [trial, active] : active_) NoteMetricsFailure(trial, active, active.collector.Flush(*store_));
}

void Run::NoteMetricsFailure(const std::string& trial, Active& active, const absl::Status& status) {
  if (status.ok() || !active.metrics_failure.ok()) return;
  active.metrics_failure = status;
  NoteRecordFailure(absl::StrCat("storing the metrics of ", trial), status);
}

void Run::StopTrials(std::string_view reason) {
  stop_reason_ = reason;
  supervisor_.StopAll(options_.stop_grace);
  RecordEnded(Sync::kNow);
}

absl::StatusOr<RunResult> Run::Result(RunOutcome outcome, std::string reason, std::string message) {
  RecordEnded(Sync::kNow);
  // Not finished after all if what it rests on is not on disk.
  if (!record_failure_.ok()) return record_failure_;
  absl::Status status = store_->SetExperimentStatus(name(), reason);
  if (status.ok()) status = store_->Commit();
  if (status.ok()) status = store_->Sync();
  if (!status.ok()) observer_.OnMessage(absl::StrCat("recording the experiment status failed: ", status.message()));
  RunResult result = Outcome(outcome, std::move(reason), std::move(message));
  for (const std::string& trial : order_) result.trials.push_back(trials_.at(trial));
  result.overhead = overhead_;
  if (!overhead_.exit_to_recorded_ms.empty()) observer_.OnMessage(DescribeEngineOverhead(overhead_));
  return result;
}

}  // namespace

absl::StatusOr<RunResult> RunExperiment(const api::Experiment& experiment, const std::string& spec_text,
                                        const RunOptions& options, RunObserver& observer) {
  absl::StatusOr<CollectorSetup> collector = CollectorSetupOf(experiment);
  if (!collector.ok()) return collector.status();
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
  Run run(experiment, std::move(proto), *std::move(suggester), std::move(median_stop), *std::move(collector),
          options, observer);
  if (absl::Status s = run.Check(); !s.ok()) return s;
  if (absl::Status s = run.Open(spec_text); !s.ok()) return s;
  return run.Loop();
}

}  // namespace hpsearch::runner

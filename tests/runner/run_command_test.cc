// End-to-end tests of `hpsearch run` and `hpsearch trials`: the real binary
// runs real trial processes (tests/runner/fake_trial.cc) in a temporary
// workdir, and the tests read what a user would: exit codes, output, the
// store, summary.json and the trials' own files.
#include <signal.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/katib_time.h"
#include "metrics/objective_store.h"
#include "re2/re2.h"
#include "runner/process.h"
#include "tests/runner/test_util.h"

namespace hpsearch::runner {
namespace {

using test_util::ProcessExists;
using test_util::ReadFile;

using ::testing::Lt;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using namespace std::chrono_literals;
using nlohmann::json;

// The fake trial's loss at an epoch, y left at 0.5.
double FakeLoss(double x, int epoch) { return (x - 0.3) * (x - 0.3) + 0.01 / epoch; }

struct Outcome {
  ExitStatus exit;
  std::string out;
  std::string err;
};

// Experiment YAML with the fake trial as its command; `extra` lines are
// appended to spec (indented by two), `args` to the container's command.
struct ExperimentYaml {
  std::string name = "e2e";
  std::string algorithm = "random";
  std::vector<std::pair<std::string, std::string>> algorithm_settings;
  int parallel = 2;
  int max_trials = 4;
  std::string max_failed = "";
  std::string objective_type = "minimize";
  std::string objective_metric = "loss";
  std::string additional_metric = "accuracy";
  std::string goal = "";
  std::string parameters = R"(
    - name: x
      parameterType: double
      feasibleSpace: {min: "0", max: "1"})";
  std::string trial_parameters = R"(
      - name: x
        reference: x)";
  std::string program = HPSEARCH_FAKE_TRIAL;
  std::vector<std::string> args = {"--x=${trialParameters.x}"};
  std::string container_fields;  // more fields of the trial's container
  std::string extra_spec;

  // Grid search over one categorical parameter, `name`, a trial for each
  // element of `list` (YAML scalars, quoted as they need), given to the fake
  // trial as --<name>=<value>.
  void GridOverList(const std::string& name, const std::vector<std::string>& list) {
    algorithm = "grid";
    max_trials = static_cast<int>(list.size());
    parameters = absl::StrCat("\n    - name: ", name, "\n      parameterType: categorical\n      feasibleSpace: {list: [",
                              absl::StrJoin(list, ", "), "]}");
    trial_parameters = absl::StrCat("\n      - name: ", name, "\n        reference: ", name);
    args = {"--x=0.3", absl::StrCat("--", name, "=${trialParameters.", name, "}")};
  }

  // Katib's File collector on `path`, where the fake trial writes its metrics.
  void CollectFromFile(const std::string& path, const std::string& format = "TEXT") {
    args.push_back("--metrics-file=" + path);
    Collector("File", path, "File", absl::StrCat("\n        format: ", format));
  }

  // Katib's TensorFlowEvent collector on `path`; the fake trial writes its
  // event files in folders under `log_path`.
  void CollectEventFiles(const std::string& path, const std::string& log_path) {
    args.push_back("--tfevent-log-path=" + log_path);
    Collector("TensorFlowEvent", path, "Directory", "");
  }

  void Collector(const std::string& kind, const std::string& path, const std::string& path_kind,
                 const std::string& more_path_fields) {
    absl::StrAppend(&extra_spec, "  metricsCollectorSpec:\n    collector:\n      kind: ", kind,
                    "\n    source:\n      fileSystemPath:\n        path: ", path, "\n        kind: ", path_kind,
                    more_path_fields, "\n");
  }

  std::string Render() const {
    std::string settings;
    for (const auto& [name, value] : algorithm_settings) {
      absl::StrAppend(&settings, "\n      - {name: ", name, ", value: \"", value, "\"}");
    }
    if (!settings.empty()) settings = "\n    algorithmSettings:" + settings;
    std::string command = absl::StrCat("[\"", program, "\"");
    for (const std::string& arg : args) absl::StrAppend(&command, ", \"", arg, "\"");
    command += "]";
    return absl::StrCat(R"(apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata:
  name: )", name, R"(
spec:
  objective:
    type: )", objective_type, "\n", goal.empty() ? "" : absl::StrCat("    goal: ", goal, "\n"),
        "    objectiveMetricName: ", objective_metric, "\n    additionalMetricNames: [", additional_metric, R"(]
  algorithm:
    algorithmName: )", algorithm, settings, R"(
  parallelTrialCount: )", parallel, R"(
  maxTrialCount: )", max_trials, "\n",
        max_failed.empty() ? "" : absl::StrCat("  maxFailedTrialCount: ", max_failed, "\n"), R"(  parameters:)",
        parameters, R"(
  trialTemplate:
    primaryContainerName: training
    trialParameters:)", trial_parameters, R"(
    trialSpec:
      apiVersion: batch/v1
      kind: Job
      spec:
        template:
          spec:
            containers:
              - name: training
                image: docker.io/library/busybox
                command: )", command, container_fields, R"(
            restartPolicy: Never
)", extra_spec);
  }
};

class RunCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_util::FreshTestDir();
    workdir_ = dir_ / "work";
  }

  std::string Write(const ExperimentYaml& experiment) {
    std::filesystem::path file = dir_ / "experiment.yaml";
    std::ofstream(file) << experiment.Render();
    return file.string();
  }

  // Starts hpsearch with `args`, after `wrapper` (a command that runs the
  // rest of its arguments) if any.
  absl::StatusOr<TrialProcess> Start(std::vector<std::string> args, std::vector<std::string> wrapper = {}) {
    args.insert(args.begin(), std::string(HPSEARCH_BIN_DIR) + "/hpsearch");
    args.insert(args.begin(), wrapper.begin(), wrapper.end());
    return TrialProcess::Start(
        {.argv = args, .env = {"PATH=/usr/bin:/bin", "HOME=" + dir_.string()}, .working_dir = dir_});
  }

  // Reads both pipes of a started process to their end and reaps it.
  static Outcome Finish(TrialProcess& process) {
    Outcome outcome;
    while (process.stdout_fd() >= 0 || process.stderr_fd() >= 0) {
      std::vector<pollfd> fds;
      for (int fd : {process.stdout_fd(), process.stderr_fd()}) {
        if (fd >= 0) fds.push_back({.fd = fd, .events = POLLIN, .revents = 0});
      }
      poll(fds.data(), fds.size(), 1000);
      for (const pollfd& p : fds) {
        if (p.revents == 0) continue;
        char buffer[4096];
        ssize_t n = read(p.fd, buffer, sizeof buffer);
        bool is_out = p.fd == process.stdout_fd();
        if (n > 0) {
          (is_out ? outcome.out : outcome.err).append(buffer, n);
        } else if (n == 0 || errno != EAGAIN) {
          is_out ? process.CloseStdout() : process.CloseStderr();
        }
      }
    }
    outcome.exit = process.Wait();
    return outcome;
  }

  Outcome Hpsearch(std::vector<std::string> args, std::vector<std::string> wrapper = {}) {
    auto process = Start(std::move(args), std::move(wrapper));
    EXPECT_TRUE(process.ok()) << process.status();
    return Finish(*process);
  }

  Outcome Run(const ExperimentYaml& experiment, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"run", Write(experiment), "--workdir", workdir_.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return Hpsearch(args);
  }

  json Trials() {
    Outcome listed = Hpsearch({"trials", "--workdir", workdir_.string(), "--format", "json"});
    EXPECT_TRUE(listed.exit.success()) << listed.err;
    return json::parse(listed.out);
  }

  std::filesystem::path TrialDir(const std::string& trial) const { return workdir_ / "trials" / trial; }

  // A wrapper for hpsearch that leaves it the workdir to read but not to
  // write, as another user's results: as root, it runs hpsearch as nobody
  // (the workdir stays root's, others may read it); otherwise the workdir is
  // read-only until WorkdirWritableAgain(). nullopt where neither can be.
  std::optional<std::vector<std::string>> WithoutWriteAccess() {
    if (geteuid() != 0) {
      std::filesystem::permissions(workdir_, std::filesystem::perms::owner_write,
                                   std::filesystem::perm_options::remove);
      return std::vector<std::string>{};
    }
    std::vector<std::string> nobody = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                       "--clear-groups"};
    std::vector<std::string> check = nobody;
    check.push_back("/bin/true");
    auto started = TrialProcess::Start({.argv = check, .env = {}, .working_dir = dir_});
    if (!started.ok() || !Finish(*started).exit.success()) return std::nullopt;
    return nobody;
  }
  void WorkdirWritableAgain() {
    std::filesystem::permissions(workdir_, std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::add);
  }

  // The loss observations of each trial in the store, as numbers.
  std::map<std::string, std::vector<double>> StoredLosses(const json& trials) const {
    std::map<std::string, std::vector<double>> losses;
    auto store = metrics::ObjectiveStore::Open((workdir_ / "store.db").string(), {.read_only = true});
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return losses;
    for (const json& trial : trials) {
      auto log = (*store)->GetObservations(trial["name"].get<std::string>(), {.metric = "loss"});
      EXPECT_TRUE(log.ok()) << log.status();
      if (!log.ok()) continue;
      for (const metrics::StoredObservation& entry : *log) losses[trial["name"]].push_back(*entry.numeric);
    }
    return losses;
  }

  // What the store holds now, read as `hpsearch trials` reads it while a
  // run goes on: the trials (none while it cannot be read yet) ...
  std::vector<metrics::TrialRecord> StoredTrials() const {
    auto store = metrics::ObjectiveStore::Open((workdir_ / "store.db").string(), {.read_only = true});
    if (!store.ok()) return {};
    auto trials = (*store)->ListTrials("e2e");
    return trials.ok() ? *std::move(trials) : std::vector<metrics::TrialRecord>{};
  }
  int StoredTrialCount(metrics::TrialStatus status, const std::string& name = "") const {
    const std::vector<metrics::TrialRecord> trials = StoredTrials();
    return static_cast<int>(std::count_if(trials.begin(), trials.end(), [&](const metrics::TrialRecord& t) {
      return t.status == status && (name.empty() || t.name == name);
    }));
  }
  // ... and a trial's log of `metric`.
  std::vector<metrics::StoredObservation> StoredLog(const std::string& trial, const std::string& metric) const {
    auto store = metrics::ObjectiveStore::Open((workdir_ / "store.db").string(), {.read_only = true});
    if (!store.ok()) return {};
    auto log = (*store)->GetObservations(trial, {.metric = metric});
    return log.ok() ? *std::move(log) : std::vector<metrics::StoredObservation>{};
  }

  std::filesystem::path dir_;
  std::filesystem::path workdir_;
};

TEST_F(RunCommandTest, RandomSearchRunsToMaxTrialCount) {
  ExperimentYaml experiment;
  experiment.max_trials = 5;
  Outcome run = Run(experiment);
  ASSERT_TRUE(run.exit.success()) << run.err;
  EXPECT_THAT(run.err, HasSubstr("Experiment has succeeded because max trial count has reached"));

  json trials = Trials();
  ASSERT_THAT(trials, SizeIs(5));
  std::set<std::string> names;
  for (const json& trial : trials) {
    names.insert(trial["name"].get<std::string>());
    EXPECT_EQ(trial["status"], "Succeeded") << trial.dump();
    double x = std::stod(trial["parameters"]["x"].get<std::string>());
    // Minimum strategy over three epochs: the last, smallest one.
    EXPECT_NEAR(trial["objective"].get<double>(), FakeLoss(x, 3), 1e-4);
    EXPECT_FALSE(trial["metrics"]["accuracy"].is_null());
    EXPECT_TRUE(std::filesystem::exists(TrialDir(trial["name"]) / "stdout.log"));
  }
  EXPECT_THAT(names, SizeIs(5));

  json summary = json::parse(ReadFile(workdir_ / "summary.json"));
  EXPECT_EQ(summary["reason"], "ExperimentMaxTrialsReached");
  double best = summary["bestTrial"]["objective"].get<double>();
  for (const json& trial : trials) EXPECT_LE(best, trial["objective"].get<double>());
  // The table on stdout lists the best trial first.
  std::vector<std::string> lines = absl::StrSplit(run.out, '\n', absl::SkipEmpty());
  ASSERT_THAT(lines, SizeIs(6));
  EXPECT_THAT(lines[1], HasSubstr(summary["bestTrial"]["name"].get<std::string>()));

  // The engine's own overhead, one sample per trial (bench/runner.md).
  EXPECT_THAT(run.err, HasSubstr("engine overhead per trial"));
  for (const char* latency :
       {"launchToStartedMs", "launchToFirstLineMs", "exitToRecordedMs", "exitToDurableMs"}) {
    const json& figures = summary["engineOverhead"][latency];
    EXPECT_EQ(figures["count"], 5) << latency;
    EXPECT_LE(figures["p50"].get<double>(), figures["p99"].get<double>()) << latency;
    EXPECT_LE(figures["p99"].get<double>(), figures["max"].get<double>()) << latency;
  }
  EXPECT_LE(summary["engineOverhead"]["exitToRecordedMs"]["max"].get<double>(),
            summary["engineOverhead"]["exitToDurableMs"]["max"].get<double>());

  Outcome csv = Hpsearch({"trials", "--workdir", workdir_.string(), "--format", "csv"});
  EXPECT_THAT(csv.out, HasSubstr("trial,status,loss,accuracy,x,reason,message\r\n"));
}

TEST_F(RunCommandTest, GridSearchCoversEveryPointOnce) {
  ExperimentYaml experiment;
  experiment.algorithm = "grid";
  experiment.parallel = 3;
  experiment.max_trials = 6;
  experiment.parameters = R"(
    - name: x
      parameterType: double
      feasibleSpace: {min: "0.1", max: "0.3", step: "0.1"}
    - name: y
      parameterType: discrete
      feasibleSpace: {list: ["0.5", "0.6"]})";
  experiment.trial_parameters += R"(
      - name: y
        reference: y)";
  experiment.args.push_back("--y=${trialParameters.y}");
  Outcome run = Run(experiment);
  ASSERT_TRUE(run.exit.success()) << run.err;
  std::set<std::pair<std::string, std::string>> points;
  for (const json& trial : Trials()) {
    points.emplace(trial["parameters"]["x"], trial["parameters"]["y"]);
  }
  EXPECT_EQ(points, (std::set<std::pair<std::string, std::string>>{
                        {"0.1", "0.5"}, {"0.1", "0.6"}, {"0.2", "0.5"},
                        {"0.2", "0.6"}, {"0.3", "0.5"}, {"0.3", "0.6"}}));
}

TEST_F(RunCommandTest, BayesianOptimizationRunsToMaxTrialCount) {
  ExperimentYaml experiment;
  experiment.algorithm = "bayesianoptimization";
  experiment.algorithm_settings = {{"n_initial_points", "4"}, {"random_state", "3"}};
  experiment.max_trials = 8;
  Outcome run = Run(experiment);
  ASSERT_TRUE(run.exit.success()) << run.err;
  json trials = Trials();
  ASSERT_THAT(trials, SizeIs(8));
  std::set<std::string> points;
  for (const json& trial : trials) {
    EXPECT_EQ(trial["status"], "Succeeded") << trial.dump();
    points.insert(trial["parameters"]["x"].get<std::string>());
  }
  EXPECT_THAT(points, SizeIs(8)) << "no point suggested twice";
}

TEST_F(RunCommandTest, TrialsRunInParallel) {
  std::filesystem::create_directories(dir_ / "barrier");
  ExperimentYaml experiment;
  experiment.parallel = 3;
  experiment.max_trials = 3;
  experiment.args.push_back("--barrier-dir=" + (dir_ / "barrier").string());
  experiment.args.push_back("--barrier-count=3");
  Outcome run = Run(experiment);
  ASSERT_TRUE(run.exit.success()) << run.err;
  int trials_seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_ / "barrier")) {
    if (entry.path().filename().string().rfind("seen.", 0) != 0) continue;
    ++trials_seen;
    EXPECT_EQ(ReadFile(entry.path()), "3") << "each trial saw all three running at once";
  }
  EXPECT_EQ(trials_seen, 3);
}

TEST_F(RunCommandTest, MaxFailedTrialCountFailsTheExperiment) {
  ExperimentYaml experiment;
  experiment.parallel = 1;
  experiment.max_trials = 10;
  experiment.max_failed = "2";
  experiment.args.push_back("--mode=crash");
  Outcome run = Run(experiment);
  EXPECT_EQ(run.exit.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("Experiment has failed because max failed count has reached"));
  json trials = Trials();
  ASSERT_THAT(trials, SizeIs(2));
  for (const json& trial : trials) {
    EXPECT_EQ(trial["status"], "Failed");
    EXPECT_THAT(trial["message"].get<std::string>(), HasSubstr("killed by signal 6"));
    EXPECT_THAT(trial["message"].get<std::string>(), HasSubstr("; see "));  // its stderr.log
    EXPECT_THAT(ReadFile(TrialDir(trial["name"]) / "stderr.log"), HasSubstr("finished epoch 1"));
  }
}

TEST_F(RunCommandTest, ReachingTheGoalStopsTheExperiment) {
  ExperimentYaml experiment;
  experiment.parallel = 1;
  experiment.max_trials = 10;
  experiment.goal = "2";  // every trial's loss is below 2
  Outcome run = Run(experiment);
  ASSERT_TRUE(run.exit.success()) << run.err;
  EXPECT_THAT(run.err, HasSubstr("Experiment has succeeded because Objective goal has reached"));
  EXPECT_THAT(Trials(), SizeIs(1));
}

TEST_F(RunCommandTest, GarbageOutputStillYieldsTheObjectiveAndSilenceIsUnavailable) {
  ExperimentYaml experiment;
  experiment.GridOverList("mode", {"garbage", "silent"});
  experiment.parallel = 1;
  Outcome run = Run(experiment);
  ASSERT_TRUE(run.exit.success()) << run.err;
  for (const json& trial : Trials()) {
    if (trial["parameters"]["mode"] == "garbage") {
      EXPECT_EQ(trial["status"], "Succeeded");
      EXPECT_NEAR(trial["objective"].get<double>(), 0.01 / 3, 1e-6);
    } else {
      EXPECT_EQ(trial["status"], "MetricsUnavailable");
      EXPECT_TRUE(trial["objective"].is_null());
    }
  }
}

// A misspelled objective name makes every trial MetricsUnavailable; Katib
// leaves such trials out of its requests, yet their points must not come
// back, or the grid would rerun its first point forever.
TEST_F(RunCommandTest, PointsOfTrialsWithoutMetricsAreNotSuggestedAgain) {
  for (const std::string algorithm : {"grid", "bayesianoptimization"}) {
    std::filesystem::remove_all(workdir_);
    ExperimentYaml experiment;
    experiment.algorithm = algorithm;
    experiment.algorithm_settings = {};
    if (algorithm == "bayesianoptimization") experiment.algorithm_settings = {{"n_initial_points", "1"}};
    experiment.parallel = 1;
    experiment.max_trials = 4;
    experiment.parameters = R"(
    - name: x
      parameterType: discrete
      feasibleSpace: {list: ["0.1", "0.2", "0.3", "0.4"]})";
    experiment.args = {"--x=${trialParameters.x}", "--mode=silent"};
    Outcome run = Run(experiment);
    ASSERT_TRUE(run.exit.success()) << run.err;
    std::set<std::string> points;
    for (const json& trial : Trials()) {
      EXPECT_EQ(trial["status"], "MetricsUnavailable");
      points.insert(trial["parameters"]["x"].get<std::string>());
    }
    EXPECT_THAT(points, SizeIs(4)) << algorithm;
  }
}

TEST_F(RunCommandTest, ParameterValuesArriveVerbatimInArgv) {
  const std::vector<std::string> hostile = {"a b", "it's \"quoted\"", "x; touch pwned1",
                                            "$(touch pwned2)", "`touch pwned3`"};
  std::vector<std::string> quoted;
  for (const std::string& value : hostile) quoted.push_back("'" + absl::StrReplaceAll(value, {{"'", "''"}}) + "'");
  ExperimentYaml experiment;
  experiment.GridOverList("text", quoted);
  experiment.args.push_back("--args-file=args.bin");
  Outcome run = Run(experiment);
  ASSERT_TRUE(run.exit.success()) << run.err;

  std::set<std::string> received;
  for (const json& trial : Trials()) {
    std::vector<std::string> argv = absl::StrSplit(ReadFile(TrialDir(trial["name"]) / "args.bin"), '\0');
    ASSERT_GE(argv.size(), 3u);
    received.insert(argv[2]);
  }
  std::set<std::string> expected;
  for (const std::string& value : hostile) expected.insert("--text=" + value);
  EXPECT_EQ(received, expected);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_)) {
    EXPECT_THAT(entry.path().filename().string(), ::testing::Not(HasSubstr("pwned")));
  }
}

TEST_F(RunCommandTest, TrialTimeoutFailsTheTrial) {
  ExperimentYaml experiment;
  experiment.parallel = 1;
  experiment.max_trials = 1;
  experiment.args.push_back("--mode=hang");
  Outcome run = Run(experiment, {"--trial-timeout", "0.5"});
  ASSERT_TRUE(run.exit.success()) << run.err;
  json trial = Trials().at(0);
  EXPECT_EQ(trial["status"], "Failed");
  EXPECT_EQ(trial["reason"], "Timeout");
}

// A NUL would cut a value short on its way into argv or the environment:
// such a trial does not start, and says why; the others run.
TEST_F(RunCommandTest, AValueWithANulCharacterFailsItsTrialToLaunch) {
  ExperimentYaml experiment;
  experiment.GridOverList("text", {"plain", "\"in\\0argv\""});
  experiment.parallel = 1;
  Outcome run = Run(experiment);
  EXPECT_EQ(run.exit.exit_code, 0) << run.err;
  std::map<std::string, json> by_value;
  for (const json& trial : Trials()) by_value[trial["parameters"]["text"].get<std::string>()] = trial;
  ASSERT_THAT(by_value, SizeIs(2));
  EXPECT_EQ(by_value["plain"]["status"], "Succeeded");
  const json& nul = by_value[std::string("in\0argv", 7)];
  EXPECT_EQ(nul["status"], "Failed");
  EXPECT_EQ(nul["reason"], "LaunchFailed");
  EXPECT_EQ(nul["message"], "argument 2 of the command, \"--text=in\\000argv\" holds a NUL character, "
                            "which no program can be given");
}

// The store lists trials in the order it first got them, and a resumed run
// reads them back so: in the order they were created, also when a later one
// is written first (here the first fails to launch, and the second starts
// in the same turn).
TEST_F(RunCommandTest, TrialsAreListedInTheOrderTheyWereCreated) {
  ExperimentYaml experiment;
  experiment.GridOverList("text", {"plain", "\"in\\0argv\""});  // grid takes the last first
  experiment.parallel = 2;
  Outcome run = Run(experiment);
  EXPECT_EQ(run.exit.exit_code, 0) << run.err;
  std::vector<std::string> names;
  for (const json& trial : Trials()) names.push_back(trial["name"]);
  EXPECT_THAT(names, ::testing::ElementsAre("e2e-0001", "e2e-0002"));
}

// A time so long that its deadline would wrap around to the past would time
// trials out at once, or kill them without a grace period: refused.
TEST_F(RunCommandTest, TimesThatAreNotANumberOfSecondsAreRefused) {
  const std::string file = Write(ExperimentYaml{});
  for (const char* flag : {"--trial-timeout", "--stop-grace"}) {
    for (const char* bad : {"-1", "nan", "inf", "9.3e9", "1e300", "10s"}) {
      Outcome run = Hpsearch({"run", file, "--workdir", workdir_.string(), flag, bad});
      EXPECT_EQ(run.exit.exit_code, 2) << flag << " " << bad;
      EXPECT_THAT(run.err, HasSubstr(absl::StrCat("expected a number of seconds from 0 to 1e9 (about 31 years), got \"",
                                                  bad, "\"")));
      EXPECT_THAT(run.err, HasSubstr(flag));
    }
  }
  EXPECT_FALSE(std::filesystem::exists(workdir_)) << "nothing ran";
}

TEST_F(RunCommandTest, ATrialIgnoringSigtermIsKilledAfterTheStopGrace) {
  ExperimentYaml experiment;
  experiment.parallel = 1;
  experiment.max_trials = 1;
  experiment.args.push_back("--mode=stubborn");
  // A timeout long enough for the trial to ignore SIGTERM however slowly it starts.
  Outcome run = Run(experiment, {"--trial-timeout", "1", "--stop-grace", "0.2"});
  ASSERT_TRUE(run.exit.success()) << run.err;
  json trial = Trials().at(0);
  EXPECT_EQ(trial["reason"], "Timeout");
  EXPECT_THAT(trial["message"].get<std::string>(),
              HasSubstr("exceeded the trial timeout of 1.0 s (killed by signal 9 (Killed))"));
  // Killed 0.2 s after the timeout, not after a fixed 5 s.
  auto start = metrics::ParseRfc3339(trial["startTime"].get<std::string>());
  auto end = metrics::ParseRfc3339(trial["completionTime"].get<std::string>());
  ASSERT_TRUE(start && end);
  EXPECT_LT(end->micros() - start->micros(), 3'000'000);
}

// Each trial writes its own copy of the file, under its folder: the path is
// rewritten where it is a whole path in the args and env, and nowhere else.
TEST_F(RunCommandTest, FileCollectorFollowsTheTrialsOwnMetricsFile) {
  ExperimentYaml experiment;
  experiment.max_trials = 2;
  experiment.CollectFromFile("/var/log/katib/metrics.log");
  const std::vector<std::string> other_paths = {"--a=/var/log/katib/metrics.log.1", "/var/log/katib/metrics.logs/x",
                                                "/data/var/log/katib/metrics.log"};
  experiment.args.insert(experiment.args.end(), other_paths.begin(), other_paths.end());
  experiment.args.push_back("--uri=file:///var/log/katib/metrics.log");
  experiment.args.push_back("--args-file=args.bin");
  experiment.args.push_back("--env-file=env.bin");
  experiment.container_fields = R"(
                env: [{name: METRICS, value: "/var/log/katib/metrics.log"}])";
  Outcome run = Run(experiment);
  ASSERT_TRUE(run.exit.success()) << run.err;
  for (const json& trial : Trials()) {
    EXPECT_EQ(trial["status"], "Succeeded") << trial.dump();
    const std::filesystem::path own = TrialDir(trial["name"]) / "fs/var/log/katib/metrics.log";
    EXPECT_TRUE(std::filesystem::exists(own));
    const std::string argv = ReadFile(TrialDir(trial["name"]) / "args.bin");
    EXPECT_THAT(argv, HasSubstr('\0' + ("--metrics-file=" + own.string()) + '\0'));
    EXPECT_THAT(argv, HasSubstr('\0' + ("--uri=file://" + own.string()) + '\0'));
    for (const std::string& other : other_paths) EXPECT_THAT(argv, HasSubstr('\0' + other + '\0'));
    EXPECT_THAT(ReadFile(TrialDir(trial["name"]) / "env.bin"), HasSubstr('\0' + ("METRICS=" + own.string()) + '\0'));
  }
}

// Katib's TFJob example: the trial is told the folder above the collected
// one, and writes event files in its train/ and test/ folders. Each trial
// gets its own, and the objective comes from test/ alone.
TEST_F(RunCommandTest, TensorFlowEventCollectorReadsTheTrialsOwnEventFiles) {
  ExperimentYaml experiment;
  experiment.max_trials = 2;
  experiment.CollectEventFiles("/mnist-logs/test", "/mnist-logs");
  const std::vector<std::string> other_paths = {"--data=/mnist-logs/data", "/mnist-logs-old", "/data/mnist-logs"};
  experiment.args.insert(experiment.args.end(), other_paths.begin(), other_paths.end());
  experiment.args.push_back("--below=/mnist-logs/test/run-1");
  experiment.args.push_back("--args-file=args.bin");
  Outcome run = Run(experiment);
  ASSERT_TRUE(run.exit.success()) << run.err;
  for (const json& trial : Trials()) {
    EXPECT_EQ(trial["status"], "Succeeded") << trial.dump();
    const double x = std::stod(trial["parameters"]["x"].get<std::string>());
    EXPECT_NEAR(trial["objective"].get<double>(), FakeLoss(x, 3), 1e-4);  // not train/'s, 1 lower
    // Katib's default strategy for it is the objective's, min: the first epoch's.
    EXPECT_NEAR(std::stod(trial["metrics"]["accuracy"].get<std::string>()), 1 - FakeLoss(x, 1), 1e-4);
    const std::filesystem::path own = TrialDir(trial["name"]) / "fs/mnist-logs";
    EXPECT_FALSE(std::filesystem::is_empty(own / "test"));
    const std::string argv = ReadFile(TrialDir(trial["name"]) / "args.bin");
    EXPECT_THAT(argv, HasSubstr('\0' + ("--tfevent-log-path=" + own.string()) + '\0'));
    EXPECT_THAT(argv, HasSubstr('\0' + ("--below=" + (own / "test/run-1").string()) + '\0'));
    for (const std::string& other : other_paths) EXPECT_THAT(argv, HasSubstr('\0' + other + '\0'));
  }
}

// Most likely it built the path itself: the message says where it was
// expected to write.
TEST_F(RunCommandTest, ATrialWritingNoEventFileIsToldWhereTheyWereExpected) {
  ExperimentYaml experiment;
  experiment.parallel = experiment.max_trials = 1;
  experiment.CollectEventFiles("/mnist-logs/test", "/mnist-logs");
  experiment.args.back() = "--tfevent-log-path=" + (dir_ / "elsewhere").string();
  Outcome run = Run(experiment);
  json trial = Trials().at(0);
  EXPECT_EQ(trial["status"], "MetricsUnavailable") << run.err;
  EXPECT_THAT(trial["message"].get<std::string>(),
              HasSubstr("it wrote no event file under " + (TrialDir("e2e-0001") / "fs/mnist-logs/test").string() +
                        ", its own copy of /mnist-logs/test"));
}

// `hpsearch run ... | head` or a `| tee` that died with the terminal: the
// next line written finds no reader, and the run stops as if interrupted,
// its trials recorded, instead of dying on SIGPIPE with them left Running.
TEST_F(RunCommandTest, AReaderGoneStopsTheRunAsAnInterrupt) {
  ExperimentYaml experiment;
  experiment.parallel = 2;
  experiment.max_trials = 100;
  experiment.program = "/bin/sh";
  // The first trial runs until stopped and takes a second to clean up; the
  // others end at once, so that the engine keeps writing lines.
  experiment.args = {"-c",
                     "trap 'sleep 1; touch cleaned; exit 0' TERM; echo loss=${trialParameters.x}; "
                     "case $HPSEARCH_TRIAL_NAME in *-0001) sleep 30 & wait ;; *) sleep 0.05 ;; esac"};
  auto process = Start({"run", Write(experiment), "--workdir", workdir_.string()});
  ASSERT_TRUE(process.ok());
  // The first trial has set its trap once it has printed; a third trial
  // means the engine is writing lines.
  auto first_trapped = [&] { return ReadFile(TrialDir("e2e-0001") / "stdout.log").find("loss=") != std::string::npos; };
  for (int i = 0; i < 6000 && !(first_trapped() && std::filesystem::exists(TrialDir("e2e-0003"))); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(first_trapped());
  ASSERT_TRUE(std::filesystem::exists(TrialDir("e2e-0003")));
  process->CloseStdout();
  process->CloseStderr();
  const ExitStatus exit = process->Wait();
  EXPECT_FALSE(exit.signaled) << exit.Describe();
  EXPECT_EQ(exit.exit_code, 128 + SIGPIPE);
  // It had its grace period, though every later line raised a SIGPIPE too.
  EXPECT_TRUE(std::filesystem::exists(TrialDir("e2e-0001") / "cleaned"));
  json trials = Trials();
  ASSERT_THAT(trials.size(), Lt(100u));
  for (const json& trial : trials) EXPECT_NE(trial["status"], "Running") << trial.dump();
}

TEST_F(RunCommandTest, ASummaryThatCannotBeWrittenIsAnError) {
  ExperimentYaml experiment;
  experiment.max_trials = 2;
  std::filesystem::create_directories(workdir_ / "summary.json");
  Outcome run = Run(experiment);
  EXPECT_EQ(run.exit.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("Experiment has succeeded because max trial count has reached"));
  EXPECT_THAT(run.err, HasSubstr("error: cannot rename " + (workdir_ / "summary.json.tmp").string() + " to " +
                                 (workdir_ / "summary.json").string() +
                                 ": Is a directory; the trials are in " + (workdir_ / "store.db").string()));
  EXPECT_FALSE(std::filesystem::exists(workdir_ / "summary.json.tmp"));
  EXPECT_THAT(Trials(), SizeIs(2));
}

// summary.json is replaced whole or not at all: a write that fails midway
// (here on a full disk) leaves the previous one as it was.
TEST_F(RunCommandTest, ASummaryThatCannotBeReplacedIsKeptAsItWas) {
  ExperimentYaml experiment;
  experiment.max_trials = 2;
  experiment.extra_spec = "  resumePolicy: LongRunning\n";
  ASSERT_TRUE(Run(experiment).exit.success());
  const std::string first = ReadFile(workdir_ / "summary.json");
  ASSERT_THAT(json::parse(first)["trials"], SizeIs(2));

  std::filesystem::create_symlink("/dev/full", workdir_ / "summary.json.tmp");
  experiment.max_trials = 3;
  Outcome full = Run(experiment);
  EXPECT_EQ(full.exit.exit_code, 1);
  EXPECT_THAT(full.err, HasSubstr("error: cannot write " + (workdir_ / "summary.json.tmp").string() +
                                  ": No space left on device; the trials are in"));
  EXPECT_EQ(ReadFile(workdir_ / "summary.json"), first);
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(workdir_ / "summary.json.tmp")));
  EXPECT_THAT(Trials(), SizeIs(3));

  experiment.max_trials = 4;
  ASSERT_TRUE(Run(experiment).exit.success());
  EXPECT_THAT(json::parse(ReadFile(workdir_ / "summary.json"))["trials"], SizeIs(4));
}

// Another user's results, or a read-only mount: `hpsearch trials` lists
// them, and `hpsearch run` says plainly that it cannot write there.
TEST_F(RunCommandTest, AWorkdirThatCannotBeWrittenIsListedButNotRun) {
  ExperimentYaml experiment;
  ASSERT_TRUE(Run(experiment).exit.success());
  const auto wrapper = WithoutWriteAccess();
  if (!wrapper) GTEST_SKIP() << "hpsearch cannot run as another user here";
  Outcome listed = Hpsearch({"trials", "--workdir", workdir_.string(), "--format", "json"}, *wrapper);
  Outcome resumed = Hpsearch({"run", Write(experiment), "--workdir", workdir_.string()}, *wrapper);
  WorkdirWritableAgain();
  ASSERT_TRUE(listed.exit.success()) << listed.err;
  EXPECT_THAT(json::parse(listed.out), SizeIs(4));
  EXPECT_EQ(resumed.exit.exit_code, 1);
  EXPECT_THAT(resumed.err,
              HasSubstr("error: cannot write in workdir " + workdir_.string() + ": Permission denied"));
}

TEST_F(RunCommandTest, AnExistingWorkdirThatCannotBeWrittenIsNotCalledOneToCreate) {
  std::filesystem::create_directories(workdir_);
  const auto wrapper = WithoutWriteAccess();
  if (!wrapper) GTEST_SKIP() << "hpsearch cannot run as another user here";
  Outcome run = Hpsearch({"run", Write(ExperimentYaml()), "--workdir", workdir_.string()}, *wrapper);
  WorkdirWritableAgain();
  EXPECT_EQ(run.exit.exit_code, 1);
  EXPECT_THAT(run.err,
              HasSubstr("error: cannot write in workdir " + workdir_.string() + ": Permission denied"));
}

// Katib's StdOut collector reads stdout and stderr (`2>&1`): Katib's own
// training images log their metrics with Python's logging, on stderr.
TEST_F(RunCommandTest, StdOutCollectorReadsMetricsPrintedOnStderr) {
  struct Trial {
    std::string program;
    std::vector<std::string> args;
  };
  std::vector<Trial> trials = {{"/bin/sh", {"-c", "echo loss=${trialParameters.x} >&2"}}};
  if (std::filesystem::exists("/usr/bin/python3")) {
    trials.push_back({"/usr/bin/python3",
                      {"-c", "import logging, sys; logging.basicConfig(level=logging.INFO); "
                             "logging.info('loss=%s', sys.argv[1])",
                       "${trialParameters.x}"}});
  }
  for (const Trial& trial : trials) {
    std::filesystem::remove_all(workdir_);
    ExperimentYaml experiment;
    experiment.max_trials = 2;
    experiment.program = trial.program;
    experiment.args = trial.args;
    Outcome run = Run(experiment);
    ASSERT_TRUE(run.exit.success()) << trial.program << ": " << run.err;
    for (const json& listed : Trials()) {
      EXPECT_EQ(listed["status"], "Succeeded") << trial.program << ": " << listed.dump();
      EXPECT_NEAR(listed["objective"].get<double>(), std::stod(listed["parameters"]["x"].get<std::string>()), 1e-9)
          << trial.program;
      EXPECT_THAT(ReadFile(TrialDir(listed["name"]) / "stderr.log"), HasSubstr("loss="));
      EXPECT_FALSE(std::filesystem::exists(TrialDir(listed["name"]) / "stdout.log"));
    }
  }
}

// Katib's JSON examples report through cloudml-hypertune, which rewrites the
// whole file at every report with its last 100: 70 epochs of two reports
// leave epochs 21 to 70 in it, and that is what Katib stores.
TEST_F(RunCommandTest, FileCollectorStoresWhatAHypertuneFileHoldsInTheEnd) {
  ExperimentYaml experiment;
  experiment.max_trials = 2;
  experiment.CollectFromFile("/katib/mnist.json", "JSON");
  for (const char* arg : {"--metrics-format=json", "--rewrite-keep=100", "--epochs=70", "--sleep-ms=5"}) {
    experiment.args.push_back(arg);
  }
  Outcome run = Run(experiment);
  ASSERT_TRUE(run.exit.success()) << run.err;
  EXPECT_THAT(run.err, Not(HasSubstr("metrics line")));  // no parser warning
  json trials = Trials();
  std::map<std::string, std::vector<double>> losses = StoredLosses(trials);
  for (const json& trial : trials) {
    EXPECT_EQ(trial["status"], "Succeeded") << trial.dump();
    const double x = std::stod(trial["parameters"]["x"].get<std::string>());
    EXPECT_NEAR(trial["objective"].get<double>(), FakeLoss(x, 70), 2e-6);
    const std::vector<double>& stored = losses[trial["name"]];
    ASSERT_THAT(stored, SizeIs(50)) << trial["name"] << ": epochs 21 to 70, none twice";
    EXPECT_NEAR(*std::max_element(stored.begin(), stored.end()), FakeLoss(x, 21), 2e-6);
  }
}

// A file that holds only the latest report, truncated at every one: Katib
// stores that report alone.
TEST_F(RunCommandTest, FileCollectorStoresWhatATruncatedFileHoldsInTheEnd) {
  ExperimentYaml experiment;
  experiment.max_trials = 2;
  experiment.CollectFromFile("/var/log/katib/metrics.log");
  for (const char* arg : {"--rewrite-keep=1", "--epochs=5", "--sleep-ms=20"}) experiment.args.push_back(arg);
  Outcome run = Run(experiment);
  ASSERT_TRUE(run.exit.success()) << run.err;
  json trials = Trials();
  std::map<std::string, std::vector<double>> losses = StoredLosses(trials);
  for (const json& trial : trials) {
    EXPECT_EQ(trial["status"], "Succeeded") << trial.dump();
    const double x = std::stod(trial["parameters"]["x"].get<std::string>());
    ASSERT_THAT(losses[trial["name"]], SizeIs(1)) << trial["name"];
    EXPECT_NEAR(losses[trial["name"]][0], FakeLoss(x, 5), 2e-6);
  }
}

TEST_F(RunCommandTest, InterruptStopsTrialsLeavesNoOrphansAndResumes) {
  ExperimentYaml experiment;
  experiment.parallel = 2;
  experiment.max_trials = 2;
  // Each trial also leaves a daemon behind, out of its process group.
  for (const char* escape : {"--escape-child=60", "--escape-style=daemon", "--escape-pid-file=escapee"}) {
    experiment.args.push_back(escape);
  }
  experiment.args.push_back("--pid-file=pid");
  experiment.args.push_back("--mode=hang");
  std::string file = Write(experiment);
  auto process = Start({"run", file, "--workdir", workdir_.string()});
  ASSERT_TRUE(process.ok());

  std::vector<pid_t> trial_pids;  // the trials' and their daemons'
  int trials_reporting = 0;       // hanging after their first epoch's report
  for (int i = 0; i < 2000 && (trial_pids.size() < 4 || trials_reporting < 2); ++i) {
    std::this_thread::sleep_for(10ms);
    trial_pids.clear();
    trials_reporting = 0;
    for (const char* trial : {"e2e-0001", "e2e-0002"}) {
      for (const char* pid_file : {"escapee", "pid"}) {
        std::string pid = ReadFile(TrialDir(trial) / pid_file);
        if (!pid.empty()) trial_pids.push_back(std::stoi(pid));
      }
      if (ReadFile(TrialDir(trial) / "stdout.log").find("loss=") != std::string::npos) ++trials_reporting;
    }
  }
  ASSERT_EQ(trial_pids.size(), 4u);
  ASSERT_EQ(trials_reporting, 2);
  kill(process->pid(), SIGINT);
  Outcome run = Finish(*process);
  EXPECT_EQ(run.exit.exit_code, 128 + SIGINT) << run.err;
  EXPECT_THAT(run.err, HasSubstr("run again with the same workdir to resume"));
  for (pid_t pid : trial_pids) EXPECT_FALSE(ProcessExists(pid)) << pid;
  for (const json& trial : Trials()) {
    EXPECT_EQ(trial["status"], "Killed");
    EXPECT_EQ(trial["reason"], "Interrupted");
  }

  // The interrupted trials run again, under the same names: as many as a
  // maxTrialCount lowered by force leaves room for, then the rest.
  experiment.args.back() = "--mode=ok";
  experiment.parallel = experiment.max_trials = 1;
  Outcome lowered = Run(experiment, {"--force"});
  ASSERT_TRUE(lowered.exit.success()) << lowered.err;
  EXPECT_THAT(lowered.err,
              HasSubstr("resuming e2e: 2 trials recorded, 1 of the 2 interrupted to run again (maxTrialCount 1)"));
  experiment.parallel = experiment.max_trials = 2;
  Outcome resumed = Run(experiment, {"--force"});
  ASSERT_TRUE(resumed.exit.success()) << resumed.err;
  EXPECT_THAT(resumed.err, HasSubstr("resuming e2e: 2 trials recorded, 1 to run again"));
  json trials = Trials();
  ASSERT_THAT(trials, SizeIs(2));
  EXPECT_EQ(trials[0]["name"], "e2e-0001");
  for (const json& trial : trials) {
    EXPECT_EQ(trial["status"], "Succeeded");
    // The interrupted attempt's output is kept beside the new one's.
    EXPECT_THAT(ReadFile(TrialDir(trial["name"]) / "stdout.log.previous"), HasSubstr("loss="));
    EXPECT_THAT(ReadFile(TrialDir(trial["name"]) / "stdout.log"), HasSubstr("loss="));
  }
  const auto entries = std::filesystem::directory_iterator(workdir_ / "trials");
  EXPECT_EQ(std::distance(begin(entries), end(entries)), 2);  // nothing left aside
}

TEST_F(RunCommandTest, KilledEngineResumesWithNothingLostOrCountedTwice) {
  ExperimentYaml experiment;
  experiment.parallel = 2;
  experiment.max_trials = 6;
  experiment.args.push_back("--sleep-ms=150");
  experiment.args.push_back("--pid-file=pid");
  // Each trial also leaves a process behind that nothing but its trial
  // variables tie to it, as a daemonizing data loader would.
  experiment.args.push_back("--escape-child=60");
  experiment.args.push_back("--escape-pid-file=escapee");
  // Each trial holds after its first epoch until its go file exists: only
  // the first two may finish before the engine is killed, however slowly
  // this test gets to the kill.
  experiment.trial_parameters += R"(
      - name: trialName
        reference: "${trialSpec.Name}")";
  experiment.args.push_back("--wait-for=" + (dir_ / "go").string() + "/${trialParameters.trialName}");
  auto let_go = [&](const std::string& trial) { std::filesystem::create_directories(dir_ / "go" / trial); };
  let_go("e2e-0001");
  let_go("e2e-0002");
  std::string file = Write(experiment);
  auto process = Start({"run", file, "--workdir", workdir_.string()});
  ASSERT_TRUE(process.ok());

  // Kill the engine once two trials are recorded as succeeded ...
  auto succeeded = [&] { return StoredTrialCount(metrics::TrialStatus::kSucceeded); };
  // ... and a third trial, recorded Running, has left its process behind
  // and had its first epoch stored.
  auto third_running = [&] { return StoredTrialCount(metrics::TrialStatus::kRunning, "e2e-0003") == 1; };
  auto third_escaped = [&] { return !ReadFile(TrialDir("e2e-0003") / "escapee").empty(); };
  auto third_observed = [&] { return !StoredLog("e2e-0003", "loss").empty(); };
  for (int i = 0; i < 6000 && (succeeded() < 2 || !third_running() || !third_escaped() || !third_observed()); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(succeeded(), 2);
  ASSERT_TRUE(third_running());
  ASSERT_TRUE(third_escaped());
  ASSERT_TRUE(third_observed()) << "its first epoch stored, to be stored again only once on resume";
  const std::vector<std::string> list = {"trials", "--workdir", workdir_.string()};
  const std::string left_running = "no hpsearch run holds " + workdir_.string();
  EXPECT_THAT(Hpsearch(list).err, Not(HasSubstr(left_running)));
  kill(process->pid(), SIGKILL);
  Finish(*process);
  EXPECT_THAT(Hpsearch(list).err, HasSubstr(left_running));
  EXPECT_THAT(Hpsearch(list).err, HasSubstr("left so by a run that was killed or stopped on an error"));

  // Trials die with their engine; what escaped their process group lives
  // on until the resumed run kills it.
  std::vector<pid_t> escapees;
  for (const auto& entry : std::filesystem::directory_iterator(workdir_ / "trials")) {
    std::string pid = ReadFile(entry.path() / "pid");
    if (pid.empty()) continue;
    for (int i = 0; i < 500 && ProcessExists(std::stoi(pid)); ++i) std::this_thread::sleep_for(10ms);
    EXPECT_FALSE(ProcessExists(std::stoi(pid))) << entry.path();
    if (std::string escapee = ReadFile(entry.path() / "escapee"); !escapee.empty()) {
      if (ProcessExists(std::stoi(escapee))) escapees.push_back(std::stoi(escapee));
    }
  }
  ASSERT_THAT(escapees, Not(IsEmpty()));

  for (const char* trial : {"e2e-0003", "e2e-0004", "e2e-0005", "e2e-0006"}) let_go(trial);
  Outcome resumed = Run(experiment);
  ASSERT_TRUE(resumed.exit.success()) << resumed.err;
  EXPECT_THAT(resumed.err, HasSubstr("resuming e2e"));
  // At least those: a trial caught between its fork and its pid file has
  // one more.
  int killed = 0;
  ASSERT_TRUE(RE2::PartialMatch(resumed.err, R"(killed (\d+) trial processes that an earlier, killed run of)",
                                &killed))
      << resumed.err;
  EXPECT_GE(killed, static_cast<int>(escapees.size()));
  for (pid_t pid : escapees) {
    for (int i = 0; i < 500 && ProcessExists(pid); ++i) std::this_thread::sleep_for(10ms);
    EXPECT_FALSE(ProcessExists(pid));
  }
  json trials = Trials();
  ASSERT_THAT(trials, SizeIs(6));
  for (const json& trial : trials) {
    EXPECT_EQ(trial["status"], "Succeeded");
    EXPECT_THAT(StoredLog(trial["name"], "loss"), SizeIs(3))
        << trial["name"] << ": one observation per epoch, none twice";
  }
}

// A running trial's metrics reach the store as they come (for `hpsearch
// trials`, and so that a killed engine loses little), also while the trials
// beside it keep ending, each of which makes the engine commit.
TEST_F(RunCommandTest, ARunningTrialsMetricsAreStoredWhileOtherTrialsKeepEnding) {
  constexpr int kTrials = 400;
  ExperimentYaml experiment;
  experiment.parallel = 2;
  experiment.max_trials = kTrials;
  experiment.args.push_back("--epochs=1");
  experiment.trial_parameters += R"(
      - name: trialName
        reference: "${trialSpec.Name}")";
  // The first trial holds after its report until the test lets it go; the
  // others end at once, one after another beside it.
  experiment.args.push_back("--wait-for=" + (dir_ / "go").string() + "/${trialParameters.trialName}");
  for (int i = 2; i <= kTrials; ++i) {
    std::filesystem::create_directories(dir_ / "go" / absl::StrFormat("e2e-%04d", i));
  }
  auto process = Start({"run", Write(experiment), "--workdir", workdir_.string()});
  ASSERT_TRUE(process.ok());

  bool stored = false;
  for (int i = 0; i < 3000 && !(stored = !StoredLog("e2e-0001", "loss").empty()); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  const int ended_by_then = StoredTrialCount(metrics::TrialStatus::kSucceeded);
  std::filesystem::create_directories(dir_ / "go" / "e2e-0001");
  Outcome outcome = Finish(*process);
  ASSERT_TRUE(outcome.exit.success()) << outcome.err;
  EXPECT_TRUE(stored);
  EXPECT_LT(ended_by_then, kTrials - 1) << "stored only once the trials beside it had all ended";
  EXPECT_THAT(StoredLog("e2e-0001", "loss"), SizeIs(1));
  EXPECT_EQ(StoredTrialCount(metrics::TrialStatus::kSucceeded), kTrials);
}

// A store that fails a write mid-run (here a trigger refuses one trial's
// metrics) stops the run with the error; no trial is left recorded as ended
// on metrics the store lost, and resuming once the store writes again redoes
// what was lost, nothing twice.
TEST_F(RunCommandTest, AStoreThatFailsAWriteStopsTheRunAndLosesNothing) {
  ExperimentYaml experiment;
  experiment.parallel = 2;
  experiment.max_trials = 2;
  experiment.args.push_back("--sleep-ms=50");
  experiment.extra_spec = "  resumePolicy: LongRunning\n";
  Outcome first = Run(experiment);
  ASSERT_TRUE(first.exit.success()) << first.err;
  auto sql = [&](const char* statement) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((workdir_ / "store.db").c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, statement, nullptr, nullptr, &error), SQLITE_OK) << error;
    sqlite3_free(error);
    sqlite3_close(db);
  };
  sql("CREATE TRIGGER fire BEFORE INSERT ON observation_logs WHEN NEW.trial_name = 'e2e-0004' "
      "BEGIN SELECT RAISE(ABORT, 'the disk is on fire'); END");
  experiment.max_trials = 6;
  Outcome failed = Run(experiment);
  EXPECT_EQ(failed.exit.exit_code, 1);
  EXPECT_THAT(failed.err, HasSubstr("storing the metrics of e2e-0004 failed"));
  EXPECT_THAT(failed.err, HasSubstr("the disk is on fire"));
  for (const metrics::TrialRecord& trial : StoredTrials()) {
    if (trial.status == metrics::TrialStatus::kSucceeded) {
      EXPECT_THAT(StoredLog(trial.name, "loss"), SizeIs(3)) << trial.name << " ended on metrics the store lost";
    }
  }

  sql("DROP TRIGGER fire");
  Outcome resumed = Run(experiment);
  ASSERT_TRUE(resumed.exit.success()) << resumed.err;
  const std::vector<metrics::TrialRecord> trials = StoredTrials();
  ASSERT_THAT(trials, SizeIs(6));
  for (const metrics::TrialRecord& trial : trials) {
    EXPECT_EQ(trial.status, metrics::TrialStatus::kSucceeded) << trial.name;
    EXPECT_THAT(StoredLog(trial.name, "loss"), SizeIs(3)) << trial.name;
  }
}

// Katib's medianstop, applied in process. The first run tries x = 0.3 and
// 0.35; resumed with 0.9, 0.32 and 1.0 added to the grid, it runs those one
// at a time, in the grid's order, whatever it is: with two trials
// succeeded, a trial whose best loss by its second report is worse than the
// mean of their first two is stopped there. The resumed run rebuilds the
// rule from the recorded trials.
TEST_F(RunCommandTest, MedianStopStopsHopelessTrialsEarly) {
  constexpr int kEpochs = 40;
  ExperimentYaml experiment;
  experiment.algorithm = "grid";
  experiment.parallel = 1;
  experiment.max_trials = 2;
  experiment.parameters = R"(
    - name: x
      parameterType: discrete
      feasibleSpace: {list: ["0.3", "0.35"]})";
  // A trial holds after its second report until its go file exists: the
  // hopeless ones, which have none, run on only if the engine never stops
  // them, however slowly it gets to their reports.
  experiment.args = {"--x=${trialParameters.x}", absl::StrCat("--epochs=", kEpochs), "--sleep-ms=25",
                     "--wait-for=" + (dir_ / "go").string() + "/${trialParameters.x}", "--wait-after=2"};
  for (const char* x : {"0.3", "0.35", "0.32"}) std::filesystem::create_directories(dir_ / "go" / x);
  experiment.extra_spec = R"(  earlyStopping:
    algorithmName: medianstop
    algorithmSettings:
      - {name: min_trials_required, value: "2"}
      - {name: start_step, value: "2"}
)";
  Outcome first = Run(experiment);
  ASSERT_TRUE(first.exit.success()) << first.err;
  experiment.max_trials = 5;
  experiment.parameters = R"(
    - name: x
      parameterType: discrete
      feasibleSpace: {list: ["0.3", "0.35", "0.9", "0.32", "1.0"]})";
  Outcome resumed = Run(experiment, {"--force"});
  ASSERT_TRUE(resumed.exit.success()) << resumed.err;

  std::map<std::string, json> by_x;
  for (const json& trial : Trials()) by_x[trial["parameters"]["x"].get<std::string>()] = trial;
  ASSERT_THAT(by_x, SizeIs(5));
  auto epochs_run = [&](const std::string& x) {
    std::string log = ReadFile(TrialDir(by_x[x]["name"]) / "stdout.log");
    return std::count(log.begin(), log.end(), '\n');
  };
  for (const std::string x : {"0.3", "0.35", "0.32"}) {
    EXPECT_EQ(by_x[x]["status"], "Succeeded") << by_x[x].dump();
    EXPECT_EQ(epochs_run(x), kEpochs) << x;
  }
  for (const std::string x : {"0.9", "1.0"}) {
    EXPECT_EQ(by_x[x]["status"], "EarlyStopped") << by_x[x].dump();
    EXPECT_EQ(by_x[x]["reason"], "TrialEarlyStopped");
    EXPECT_THAT(by_x[x]["message"].get<std::string>(), HasSubstr("worse than the median rule's"));
    EXPECT_LT(epochs_run(x), kEpochs / 2) << x;
    // Its reports so far are its observation, as in Katib.
    const double loss = std::pow(std::stod(x) - 0.3, 2);
    EXPECT_GT(by_x[x]["objective"].get<double>(), loss);
  }
  EXPECT_THAT(resumed.err, HasSubstr("stopping it early (medianstop)"));
}

TEST_F(RunCommandTest, BadEarlyStoppingSettingsStopTheRunBeforeAnyTrial) {
  ExperimentYaml experiment;
  experiment.extra_spec = R"(  earlyStopping:
    algorithmName: medianstop
    algorithmSettings:
      - {name: min_trials, value: "2"}
)";
  Outcome run = Run(experiment);
  EXPECT_FALSE(run.exit.success());
  EXPECT_THAT(run.err, HasSubstr("unknown setting min_trials for algorithm medianstop"));
  EXPECT_FALSE(std::filesystem::exists(TrialDir("e2e-0001")));
}

// Katib's rules for an edited experiment (runner/resume_rules.h): a
// completed one goes on only under resumePolicy LongRunning or FromVolume,
// and only the trial counts are editable; --force overrides both.
// Running out of descriptors is the machine's limit, not the trials':
// the run goes on with as many trials at a time as fit.
TEST_F(RunCommandTest, TrialsTheMachineHasNoRoomForWaitInsteadOfFailing) {
  ExperimentYaml experiment;
  experiment.parallel = 12;
  experiment.max_trials = 12;
  // A trial starts with eight descriptors free (four its own, four to spare
  // for the engine) and holds four: 40 leave room beside the engine's own
  // dozen or so (and a few inherited) for one trial at least, never twelve.
  Outcome run = Hpsearch({"run", Write(experiment), "--workdir", workdir_.string()},
                         {"/bin/sh", "-c", "ulimit -n 40 && exec \"$0\" \"$@\""});
  ASSERT_TRUE(run.exit.success()) << run.err;
  EXPECT_THAT(run.err, HasSubstr("could not start (needs 8 free file descriptors: Too many open files (the "
                                 "open-file limit, ulimit -n, is 40)); running at most"));
  json trials = Trials();
  ASSERT_THAT(trials, SizeIs(12));
  for (const json& trial : trials) {
    EXPECT_EQ(trial["status"], "Succeeded") << trial.dump();
    std::string name = trial["name"];
    EXPECT_THAT(ReadFile(workdir_ / "trials" / name / "stdout.log"), HasSubstr("loss="));
  }
}

TEST_F(RunCommandTest, WhatOnlyAClusterProvidesIsLeftOutAndSaid) {
  ExperimentYaml experiment;
  experiment.parallel = 1;
  experiment.max_trials = 1;
  experiment.args.push_back("--env-file=" + (dir_ / "env").string());
  experiment.container_fields = R"(
                workingDir: /app
                env:
                  - name: HPSEARCH_TEST_TOKEN
                    valueFrom: {secretKeyRef: {name: tokens, key: test}})";
  Outcome run = Hpsearch({"run", Write(experiment), "--workdir", workdir_.string()},
                         {"/usr/bin/env", "HPSEARCH_TEST_TOKEN=the engine's"});
  ASSERT_TRUE(run.exit.success()) << run.err;
  const std::string container = "spec.trialTemplate.trialSpec.spec.template.spec.containers[0]";
  EXPECT_THAT(run.err, HasSubstr(container + ".workingDir: only a cluster applies it; each trial runs in its own "
                                             "folder, trials/<trial> in the workdir"));
  EXPECT_THAT(run.err, HasSubstr(container + ".env[0].valueFrom (HPSEARCH_TEST_TOKEN): only a cluster applies it; "
                                             "trials get hpsearch's own HPSEARCH_TEST_TOKEN, if it has one"));
  const std::string nul(1, '\0');
  EXPECT_THAT(ReadFile(dir_ / "env"), HasSubstr(nul + "HPSEARCH_TEST_TOKEN=the engine's" + nul));
}

// A trial inherits the engine's environment; the container's env goes over
// it, and hpsearch's own variables over both. PYTHONUNBUFFERED=1 makes a
// Python trial's metrics arrive as printed, unless the engine or the
// container sets it. Each name comes once.
TEST_F(RunCommandTest, ATrialGetsTheEnginesEnvironmentWithTheContainersAndHpsearchsOwnOnTop) {
  ExperimentYaml experiment;
  experiment.parallel = 1;
  experiment.max_trials = 1;
  experiment.args.push_back("--env-file=" + (dir_ / "env").string());
  experiment.container_fields = R"(
                env:
                  - {name: BOTH, value: "the container's"}
                  - {name: HPSEARCH_TRIAL_NAME, value: "the container's"})";
  using Environment = std::multimap<std::string, std::string>;
  auto trial_environment_under = [&](std::vector<std::string> engine_environment) {
    std::filesystem::remove_all(workdir_);
    engine_environment.insert(engine_environment.begin(), "/usr/bin/env");
    Outcome run = Hpsearch({"run", Write(experiment), "--workdir", workdir_.string()}, engine_environment);
    EXPECT_TRUE(run.exit.success()) << run.err;
    Environment environment;
    for (absl::string_view entry : absl::StrSplit(ReadFile(dir_ / "env"), '\0', absl::SkipEmpty())) {
      environment.insert(std::pair<std::string, std::string>(absl::StrSplit(entry, absl::MaxSplits('=', 1))));
    }
    return environment;
  };
  auto only = [](const Environment& environment, const std::string& name) -> std::optional<std::string> {
    auto [first, last] = environment.equal_range(name);
    if (first == last || std::next(first) != last) return std::nullopt;
    return first->second;
  };

  const Environment over_engine = trial_environment_under(
      {"ONLY_ENGINE=the engine's", "BOTH=the engine's", "HPSEARCH_TRIAL_NAME=the engine's"});
  EXPECT_EQ(only(over_engine, "ONLY_ENGINE"), "the engine's");
  EXPECT_EQ(only(over_engine, "BOTH"), "the container's");
  EXPECT_EQ(only(over_engine, "HPSEARCH_TRIAL_NAME"), "e2e-0001");
  EXPECT_EQ(only(over_engine, "HPSEARCH_EXPERIMENT_NAME"), "e2e");
  EXPECT_EQ(only(over_engine, "PYTHONUNBUFFERED"), "1");
  EXPECT_EQ(only(over_engine, "PATH"), "/usr/bin:/bin");

  EXPECT_EQ(only(trial_environment_under({"PYTHONUNBUFFERED=0"}), "PYTHONUNBUFFERED"), "0");
  experiment.container_fields += R"(
                  - {name: PYTHONUNBUFFERED, value: ""})";
  EXPECT_EQ(only(trial_environment_under({}), "PYTHONUNBUFFERED"), "");
}

TEST_F(RunCommandTest, ACompletedExperimentGoesOnOnlyAsItsResumePolicySays) {
  ExperimentYaml experiment;
  experiment.max_trials = 2;
  ASSERT_TRUE(Run(experiment).exit.success());
  // Comments and layout are no change.
  std::ofstream(dir_ / "experiment.yaml") << "# tuned by hand\n" << experiment.Render() << "\n\n";
  Outcome commented = Hpsearch({"run", (dir_ / "experiment.yaml").string(), "--workdir", workdir_.string()});
  EXPECT_TRUE(commented.exit.success()) << commented.err;
  experiment.max_trials = 3;
  Outcome refused = Run(experiment);
  EXPECT_EQ(refused.exit.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("cannot go on with this spec (spec.resumePolicy: the experiment completed "
                                     "(ExperimentMaxTrialsReached) with resumePolicy Never"));
  EXPECT_THAT(refused.err, HasSubstr("run with --force"));
  Outcome forced = Run(experiment, {"--force"});
  ASSERT_TRUE(forced.exit.success()) << forced.err;
  EXPECT_THAT(Trials(), SizeIs(3));
}

TEST_F(RunCommandTest, ALongRunningExperimentGoesOnWhenMaxTrialCountIsRaised) {
  ExperimentYaml experiment;
  experiment.max_trials = 2;
  experiment.extra_spec = "  resumePolicy: LongRunning\n";
  ASSERT_TRUE(Run(experiment).exit.success());
  experiment.max_trials = 3;
  experiment.parallel = 1;
  Outcome raised = Run(experiment);
  ASSERT_TRUE(raised.exit.success()) << raised.err;
  EXPECT_THAT(Trials(), SizeIs(3));

  experiment.max_trials = 4;
  experiment.goal = "-1";
  Outcome retargeted = Run(experiment);
  EXPECT_EQ(retargeted.exit.exit_code, 1);
  EXPECT_THAT(retargeted.err, HasSubstr("(changed: spec.objective (and spec.maxTrialCount, which may change); only spec.parallelTrialCount, "
                                        "spec.maxTrialCount and spec.maxFailedTrialCount are editable)"));
  EXPECT_THAT(Trials(), SizeIs(3));
}

TEST_F(RunCommandTest, AForcedResumeTheTrialsDoNotFitChangesNothing) {
  ExperimentYaml experiment;
  experiment.max_trials = 2;
  ASSERT_TRUE(Run(experiment).exit.success());
  ExperimentYaml renamed = experiment;
  renamed.max_trials = 3;
  renamed.parameters = R"(
    - name: z
      parameterType: double
      feasibleSpace: {min: "0", max: "1"})";
  renamed.trial_parameters = R"(
      - name: x
        reference: z)";
  Outcome refused = Run(renamed, {"--force"});
  EXPECT_EQ(refused.exit.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("do not fit this spec (trial"));
  EXPECT_THAT(refused.err, HasSubstr("parameter x: not in the search space); nothing was changed"));
  // The stored spec is still the one the trials ran with.
  Outcome resumed = Run(experiment);
  ASSERT_TRUE(resumed.exit.success()) << resumed.err;
  EXPECT_THAT(Trials(), SizeIs(2));
}

// The objective each trial ended with is recomputed from its log, so the
// best trial, the goal and every listing follow the objective run now.
TEST_F(RunCommandTest, AForcedResumeWithAnotherObjectiveRecomputesTheRecordedTrials) {
  ExperimentYaml experiment;
  experiment.max_trials = 3;
  ASSERT_TRUE(Run(experiment).exit.success());
  experiment.max_trials = 4;
  experiment.objective_type = "maximize";
  experiment.objective_metric = "accuracy";
  experiment.additional_metric = "loss";
  Outcome forced = Run(experiment, {"--force"});
  ASSERT_TRUE(forced.exit.success()) << forced.err;
  EXPECT_THAT(forced.out + forced.err,
              HasSubstr("the objective changed (now maximize accuracy): 3 recorded trials' objective recomputed"));

  const json trials = Trials();
  ASSERT_THAT(trials, SizeIs(4));
  std::string most_accurate;
  double best_accuracy = -1;
  for (const json& trial : trials) {
    const double accuracy = std::stod(trial["metrics"]["accuracy"].get<std::string>());
    EXPECT_DOUBLE_EQ(trial["objective"].get<double>(), accuracy) << trial.dump();
    if (accuracy > best_accuracy) {
      best_accuracy = accuracy;
      most_accurate = trial["name"];
    }
  }
  const json summary = json::parse(ReadFile(workdir_ / "summary.json"));
  EXPECT_EQ(summary["bestTrial"]["name"], most_accurate);
  Outcome sorted = Hpsearch({"trials", "--workdir", workdir_.string(), "--sort-by-objective"});
  EXPECT_THAT(sorted.out, HasSubstr("\n" + most_accurate + " "));
  EXPECT_LT(sorted.out.find(most_accurate), sorted.out.find("Succeeded")) << sorted.out;
}

TEST_F(RunCommandTest, AnEmptiedStoreBesideTrialFoldersIsRefused) {
  ExperimentYaml experiment;
  experiment.parallel = 1;
  experiment.max_trials = 1;
  Outcome first = Run(experiment);
  ASSERT_TRUE(first.exit.success()) << first.err;
  std::filesystem::remove(workdir_ / "store.db-wal");
  std::filesystem::resize_file(workdir_ / "store.db", 0);
  Outcome refused = Run(experiment);
  EXPECT_EQ(refused.exit.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("holds trial folders but its store.db has no record of experiment e2e "
                                     "(was store.db emptied or replaced?)"));
}

TEST_F(RunCommandTest, ARenamedExperimentInTheSameWorkdirIsToldAsSuch) {
  ExperimentYaml experiment;
  experiment.parallel = 1;
  experiment.max_trials = 1;
  ASSERT_TRUE(Run(experiment).exit.success());
  experiment.name = "renamed";
  Outcome refused = Run(experiment);
  EXPECT_EQ(refused.exit.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("no record of experiment renamed (it holds experiment e2e: was the experiment "
                                     "renamed?)"));
}

TEST_F(RunCommandTest, InvalidExperimentIsReportedWithItsPosition) {
  ExperimentYaml experiment;
  experiment.parameters = R"(
    - name: x
      parameterType: double
      feasibleSpace: {min: "1", max: "0"})";
  Outcome run = Run(experiment);
  EXPECT_EQ(run.exit.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("experiment.yaml:"));
  EXPECT_THAT(run.err, HasSubstr("spec.parameters[0].feasibleSpace"));
  EXPECT_FALSE(std::filesystem::exists(workdir_));
}

// A program is looked up on the PATH it will run with, as a container
// runtime does: the container's, where its env sets one.
TEST_F(RunCommandTest, AProgramIsLookedUpOnTheContainersPath) {
  const std::filesystem::path bin = dir_ / "bin";
  std::filesystem::create_directories(bin);
  std::filesystem::create_symlink(HPSEARCH_FAKE_TRIAL, bin / "my-trainer");
  ExperimentYaml experiment;
  experiment.parallel = 1;
  experiment.max_trials = 1;
  experiment.program = "my-trainer";
  Outcome not_on_path = Run(experiment);
  EXPECT_EQ(not_on_path.exit.exit_code, 1);
  EXPECT_THAT(not_on_path.err, HasSubstr("trial template: command my-trainer not found in /usr/bin:/bin:"));

  experiment.container_fields = absl::StrCat(R"(
                env:
                  - {name: PATH, value: "/nowhere"}
                  - {name: PATH, value: ")", bin.string(), R"(:/usr/bin:/bin"})");
  Outcome run = Run(experiment);
  ASSERT_TRUE(run.exit.success()) << run.err;
  EXPECT_EQ(Trials().at(0)["status"], "Succeeded");
}

TEST_F(RunCommandTest, AMissingTrialProgramStopsTheRunBeforeAnyTrial) {
  ExperimentYaml experiment;
  experiment.parallel = 1;
  experiment.max_trials = 1;
  std::string yaml = absl::StrReplaceAll(experiment.Render(), {{HPSEARCH_FAKE_TRIAL, "no-such-trainer"}});
  std::ofstream(dir_ / "experiment.yaml") << yaml;
  Outcome run = Hpsearch({"run", (dir_ / "experiment.yaml").string(), "--workdir", workdir_.string()});
  EXPECT_EQ(run.exit.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("trial template: command no-such-trainer not found in"));
  EXPECT_FALSE(std::filesystem::exists(workdir_));

  // The experiment has no labels for the trial to take one from.
  experiment.trial_parameters += R"(
      - name: team
        reference: "${trialSpec.Labels[team]}")";
  experiment.args.push_back("--team=${trialParameters.team}");
  run = Run(experiment);
  EXPECT_EQ(run.exit.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("trial template: "));
  EXPECT_THAT(run.err, HasSubstr("Labels[team]"));
  EXPECT_FALSE(std::filesystem::exists(workdir_));
}

TEST_F(RunCommandTest, ATrialTemplateInAConfigMapIsRefusedBeforeAnyTrial) {
  std::string text = ExperimentYaml().Render();
  text.erase(text.find("    trialSpec:"));
  // A ConfigMap's template has no kind to default the conditions from.
  text += "    successCondition: status.succeeded\n    failureCondition: status.failed\n"
          "    configMap:\n      configMapName: trial-templates\n      templatePath: defaultTrialTemplate.yaml\n";
  std::ofstream(dir_ / "experiment.yaml") << text;
  Outcome run = Hpsearch({"run", (dir_ / "experiment.yaml").string(), "--workdir", workdir_.string()});
  EXPECT_EQ(run.exit.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("spec.trialTemplate.configMap: only a cluster can read a ConfigMap; write the "
                                 "template inline as spec.trialTemplate.trialSpec"));
  EXPECT_FALSE(std::filesystem::exists(workdir_));
}

TEST_F(RunCommandTest, TrialsCommandTakesFormatsByNameInAnyCase) {
  ExperimentYaml experiment;
  ASSERT_TRUE(Run(experiment).exit.success());
  Outcome listed = Hpsearch({"trials", "--workdir", workdir_.string(), "--format", "JSON"});
  ASSERT_TRUE(listed.exit.success()) << listed.err;
  EXPECT_THAT(json::parse(listed.out), SizeIs(4));
  for (const char* format : {"xml", "1"}) {
    Outcome refused = Hpsearch({"trials", "--workdir", workdir_.string(), "--format", format});
    EXPECT_EQ(refused.exit.exit_code, 2);
    EXPECT_THAT(refused.err, HasSubstr(absl::StrCat("--format: ", format, " not in {csv,json,table}")));
  }
}

TEST_F(RunCommandTest, AnUnknownCommandIsNamed) {
  Outcome typo = Hpsearch({"runn", "experiment.yaml"});
  EXPECT_EQ(typo.exit.exit_code, 2);
  EXPECT_THAT(typo.err, HasSubstr("hpsearch: unknown command \"runn\" (commands: validate, run, trials, serve, "
                                  "db-manager, gpus)"));
}

TEST_F(RunCommandTest, TrialsCommandNeedsAStore) {
  Outcome listed = Hpsearch({"trials", "--workdir", (dir_ / "nothing").string()});
  EXPECT_EQ(listed.exit.exit_code, 1);
  EXPECT_THAT(listed.err, HasSubstr("no experiment has run there"));
}

}  // namespace
}  // namespace hpsearch::runner

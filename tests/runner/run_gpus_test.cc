// `hpsearch run` sharing GPUs, end to end against a simulated driver: real
// trial processes (tests/runner/fake_trial.cc) are placed on fake GPUs whose
// per-process memory the test decides, and the tests read what a user would:
// the trials' environment, their records and the run's messages.
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "api/experiment_loader.h"
#include "gmock/gmock.h"
#include "gpu/device.h"
#include "gtest/gtest.h"
#include "metrics/objective_store.h"
#include "runner/experiment_runner.h"
#include "runner/trial_report.h"
#include "tests/runner/test_util.h"

namespace hpsearch::runner {
namespace {

using metrics::TrialStatus;
using test_util::ProcessExists;
using test_util::ReadFile;
using ::testing::Contains;
using ::testing::HasSubstr;

constexpr uint64_t kGiB = uint64_t{1} << 30;

// One 16 GiB GPU (or MIG instance, with `mig`) whose compute processes are
// the live trials that wrote a pid file named "<GiB>-<trial>.pid" in `dir`,
// each using that many GiB.
class PidFileGpu : public gpu::GpuBackend {
 public:
  explicit PidFileGpu(std::filesystem::path dir, std::optional<gpu::MigSlot> mig = std::nullopt)
      : dir_(std::move(dir)), mig_(std::move(mig)) {}

  int DeviceCount() const override { return 1; }
  absl::StatusOr<gpu::GpuDevice> Device(int) override {
    uint64_t used = 0;
    for (const gpu::GpuProcessMemory& process : List()) used += process.used_bytes;
    return gpu::GpuDevice{.index = 0,
                          .name = mig_ ? "Simulated GPU MIG 3g.16gb" : "Simulated GPU",
                          .uuid = mig_ ? "MIG-5e5e5e5e-0000-0000-0000-000000000003"
                                       : "GPU-5e5e5e5e-0000-0000-0000-000000000000",
                          .total_bytes = 16 * kGiB,
                          .free_bytes = 16 * kGiB - std::min(used, 16 * kGiB),
                          .mig = mig_};
  }
  absl::StatusOr<std::vector<gpu::GpuProcessMemory>> Processes(int) override { return List(); }
  absl::StatusOr<gpu::GpuUtilization> Utilization(int) override {
    return gpu::GpuUtilization{.gpu_percent = 70, .memory_percent = 20};
  }

 private:
  std::vector<gpu::GpuProcessMemory> List() const {
    std::vector<gpu::GpuProcessMemory> processes;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(dir_, error)) {
      const std::string file = entry.path().filename().string();
      uint64_t gib = 0;
      int64_t pid = 0;
      if (!absl::SimpleAtoi(file.substr(0, file.find('-')), &gib) ||
          !absl::SimpleAtoi(ReadFile(entry.path()), &pid) || !ProcessExists(static_cast<pid_t>(pid))) {
        continue;
      }
      processes.push_back({.pid = pid, .used_bytes = gib * kGiB});
    }
    return processes;
  }

  std::filesystem::path dir_;
  std::optional<gpu::MigSlot> mig_;
};

class Messages : public RunObserver {
 public:
  void OnMessage(const std::string& message) override { messages.push_back(message); }
  void OnTrialStarted(const metrics::TrialRecord&) override {}
  void OnTrialEnded(const TrialView&) override {}
  void OnTick(const TrialCounts&, const TrialView*, std::chrono::steady_clock::duration) override {}
  std::vector<std::string> messages;
};

class RunGpusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_util::FreshTestDir();
    std::filesystem::create_directories(dir_ / "pids");
    std::filesystem::create_directories(dir_ / "env");
    options_.workdir = dir_ / "work";
    options_.gpus.open = [pids = dir_ / "pids"]() -> absl::StatusOr<std::unique_ptr<gpu::GpuBackend>> {
      return std::make_unique<PidFileGpu>(pids);
    };
  }

  // A grid over `gib` (the GPU memory each trial will be seen using): one
  // trial per value, each running `sleep_ms`; `extra_args` are more of the
  // fake trial's flags, quoted and comma-terminated.
  std::string Experiment(const std::string& annotations, int parallel, const std::vector<int>& gib,
                         int sleep_ms, const std::string& extra_args = "") const {
    std::string values;
    for (int g : gib) absl::StrAppend(&values, values.empty() ? "" : ", ", "\"", g, "\"");
    const std::string args = absl::StrCat(
        "[\"", HPSEARCH_FAKE_TRIAL, "\", \"--x=0.3\", \"--epochs=1\", ", extra_args, "\"--sleep-ms=", sleep_ms, "\", ",
        "\"--pid-file=", (dir_ / "pids").string(), "/${trialParameters.gib}-${trialParameters.trialName}.pid\", ",
        "\"--env-file=", (dir_ / "env").string(), "/${trialParameters.trialName}\"]");
    return absl::StrCat(R"(apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata:
  name: gpus
  annotations: {)", annotations, R"(}
spec:
  objective: {type: minimize, objectiveMetricName: loss}
  algorithm: {algorithmName: grid}
  parallelTrialCount: )", parallel, R"(
  maxTrialCount: )", gib.size(), R"(
  parameters:
    - name: gib
      parameterType: discrete
      feasibleSpace: {list: [)", values, R"(]}
  trialTemplate:
    primaryContainerName: training
    trialParameters:
      - {name: gib, reference: gib}
      - {name: trialName, reference: "${trialSpec.Name}"}
    trialSpec:
      apiVersion: batch/v1
      kind: Job
      spec:
        template:
          spec:
            containers:
              - name: training
                image: busybox
                command: )", args, R"(
            restartPolicy: Never
)");
  }

  absl::StatusOr<RunResult> Run(const std::string& yaml) {
    api::LoadedExperiment loaded = api::LoadExperimentText(yaml);
    EXPECT_TRUE(loaded.ok());
    experiment_ = *loaded.experiment;
    return RunExperiment(experiment_, yaml, options_, observer_);
  }

  // The environment a trial was started with.
  std::map<std::string, std::string> TrialEnv(const std::string& trial) const {
    std::map<std::string, std::string> env;
    for (absl::string_view entry : absl::StrSplit(ReadFile(dir_ / "env" / trial), '\0', absl::SkipEmpty())) {
      std::pair<std::string, std::string> pair = absl::StrSplit(entry, absl::MaxSplits('=', 1));
      env.insert(pair);
    }
    return env;
  }

  std::filesystem::path dir_;
  RunOptions options_;
  api::Experiment experiment_;
  Messages observer_;
};

// The trial assigned `gib`, wherever the grid's order put it; null if none.
const TrialView* TrialWithGib(const std::vector<TrialView>& trials, const std::string& gib) {
  const std::vector<std::pair<std::string, std::string>> assignments = {{"gib", gib}};
  auto trial = std::find_if(trials.begin(), trials.end(),
                            [&](const TrialView& t) { return t.record.assignments == assignments; });
  return trial == trials.end() ? nullptr : &*trial;
}

// The most trials that ran at the same time, from their records.
int MostAtOnce(const std::vector<TrialView>& trials) {
  int most = 0;
  for (const TrialView& a : trials) {
    int overlapping = 0;
    for (const TrialView& b : trials) {
      overlapping += b.record.start_us <= a.record.start_us && a.record.start_us < b.record.end_us.value_or(0);
    }
    most = std::max(most, overlapping);
  }
  return most;
}

TEST_F(RunGpusTest, TrialsArePinnedCappedAndNeverOvercommitTheGpu) {
  // Half a GPU each: four parallel slots, but only two trials fit at a time.
  // The first two wait for each other, so that they do run at once however
  // slowly the second starts.
  std::filesystem::create_directories(dir_ / "barrier");
  const std::string barrier =
      absl::StrCat("\"--barrier-dir=", (dir_ / "barrier").string(), "\", \"--barrier-count=2\", ");
  absl::StatusOr<RunResult> result =
      Run(Experiment("hpsearch.kubeflow.org/gpu-memory-fraction: \"0.5\"", 4, {1, 2, 3, 4}, 300, barrier));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->reason, "ExperimentMaxTrialsReached");
  ASSERT_EQ(result->trials.size(), 4u);
  EXPECT_EQ(MostAtOnce(result->trials), 2);
  EXPECT_THAT(observer_.messages, Contains("sharing 1 GPU (Simulated GPU): 50% of a GPU per trial"));
  for (const TrialView& trial : result->trials) {
    EXPECT_EQ(trial.record.status, TrialStatus::kSucceeded) << trial.record.name << ": " << trial.record.message;
    EXPECT_EQ(trial.record.gpu_device, "0");
    EXPECT_EQ(trial.record.gpu_memory_budget_bytes, static_cast<int64_t>(8 * kGiB));
    const std::map<std::string, std::string> env = TrialEnv(trial.record.name);
    EXPECT_EQ(env.at("CUDA_VISIBLE_DEVICES"), "GPU-5e5e5e5e-0000-0000-0000-000000000000");
    // (8 GiB - 1 GiB context reserve) / 16 GiB, rounded down.
    EXPECT_EQ(env.at("HPSEARCH_GPU_MEMORY_FRACTION"), "0.4375");
    EXPECT_EQ(env.at("XLA_PYTHON_CLIENT_MEM_FRACTION"), "0.4375");
    EXPECT_EQ(env.at("HPSEARCH_GPU_MEMORY_LIMIT_MB"), "7168");
    EXPECT_EQ(env.count("CUDA_MPS_PINNED_DEVICE_MEM_LIMIT"), 0u);
  }
}

// On a GPU in MIG mode trials run on its instances: pinned by the
// instance's UUID and recorded by its label (GPU:instance).
TEST_F(RunGpusTest, TrialsOnAMigInstanceArePinnedToItAndRecordedByIt) {
  options_.gpus.open = [pids = dir_ / "pids"]() -> absl::StatusOr<std::unique_ptr<gpu::GpuBackend>> {
    return std::make_unique<PidFileGpu>(
        pids, gpu::MigSlot{.index = 3, .parent_uuid = "GPU-5e5e5e5e-0000-0000-0000-000000000000"});
  };
  absl::StatusOr<RunResult> result =
      Run(Experiment("hpsearch.kubeflow.org/gpu-memory-fraction: \"0.5\"", 2, {1, 2}, 50));
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->trials.size(), 2u);
  for (const TrialView& trial : result->trials) {
    EXPECT_EQ(trial.record.status, TrialStatus::kSucceeded) << trial.record.name << ": " << trial.record.message;
    EXPECT_EQ(trial.record.gpu_device, "0:3");
    EXPECT_EQ(TrialEnv(trial.record.name).at("CUDA_VISIBLE_DEVICES"), "MIG-5e5e5e5e-0000-0000-0000-000000000003");
  }
  const std::string table = FormatTrials(result->trials, experiment_, ReportFormat::kTable);
  EXPECT_THAT(table, HasSubstr(" 0:3 "));
}

TEST_F(RunGpusTest, ATrialOverItsBudgetIsStoppedWhileItsNeighbourFinishes) {
  options_.gpus.budget.size = "6Gi";  // the command line wins over the annotation
  options_.gpus.mps = true;
  options_.gpus.over_budget_grace = std::chrono::milliseconds(500);
  absl::StatusOr<RunResult> result =
      Run(Experiment("hpsearch.kubeflow.org/gpu-memory-fraction: \"0.1\"", 2, {1, 9}, 6000));
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->trials.size(), 2u);
  const TrialView* small = TrialWithGib(result->trials, "1");
  const TrialView* hog = TrialWithGib(result->trials, "9");
  ASSERT_TRUE(small && hog);
  EXPECT_EQ(small->record.status, TrialStatus::kSucceeded) << small->record.message;
  EXPECT_EQ(small->record.gpu_peak_memory_bytes, static_cast<int64_t>(1 * kGiB));
  EXPECT_EQ(small->record.gpu_mean_utilization, 70.0);
  EXPECT_EQ(hog->record.status, TrialStatus::kFailed);
  EXPECT_EQ(hog->record.reason, "GpuMemoryBudgetExceeded");
  EXPECT_THAT(hog->record.message, HasSubstr("exceeded GPU memory budget: used 9.0 GiB of 6.0 GiB"));
  EXPECT_EQ(hog->record.gpu_peak_memory_bytes, static_cast<int64_t>(9 * kGiB));
  EXPECT_LT(*hog->record.end_us, *small->record.end_us);  // stopped before its 6 s were up
  EXPECT_EQ(TrialEnv(hog->record.name).at("CUDA_MPS_PINNED_DEVICE_MEM_LIMIT"), "0=5120M");
  EXPECT_THAT(observer_.messages, Contains(HasSubstr("exceeded GPU memory budget: used 9.0 GiB of 6.0 GiB; "
                                                     "stopping it")));

  // What `hpsearch trials` shows, from the store.
  absl::StatusOr<std::unique_ptr<metrics::ObjectiveStore>> store =
      metrics::ObjectiveStore::Open((options_.workdir / "store.db").string());
  ASSERT_TRUE(store.ok()) << store.status();
  absl::StatusOr<std::vector<TrialView>> stored = LoadTrialViews(**store, experiment_);
  ASSERT_TRUE(stored.ok()) << stored.status();
  const std::string table = FormatTrials(*stored, experiment_, ReportFormat::kTable);
  EXPECT_THAT(table, HasSubstr("gpu_peak_mib"));
  EXPECT_THAT(table, HasSubstr("9216"));  // the hog's peak
  EXPECT_THAT(table, HasSubstr("6144"));  // the budget
  EXPECT_THAT(table, HasSubstr("GpuMemoryBudgetExceeded"));
}

// A daemonized child (out of the trial's group, orphaned, so adopted by the
// engine) counts against its trial by the HPSEARCH_TRIAL_NAME it inherited.
TEST_F(RunGpusTest, AnEscapedDaemonsGpuMemoryCountsAgainstItsTrial) {
  options_.gpus.budget.size = "6Gi";
  options_.gpus.over_budget_grace = std::chrono::milliseconds(500);
  // The daemon's pid file says it uses 9 GiB; the trial itself 1 GiB.
  const std::string escape = absl::StrCat("\"--escape-child=30\", \"--escape-style=daemon\", \"--escape-pid-file=",
                                          (dir_ / "pids").string(), "/9-escapee-${trialParameters.trialName}.pid\", ");
  absl::StatusOr<RunResult> result = Run(Experiment("", 1, {1}, 6000, escape));
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->trials.size(), 1u);
  const TrialView& trial = result->trials[0];
  EXPECT_EQ(trial.record.status, TrialStatus::kFailed);
  EXPECT_EQ(trial.record.reason, "GpuMemoryBudgetExceeded");
  EXPECT_THAT(trial.record.message, HasSubstr("used 10.0 GiB of 6.0 GiB"));
}

TEST_F(RunGpusTest, WithoutAGpuTrialsRunOnCpuAndTheUserIsToldOnce) {
  options_.gpus.open = []() -> absl::StatusOr<std::unique_ptr<gpu::GpuBackend>> {
    return absl::UnavailableError("cannot load libnvidia-ml.so.1");
  };
  absl::StatusOr<RunResult> result =
      Run(Experiment("hpsearch.kubeflow.org/gpu-memory-fraction: \"0.5\"", 2, {1, 2, 3}, 0));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(std::count_if(observer_.messages.begin(), observer_.messages.end(),
                          [](const std::string& m) { return m.find("GPU") != std::string::npos; }),
            1);
  EXPECT_THAT(observer_.messages, Contains("no NVIDIA GPU: cannot load libnvidia-ml.so.1; trials run on CPU; "
                                           "the GPU memory budget and MPS settings asked for are ignored"));
  for (const TrialView& trial : result->trials) {
    EXPECT_EQ(trial.record.status, TrialStatus::kSucceeded);
    EXPECT_FALSE(trial.record.gpu_device.has_value());
    EXPECT_EQ(TrialEnv(trial.record.name).count("HPSEARCH_GPU_MEMORY_FRACTION"), 0u);
  }
}

TEST_F(RunGpusTest, ABudgetNoGpuCanHoldStopsTheRunBeforeAnyTrial) {
  options_.gpus.budget.size = "20Gi";
  absl::StatusOr<RunResult> result = Run(Experiment("", 2, {1, 2}, 0));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("a GPU memory budget of 20.0 GiB fits no GPU: it is larger "
                                                   "than GPU 0 (Simulated GPU"));
}

}  // namespace
}  // namespace hpsearch::runner

// `hpsearch run FILE`: run a Katib Experiment on this machine (see
// runner/experiment_runner.h). Progress goes to stderr, the final table of
// trials to stdout, and the summary to <workdir>/summary.json. Exit status: 0
// when the experiment succeeded, 1 when it failed or could not run, 128+N
// when interrupted by signal N (2 for usage errors, from main()).
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>

#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "api/experiment_loader.h"
#include "cli/commands.h"
#include "cli/experiment_checks.h"
#include "cli/validators.h"
#include "gpu/budget.h"
#include "runner/console_progress.h"
#include "runner/experiment_runner.h"
#include "runner/trial_report.h"

namespace hpsearch::cli {
namespace {

struct RunFlags {
  std::string file;
  std::string workdir;
  bool force = false;
  double trial_timeout_seconds = 0;
  double stop_grace_seconds = 10;
  std::optional<std::string> gpu_memory_fraction;
  std::optional<std::string> gpu_memory;
  bool gpu_mps = false;
};

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// This process's CPU time so far, user and system, in seconds.
double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// The engine's own CPU time (trials excluded) over the run against its wall
// time, so users (and bench/runner.md) can see what supervising the trials
// costs. Start-up (loading libraries, the file) is left out of both.
std::string EngineCpuUsage(double cpu_seconds, std::chrono::steady_clock::duration wall) {
  double seconds = std::chrono::duration<double>(wall).count();
  char text[128];
  std::snprintf(text, sizeof text, "engine CPU %.2f s over %.2f s wall (%.1f%% of one core)", cpu_seconds,
                seconds, seconds > 0 ? 100 * cpu_seconds / seconds : 0.0);
  return text;
}

// A CLI11 validator from a parser that says what is wrong with a value.
template <typename Parse>
CLI::Validator ParsedBy(Parse parse, std::string description) {
  return CLI::Validator(
      [parse](std::string& value) {
        auto parsed = parse(value);
        return parsed.ok() ? std::string() : std::string(parsed.status().message());
      },
      std::move(description));
}

[[noreturn]] void Fail(const std::string& message) {
  std::cerr << "hpsearch run: error: " << message << "\n";
  throw CLI::RuntimeError(1);
}

// Replaces `path` with `text` whole or not at all: written to `path`.tmp,
// synced, then renamed over `path`, so that a kill, a full disk or a power
// loss mid-write leaves the previous file as it was (and at worst a stale
// .tmp, which the next write reuses). Returns what failed, with the
// system's reason, or "".
std::string WriteFileWhole(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::path partial = path;
  partial += ".tmp";
  auto failed = [&](const std::string& what, int error) {
    unlink(partial.c_str());
    return what + ": " + std::strerror(error);
  };
  const int fd = open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return failed("cannot write " + partial.string(), errno);
  int error = 0;
  for (size_t done = 0; done < text.size() && error == 0;) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n >= 0) {
      done += static_cast<size_t>(n);
    } else if (errno != EINTR) {
      error = errno;
    }
  }
  if (error == 0 && fsync(fd) != 0) error = errno;
  // close() reports what some file systems defer (NFS, quotas).
  if (close(fd) != 0 && error == 0) error = errno;
  if (error != 0) return failed("cannot write " + partial.string(), error);
  if (rename(partial.c_str(), path.c_str()) != 0) {
    return failed("cannot rename " + partial.string() + " to " + path.string(), errno);
  }
  // The rename survives a power loss once the folder is synced; EINVAL: a
  // file system that cannot sync folders, and need not.
  const std::string folder = path.has_parent_path() ? path.parent_path().string() : ".";
  const int dir = open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  error = dir < 0 || fsync(dir) == 0 ? 0 : errno;
  if (dir >= 0) close(dir);
  if (error != 0 && error != EINVAL) return "cannot sync folder " + folder + ": " + std::strerror(error);
  return "";
}

int RunFile(const RunFlags& flags) {
  api::LoadedExperiment loaded = api::LoadExperimentFile(flags.file);
  CheckHpsearchSupport(loaded);
  for (const api::Diagnostic& d : loaded.diagnostics) {
    std::cerr << api::FormatDiagnostic(flags.file, d) << "\n";
  }
  if (!loaded.ok()) throw CLI::RuntimeError(1);
  const api::Experiment& experiment = *loaded.experiment;

  runner::RunOptions options;
  options.workdir = flags.workdir.empty()
                        ? std::filesystem::path("hpsearch-runs") / experiment.metadata.name
                        : std::filesystem::path(flags.workdir);
  options.force = flags.force;
  options.trial_timeout = std::chrono::milliseconds(static_cast<int64_t>(flags.trial_timeout_seconds * 1000));
  options.stop_grace = std::chrono::milliseconds(static_cast<int64_t>(flags.stop_grace_seconds * 1000));
  options.gpus.budget = {.fraction = flags.gpu_memory_fraction, .size = flags.gpu_memory};
  options.gpus.mps = flags.gpu_mps;

  runner::ConsoleProgress progress(stderr, isatty(STDERR_FILENO) == 1, experiment.spec.max_trial_count,
                                   experiment.spec.objective->objective_metric_name);
  progress.OnMessage("running " + experiment.metadata.name + " in " + options.workdir.string());
  // A reader of our output gone mid-run (| head, a tee killed with its
  // terminal) stops the run like SIGHUP: the run's supervisor takes
  // SIGPIPE as a signal while it runs, and later writes just fail.
  std::signal(SIGPIPE, SIG_IGN);
  const auto started = std::chrono::steady_clock::now();
  const double cpu_at_start = CpuSeconds();
  auto result = runner::RunExperiment(experiment, ReadText(flags.file), options, progress);
  if (!result.ok()) Fail(std::string(result.status().message()));

  std::vector<runner::TrialView> sorted = runner::SortedByObjective(result->trials, experiment);
  std::cout << runner::FormatTrials(sorted, experiment, runner::ReportFormat::kTable);
  std::filesystem::path summary = options.workdir / "summary.json";
  const std::string summary_error = WriteFileWhole(summary, runner::FormatSummaryJson(*result, experiment));
  progress.OnMessage(result->message + " (" + result->reason + ")" +
                     (summary_error.empty() ? "; summary in " + summary.string() : ""));
  progress.OnMessage(EngineCpuUsage(CpuSeconds() - cpu_at_start, std::chrono::steady_clock::now() - started));
  if (!summary_error.empty()) {
    Fail(summary_error + "; the trials are in " + (options.workdir / "store.db").string() +
         " (hpsearch trials --workdir " + options.workdir.string() + ")");
  }

  switch (result->outcome) {
    case runner::RunOutcome::kSucceeded: return 0;
    case runner::RunOutcome::kFailed: return 1;
    case runner::RunOutcome::kInterrupted: return 128 + result->interrupt_signal;
  }
  return 1;
}

}  // namespace

void AddRunCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "Run a Katib Experiment on this machine, resuming if its workdir exists");
  auto flags = std::make_shared<RunFlags>();
  cmd->add_option("file", flags->file, "Experiment YAML file")->required();
  cmd->add_option("--workdir", flags->workdir,
                  "Where the store, trial logs and summary go (default ./hpsearch-runs/<experiment name>)");
  cmd->add_flag("--force", flags->force,
                "Go on although the Experiment changed in a way Katib would refuse (a field other than the "
                "trial counts, or a completed experiment under resumePolicy Never)");
  cmd->add_option("--trial-timeout", flags->trial_timeout_seconds,
                  "Fail a trial that runs longer than this many seconds (0: no limit)")
      ->check(Seconds())
      ->default_str("0");
  cmd->add_option("--stop-grace", flags->stop_grace_seconds,
                  "Seconds a trial gets between SIGTERM and SIGKILL whenever hpsearch stops it (run ending, "
                  "interrupt, timeout, early stopping, GPU memory overrun)")
      ->check(Seconds())
      ->default_str("10");
  cmd->add_option("--gpu-memory-fraction", flags->gpu_memory_fraction,
                  "Each trial's GPU memory budget as a fraction of its GPU, in (0, 1] (default: the "
                  "experiment's hpsearch.kubeflow.org/gpu-memory-fraction annotation, else 1 / trials per GPU)")
      ->check(ParsedBy(gpu::ParseGpuMemoryFraction, "FRACTION"));
  cmd->add_option("--gpu-memory", flags->gpu_memory,
                  "Each trial's GPU memory budget as a size such as 6Gi or 8G (default: the "
                  "hpsearch.kubeflow.org/gpu-memory annotation)")
      ->check(ParsedBy(gpu::ParseMemorySize, "SIZE"))
      ->excludes("--gpu-memory-fraction");
  cmd->add_flag("--gpu-mps", flags->gpu_mps,
                "An NVIDIA MPS daemon serves the GPUs: also give each trial CUDA_MPS_PINNED_DEVICE_MEM_LIMIT "
                "and CUDA_MPS_ACTIVE_THREAD_PERCENTAGE");
  cmd->callback([flags] {
    int code = RunFile(*flags);
    std::cout.flush();
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace hpsearch::cli

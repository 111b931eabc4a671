// `hpsearch trials --workdir DIR`: every trial of the experiment run in DIR,
// with its status, objective, other metrics and parameters, as a table, JSON
// or CSV. Opens the store read-only, so it works while `hpsearch run` is
// still writing it. Exit status: 0, or 1 when the store cannot be read.
#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/experiment_loader.h"
#include "cli/commands.h"
#include "metrics/objective_store.h"
#include "runner/experiment_runner.h"
#include "runner/trial_report.h"
#include "runner/workdir_lock.h"

namespace hpsearch::cli {
namespace {

const std::map<std::string, runner::ReportFormat>& Formats() {
  static const auto* formats = new std::map<std::string, runner::ReportFormat>{
      {"table", runner::ReportFormat::kTable}, {"json", runner::ReportFormat::kJson}, {"csv", runner::ReportFormat::kCsv}};
  return *formats;
}

struct TrialsFlags {
  std::string workdir;
  std::string format = "table";  // a key of Formats()
  bool sort_by_objective = false;
};

[[noreturn]] void Fail(const std::string& message) {
  std::cerr << "hpsearch trials: error: " << message << "\n";
  throw CLI::RuntimeError(1);
}

// Trials recorded Running whose engine is gone stay so until a run resumes
// them: say it, on stderr so that json and csv output stay as they are. The
// engine was killed (or its machine rebooted), or it stopped on an error and
// could not record their end: a full disk fails that write too, so the store
// cannot say which.
void NoteTrialsLeftRunning(const std::vector<runner::TrialView>& trials, const std::string& workdir) {
  const auto running = std::count_if(trials.begin(), trials.end(), [](const runner::TrialView& trial) {
    return trial.record.status == metrics::TrialStatus::kRunning;
  });
  if (running == 0 || runner::WorkdirInUse(workdir)) return;
  std::cerr << "hpsearch trials: note: no hpsearch run holds " << workdir << ": its " << running
            << " Running trial" << (running == 1 ? " was" : "s were") << " left so by a run that was killed "
            << "or stopped on an error, and will run again when `hpsearch run` resumes it\n";
}

void ListTrials(const TrialsFlags& flags) {
  std::filesystem::path path = std::filesystem::path(flags.workdir) / "store.db";
  if (!std::filesystem::exists(path)) Fail(path.string() + " does not exist: no experiment has run there");
  auto store = metrics::ObjectiveStore::Open(path.string(), {.read_only = true});
  if (!store.ok()) Fail(std::string(store.status().message()));
  auto experiments = (*store)->ListExperiments();
  if (!experiments.ok()) Fail(std::string(experiments.status().message()));
  if (experiments->empty()) Fail(path.string() + " holds no experiment yet");

  for (const metrics::ExperimentRecord& record : *experiments) {
    api::LoadedExperiment loaded = api::LoadExperimentText(record.spec);
    if (!loaded.ok()) Fail("the spec stored for experiment " + record.name + " no longer loads");
    auto trials = runner::LoadTrialViews(**store, *loaded.experiment);
    if (!trials.ok()) Fail(std::string(trials.status().message()));
    if (flags.sort_by_objective) *trials = runner::SortedByObjective(*std::move(trials), *loaded.experiment);
    std::cout << runner::FormatTrials(*trials, *loaded.experiment, Formats().at(flags.format));
    NoteTrialsLeftRunning(*trials, flags.workdir);
  }
}

}  // namespace

void AddTrialsCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("trials", "List the trials of an experiment run by hpsearch run");
  auto flags = std::make_shared<TrialsFlags>();
  cmd->add_option("--workdir", flags->workdir, "The experiment's workdir (holding store.db)")->required();
  // IsMember, not a CheckedTransformer to the enum: its error and --help
  // would show the enum's numbers.
  cmd->add_option("--format", flags->format, "Output format: table, json or csv")
      ->transform(CLI::IsMember(Formats(), CLI::ignore_case))
      ->capture_default_str();
  cmd->add_flag("--sort-by-objective", flags->sort_by_objective,
                "Succeeded trials first, best objective first (default: in the order trials were created)");
  cmd->callback([flags] {
    ListTrials(*flags);
    std::cout.flush();
  });
}

}  // namespace hpsearch::cli

// `hpsearch validate FILE...`: load, default and validate each Experiment
// (a file may hold several) the way Katib admits it, then, for the algorithms hpsearch serves, check the
// algorithm settings as ValidateAlgorithmSettings would, and the early-stopping
// settings as ValidateEarlyStoppingSettings would. Prints a summary of
// each valid file to stdout and every problem to stderr as
// FILE:LINE:COL: error: FIELD: MESSAGE. Exit status: 0 when every file is
// valid, 1 otherwise (2 for usage errors, from main()).
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/diagnostic.h"
#include "api/experiment_loader.h"
#include "api/experiment_summary.h"
#include "cli/commands.h"
#include "cli/experiment_checks.h"

namespace hpsearch::cli {
namespace {

// kubectl apply -f of a file holding two Experiments of one name and
// namespace sends the second as an update of the first.
void WarnOfSameNames(std::vector<api::LoadedExperiment>& experiments) {
  std::map<std::pair<std::string, std::string>, int> first_lines;  // namespace, name -> line
  for (api::LoadedExperiment& loaded : experiments) {
    if (!loaded.ok()) continue;
    const api::Metadata& metadata = loaded.experiment->metadata;
    const api::SourcePosition where = loaded.source_map.Find("metadata.name");
    auto [first, inserted] = first_lines.emplace(std::pair(metadata.namespace_, metadata.name), where.line);
    if (inserted) continue;
    loaded.diagnostics.push_back(
        {api::Severity::kWarning, "metadata.name",
         "another Experiment of this file has this name and namespace (line " + std::to_string(first->second) +
             "): kubectl apply sends this one as an update of that one, which Katib refuses if more than "
             "the trial counts differ",
         where});
  }
}

// Returns whether every Experiment of the file is valid. A manifest for
// kubectl apply -f may hold several: each is checked and summarized.
bool ValidateFile(const std::string& file, bool quiet) {
  std::vector<api::LoadedExperiment> experiments = api::LoadExperimentsFile(file);
  WarnOfSameNames(experiments);
  bool all_valid = true;
  for (size_t i = 0; i < experiments.size(); ++i) {
    api::LoadedExperiment& loaded = experiments[i];
    CheckHpsearchSupport(loaded);
    for (const api::Diagnostic& d : loaded.diagnostics) {
      std::cerr << api::FormatDiagnostic(file, d) << "\n";
    }
    if (!loaded.ok()) {
      all_valid = false;
      continue;
    }
    if (quiet) continue;
    if (i > 0) std::cout << "\n";
    std::cout << file << (experiments.size() > 1 ? ": " + loaded.experiment->metadata.name : "") << ": valid\n"
              << api::SummarizeExperiment(*loaded.experiment);
  }
  return all_valid;
}

}  // namespace

void AddValidateCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "validate",
      "Check Katib Experiment YAML files as Katib's webhooks would, and summarize them");
  struct Options {
    std::vector<std::string> files;
    bool quiet = false;
  };
  auto options = std::make_shared<Options>();
  cmd->add_option("files", options->files, "Experiment YAML files")->required();
  cmd->add_flag("-q,--quiet", options->quiet, "Print only problems, no summary");
  cmd->callback([options] {
    bool all_valid = true;
    for (size_t i = 0; i < options->files.size(); ++i) {
      if (i > 0 && !options->quiet) std::cout << "\n";
      all_valid = ValidateFile(options->files[i], options->quiet) && all_valid;
    }
    std::cout.flush();
    if (!all_valid) throw CLI::RuntimeError(1);
  });
}

}  // namespace hpsearch::cli
